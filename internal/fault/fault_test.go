package fault

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	errOwn := errors.New("own sentinel")
	errRetry := errors.New("retry sentinel")
	table := Table{
		Permanent(errOwn, "Eigene Meldung."),
		Transient(errRetry, "Später erneut."),
	}
	byFunc := func(err error) (bool, string, bool) {
		if strings.Contains(err.Error(), "by func") {
			return true, "Vom Paket entschieden.", true
		}
		return false, "", false
	}
	r := New(table.Explain, byFunc)
	tests := []struct {
		name      string
		err       error
		permanent bool
		clerk     []string
	}{
		{"table sentinel", fmt.Errorf("x: %w", errOwn), true, []string{"Eigene Meldung."}},
		{"transient table sentinel", fmt.Errorf("x: %w", errRetry), false, []string{"Später erneut."}},
		{"package explainer", errors.New("decided by func"), true, []string{"Vom Paket entschieden."}},
		{"specific sentence wins over ErrPermanent", fmt.Errorf("%w: %w", ErrPermanent, errOwn), true, []string{"Eigene Meldung."}},
		{"ErrPermanent alone", fmt.Errorf("%w: profile gone", ErrPermanent), true, []string{"konnte nicht verarbeitet werden"}},
		{"file gone", fmt.Errorf("open: %w", os.ErrNotExist), true, []string{"nicht mehr vorhanden"}},
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

// TestFirstExplainerWins pins the order: an error two explainers know gets
// the sentence of the one named first.
func TestFirstExplainerWins(t *testing.T) {
	errA := errors.New("a")
	first := Table{Permanent(errA, "Erste.")}
	second := Table{Transient(errA, "Zweite.")}
	if v := New(first.Explain, second.Explain).Classify(errA); !v.Permanent || v.Clerk != "Erste." {
		t.Errorf("got %+v, want the first explainer's verdict", v)
	}
}
