//go:build !zxingcpp

package barcode

func zxingCPPBackend() *Backend { return nil }
