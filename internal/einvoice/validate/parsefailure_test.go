package validate

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/einvoice"
)

func TestParseFailure(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		rule       string
		unreadable bool
		de         string
	}{
		{"plain PDF has no scenario", einvoice.ErrNoInvoiceInPDF, RuleNoScenario, false, "Kein Prüfszenario anwendbar."},
		{"unknown root has no scenario", einvoice.ErrNotEInvoice, RuleNoScenario, false, "keine E-Rechnung"},
		{"damaged PDF", fmt.Errorf("%w: %w: xref", einvoice.ErrMalformed, einvoice.ErrDamagedPDF), RuleFileUnreadable, true, "PDF-Datei ist beschädigt"},
		{"missing file", fmt.Errorf("open x.xml: %w", fs.ErrNotExist), RuleFileUnreadable, true, "gibt es nicht"},
		{"no permission", fmt.Errorf("open x.xml: %w", fs.ErrPermission), RuleFileUnreadable, true, "Berechtigung"},
		{"bad XML", fmt.Errorf("%w: line 3", einvoice.ErrMalformed), RuleNotWellFormed, true, "wohlgeformtes XML"},
		{"hostile XML", einvoice.ErrHostileXML, RuleNotWellFormed, true, "Sicherheitsgründen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, unreadable := ParseFailure(tt.err)
			if f.Rule != tt.rule || unreadable != tt.unreadable || f.Severity != SeverityFatal ||
				!strings.Contains(f.MessageDE, tt.de) || f.MessageEN != tt.err.Error() {
				t.Errorf("ParseFailure = %+v, unreadable %v", f, unreadable)
			}
		})
	}
}
