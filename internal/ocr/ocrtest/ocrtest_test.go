package ocrtest

import "testing"

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		got, want string
		dist, n   int
	}{
		{"Rechnung  Nr.\n4711", "Rechnung Nr. 4711", 0, 17},
		{"Rechnunq", "Rechnung", 1, 8},
		{"", "abc", 3, 3},
		{"abc", "", 3, 0},
	} {
		if d, n := EditDistance(tc.got, tc.want); d != tc.dist || n != tc.n {
			t.Errorf("EditDistance(%q, %q) = %d, %d, want %d, %d", tc.got, tc.want, d, n, tc.dist, tc.n)
		}
	}
	if c := CER("abc", ""); c != 0 {
		t.Errorf("CER with empty reference = %v", c)
	}
	if c := CER("Rechnunq", "Rechnung"); c != 0.125 {
		t.Errorf("CER = %v, want 0.125", c)
	}
}
