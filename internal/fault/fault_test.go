package fault

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/intake"
)

func TestClassify(t *testing.T) {
	errOwn := errors.New("own sentinel")
	r := Default()
	r.Register(errOwn, true, "Eigene Meldung.")
	r.RegisterFunc(func(err error) (Verdict, bool) {
		if strings.Contains(err.Error(), "by func") {
			return Verdict{Permanent: true, Clerk: "Vom Paket entschieden."}, true
		}
		return Verdict{}, false
	})
	tests := []struct {
		name      string
		err       error
		permanent bool
		clerk     []string
	}{
		{"DMS rejection keeps the target and its reason",
			fmt.Errorf("deliver: %w", &dms.RejectedError{Target: "d3", Status: 422, Reason: "Pflichtfeld Betrag fehlt"}),
			true, []string{"Das Zielsystem d3 hat das Dokument abgelehnt (Status 422).", "Begründung: Pflichtfeld Betrag fehlt"}},
		{"rejection without reason", &dms.RejectedError{Target: "fabasoft"}, true, []string{"Zielsystem fabasoft wurde nicht abgeschlossen."}},
		{"intake sentinel", fmt.Errorf("claim: %w", intake.ErrEmpty), true, []string{"Die Datei ist leer."}},
		{"registered sentinel", fmt.Errorf("x: %w", errOwn), true, []string{"Eigene Meldung."}},
		{"package classifier", errors.New("decided by func"), true, []string{"Vom Paket entschieden."}},
		{"network error is transient", fmt.Errorf("post: %w", &net.OpError{Op: "dial", Err: errors.New("refused")}), false, []string{"nicht erreichbar"}},
		{"deadline is transient", fmt.Errorf("post: %w", context.DeadlineExceeded), false, []string{"nicht erreichbar"}},
		{"unknown is transient", errors.New("something odd"), false, []string{"technischer Fehler"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := r.Classify(tt.err)
			if v.Permanent != tt.permanent {
				t.Errorf("Permanent = %v, want %v", v.Permanent, tt.permanent)
			}
			for _, want := range tt.clerk {
				if !strings.Contains(v.Clerk, want) {
					t.Errorf("Clerk = %q, want it to contain %q", v.Clerk, want)
				}
			}
		})
	}
}
