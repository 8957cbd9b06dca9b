package einvoice_test

import (
	"testing"

	"github.com/eingang/eingang/internal/einvoice"
)

func TestGermanDate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2020-03-05", "05.03.2020"},
		{"20200305", "05.03.2020"},
		{" 2020-12-31\n", "31.12.2020"},
		{"2024-02-29", "29.02.2024"},
		// Not a date of the calendar or not in a known form: as written.
		{"2023-02-29", "2023-02-29"},
		{"2020-3-5", "2020-3-5"},
		{"05.03.2020", "05.03.2020"},
		{"2020-03-05T10:00:00", "2020-03-05T10:00:00"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := einvoice.GermanDate(tt.in); got != tt.want {
			t.Errorf("GermanDate(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
