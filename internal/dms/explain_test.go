package dms

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		ok    bool
		clerk []string
	}{
		{"rejection keeps the target and its reason",
			fmt.Errorf("deliver: %w", &RejectedError{Target: "d3", Status: 422, Reason: "Pflichtfeld Betrag fehlt"}),
			true, []string{"Das Zielsystem d3 hat das Dokument abgelehnt (Status 422).", "Begründung: Pflichtfeld Betrag fehlt"}},
		{"rejection without status or reason", &RejectedError{Target: "fabasoft"}, true, []string{"Zielsystem fabasoft wurde nicht abgeschlossen."}},
		{"other error", errors.New("connection reset"), false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			permanent, clerk, ok := Explain(tt.err)
			if ok != tt.ok || permanent != tt.ok {
				t.Fatalf("Explain = (%v, %q, %v), want ok and permanent %v", permanent, clerk, ok, tt.ok)
			}
			for _, want := range tt.clerk {
				if !strings.Contains(clerk, want) {
					t.Errorf("clerk = %q, want it to contain %q", clerk, want)
				}
			}
		})
	}
}
