package pipeline

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/fault"
	"github.com/eingang/eingang/internal/journal"
)

// A document whose profile was removed while it was on its way fails at
// once, whatever step it is at: no retry can bring the profile back.
func TestRemovedProfileIsPermanentInEveryStep(t *testing.T) {
	p, j, root := newTestPipeline(t)
	ctx := context.Background()
	faults := fault.New(Explain)
	for _, step := range []string{StepUnpack, StepEInvoice, StepClassify, StepSign, StepDeliver} {
		t.Run(step, func(t *testing.T) {
			doc := &journal.Document{ID: "gone-" + step, SourceName: "a.pdf", Profile: "removed", State: journal.StateProcessing,
				Step: step, WorkPath: root + "/a.pdf"}
			if _, _, err := j.Create(ctx, doc); err != nil {
				t.Fatal(err)
			}
			_, err := p.Run(ctx, step, doc.ID)
			if !errors.Is(err, errProfileGone) {
				t.Fatalf("Run(%s) = %v, want the removed profile", step, err)
			}
			v := faults.Classify(err)
			if !v.Permanent || !strings.Contains(v.Clerk, "Eingangsprofil") {
				t.Errorf("verdict %+v, want permanent with the profile sentence", v)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		ok        bool
		permanent bool
		clerk     string
	}{
		{"rejected e-invoice carries its findings", &RejectedInvoiceError{Summary: "BR-CO-15 Gesamtbetrag falsch"}, true, true, "ungültig: BR-CO-15"},
		{"no sealer", ErrNoSealer, true, true, "Siegelschlüssel"},
		{"other", errors.New("x"), false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			permanent, clerk, ok := Explain(tt.err)
			if ok != tt.ok || permanent != tt.permanent || !strings.Contains(clerk, tt.clerk) {
				t.Errorf("Explain = (%v, %q, %v)", permanent, clerk, ok)
			}
		})
	}
}
