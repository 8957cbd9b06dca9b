package pipeline

import "testing"

func TestProfileKindIsARealKind(t *testing.T) {
	// The profile kind post means "letters" about a folder; it must never
	// reach the journal or the DMS as a document kind.
	for in, want := range map[string]string{"post": "sonstiges", "Post": "sonstiges", "auto": "sonstiges", "": "sonstiges", "rechnung": "rechnung", "Rechnung": "rechnung"} {
		if got := profileKind(in); got != want {
			t.Errorf("profileKind(%q) = %q, want %q", in, got, want)
		}
	}
}
