package validate

import "testing"

// The expected values are the worked examples of the Leitweg-ID
// specification (computed independently, see docs/einvoice.md §2).
func TestLeitwegIDValid(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"04011000-1234512345-06", true},
		{"991-33333TEST-33", true},
		{"992-90009-96", true},
		{"09564000-NUE0001-49", true},
		{"04011000-45", true},
		{"04011000-900X999-08", true},
		{" 04011000-1234512345-06\n", true},
		{"04011000-1234512345-07", false},
		{"99000000-01944-98", false},
		{"04011000-12345-34", false},
		{"Leitweg-ID", false},
		{"", false},
		{"1-2", false},
	}
	for _, tt := range tests {
		if got := LeitwegIDValid(tt.id); got != tt.want {
			t.Errorf("LeitwegIDValid(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestIBAN(t *testing.T) {
	tests := []struct {
		iban string
		want bool
	}{
		{"DE75512108001245126199", true},
		{"DE75 5121 0800 1245 1261 99", true},
		{"DE79000000001234567890", true}, // dummy IBAN used by the XRechnung test suite
		{"DE02120300000000202051", true},
		{"DE02120300000000202052", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := ibanOK(tt.iban); got != tt.want {
			t.Errorf("ibanOK(%q) = %v, want %v", tt.iban, got, tt.want)
		}
	}
}

// TestSkonto follows the BR-DE-18 format description of the XRechnung
// specification (upper case, two decimals, optional BASISBETRAG, a line
// break after the last entry, no extra whitespace inside an entry).
func TestSkonto(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"#SKONTO#TAGE=14#PROZENT=2.00#\n", true},
		{"#SKONTO#TAGE=1#PROZENT=2.00#\n#SKONTO#TAGE=2#PROZENT=1.00#BASISBETRAG=23.88#\n#SKONTO#TAGE=3#PROZENT=0.00#\n        ", true},
		{"Zahlbar innerhalb 30 Tagen ohne Abzug.", true},
		{"Zahlbar sofort.\n#SKONTO#TAGE=7#PROZENT=3.00#\n", true},
		{"#SKONTO#TAGE=14#PROZENT=2.00#", false},
		{"#skonto#TAGE=14#PROZENT=2.00#\n", false},
		{"#SKONTO#TAGE=14#PROZENT=2.0#\n", false},
		{"#SKONTO#TAGE=14#PROZENT=2,00#\n", false},
		{"#SKONTO# TAGE=14#PROZENT=2.00#\n", false},
		{"#SKONTO#TAGE=14#PROZENT=2.00#BASISBETRAG=100#\n", false},
		{"#SKONTO#TAGE=14#PROZENT=2.00# Text\n", false},
	}
	for _, tt := range tests {
		if got := skontoOK(tt.text); got != tt.want {
			t.Errorf("skontoOK(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}
