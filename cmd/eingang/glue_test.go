package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/dms/d3"
	"github.com/eingang/eingang/internal/dms/fabasoft"
	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/intake"
	"github.com/eingang/eingang/internal/ocr"
	"github.com/eingang/eingang/internal/pipeline"
	"github.com/eingang/eingang/internal/sign"
)

// Every package that owns sentinels is asked: a sentinel of each one gets
// its own sentence, not the general fallback.
func TestNewFaultsAsksEveryPackage(t *testing.T) {
	faults := newFaults()
	tests := []struct {
		err       error
		permanent bool
		clerk     string
	}{
		{&dms.RejectedError{Target: "d3", Status: 422}, true, "abgelehnt (Status 422)"},
		{intake.ErrEmpty, true, "leer"},
		{einvoice.ErrHostileXML, true, "Sicherheitsgründen"},
		{&pipeline.RejectedInvoiceError{Summary: "BR-16"}, true, "BR-16"},
		{pipeline.ErrNoSealer, true, "Siegelschlüssel"},
		{sign.ErrTimestamp, false, "Zeitstempeldienst"},
		{d3.ErrUnauthorized, false, "d.3"},
		{fabasoft.ErrUnavailable, false, "Fabasoft"},
		{ocr.ErrEncrypted, true, "passwortgeschützt"},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			v := faults.Classify(fmt.Errorf("step: %w", tt.err))
			if v.Permanent != tt.permanent || !strings.Contains(v.Clerk, tt.clerk) {
				t.Errorf("Classify = %+v, want permanent %v and %q", v, tt.permanent, tt.clerk)
			}
		})
	}
}
