//go:build zxingcpp

package barcode

import "testing"

func TestZXingCPPRoundTrip(t *testing.T) { roundTrip(t, ZXingCPP{}) }
