package extract

import (
	"testing"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"1.021,91", "1021.91", true},
		{"1,021.91", "1021.91", true},
		{"Bruttosumme 235,62 EUR", "235.62", true},
		{"-8,79", "-8.79", true},
		{"- 8,79 €", "-8.79", true},
		{"8,79-", "-8.79", true},
		{"1 005,55", "1005.55", true},
		{"1'234.50", "1234.50", true},
		{"€ 0,00", "0.00", true},
		{"-0,00", "0.00", true},
		{"12.345.678,90", "12345678.90", true},
		{"19 %", "", false},
		{"1.234", "", false},
		{"abc", "", false},
		{"05.06.2018", "", false},
		{"1.234.56", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseAmount(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseAmount(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCanonicalAmount(t *testing.T) {
	for in, want := range map[string]string{"300": "300.00", "18.08": "18.08", "-8.79": "-8.79", "18.1": "18.10", " 50.00 ": "50.00"} {
		if got, ok := CanonicalAmount(in); !ok || got != want {
			t.Errorf("CanonicalAmount(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "1e3", "1/2", "x"} {
		if _, ok := CanonicalAmount(in); ok {
			t.Errorf("CanonicalAmount(%q) ok", in)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		compact bool
		want    string
		ok      bool
	}{
		{"05.06.2018", false, "2018-06-05", true},
		{"vom 5.6.18", false, "2018-06-05", true},
		{"Date : 31/12/2018", false, "2018-12-31", true},
		{"2018-03-05", false, "2018-03-05", true},
		{"11. Juli 2014", false, "2014-07-11", true},
		{"5 mars 2018", false, "2018-03-05", true},
		{"March 5, 2018", false, "2018-03-05", true},
		{"20181230", true, "2018-12-30", true},
		{"20181230", false, "", false},
		{"31.02.2018", false, "", false},
		{"vom 16,09.2018", false, "2018-09-16", true},
		{"Betrag 16,09", false, "", false},
		{"13.13.2018", false, "", false},
		{"235,62", false, "", false},
		{"Lieferung 01.03.2018 und 05.03.2018", false, "2018-03-01", true},
	}
	for _, tt := range tests {
		got, ok := ParseDate(tt.in, tt.compact)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseDate(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// IBANs checked against the ISO 13616 examples and an independent mod-97
// computation (Python int arithmetic).
func TestValidIBAN(t *testing.T) {
	tests := map[string]bool{
		"DE89 3704 0044 0532 0130 00": true,
		"DE88200800000970375700":      true,
		"GB82WEST12345698765432":      true,
		"de89370400440532013000":      true,
		"DE89370400440532013001":      false,
		"DE12123456781234567890":      false, // sample IBAN of the FeRD examples, wrong check digits
		"DE8937040044053201300":       false, // too short for DE
		"XX":                          false,
		"":                            false,
		"DE89-3704":                   false,
		"DR89370400440532013000":      false, // no such IBAN country (a misread DE)
		"DR50370400440532013000":      false, // passes mod-97, but DR is not an IBAN country
		"TR330006100519786457841326":  true,  // registry example, country outside ibanLengths
	}
	for in, want := range tests {
		if got := ValidIBAN(in); got != want {
			t.Errorf("ValidIBAN(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestValidBIC(t *testing.T) {
	for in, want := range map[string]bool{"COBADEFFXXX": true, "DEUTDEFF": true, "DEUTDEF": false, "1EUTDEFF": false} {
		if got := ValidBIC(in); got != want {
			t.Errorf("ValidBIC(%q) = %v", in, got)
		}
	}
}

// Check digits verified with an independent implementation of ISO 7064
// MOD 11,10 (DE) and the SIREN key (FR).
func TestCheckVATID(t *testing.T) {
	tests := map[string]VATCheck{
		"DE136695976":        VATChecksumOK,
		"DE 123 456 788":     VATChecksumOK,
		"DE123456789":        VATChecksumBad, // FeRD sample id
		"DE12345678":         VATInvalid,
		"FR32123456789":      VATChecksumOK,
		"FR 11 999999998":    VATChecksumOK,
		"FR33123456789":      VATChecksumBad,
		"ATU12345678":        VATFormatOK,
		"NL123456789B01":     VATFormatOK,
		"ATX12345678":        VATInvalid,
		"":                   VATInvalid,
		"CHE-123.456.789":    VATFormatOK,
		"XY1234567890123456": VATInvalid,
	}
	for in, want := range tests {
		if got := CheckVATID(in); got != want {
			t.Errorf("CheckVATID(%q) = %v, want %v", in, got, want)
		}
	}
}

// Leitweg-IDs from the KoSIT documentation; check digits verified with
// Python's int(…, 36) mod 97.
func TestValidLeitwegID(t *testing.T) {
	tests := map[string]bool{
		"04011000-1234512345-06": true,
		"991-33333TEST-33":       true,
		"04011000-12345ABCXY-86": false,
		"04011000-1234512345-07": false,
		"991-33333test-33":       true,
		"1-33":                   false,
		"":                       false,
	}
	for in, want := range tests {
		if got := ValidLeitwegID(in); got != want {
			t.Errorf("ValidLeitwegID(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestValidTaxNumber(t *testing.T) {
	for in, want := range map[string]bool{"201/113/40209": true, "93815/08152": false, "2893081508152": true, "12/345/6789": true, "abc": false} {
		if got := ValidTaxNumber(in); got != want {
			t.Errorf("ValidTaxNumber(%q) = %v", in, got)
		}
	}
}

func TestParseIBAN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"DE12 1234 4321 9876 00 BIC XYZ", "DE1212344321987600"},
		{"DE88 2008 0000 0970 3757 00", "DE88200800000970375700"},
		{"DE88 2OO8 0000 0970 3757 00", "~DE88200800000970375700"}, // O read for 0: a repair
		{"DE88200800000970375700, BIC DRESDEFF", "DE88200800000970375700"},
		{"FR76 1254 2547 2569 8542 5874 698", "FR7612542547256985425874698"},
		{"DEO08 7009 0100 1234 5678 90", "~DE08700901001234567890"},
	}
	for _, tt := range tests {
		got, _, _, ok := parseIBAN(tt.in)
		if !ok || got != tt.want {
			t.Errorf("parseIBAN(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

func TestParseRef(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{" Nr. 471102 vom 05.06.2018", "471102", true},
		{": RE-20171118/506", "RE-20171118/506", true},
		{" 00.123.456.7-2018-1", "00.123.456.7-2018-1", true},
		{" gemäß Bestellung", "", false},
		{" 05.06.2018", "", false},
		{" 235,62", "", false},
	}
	for _, tt := range tests {
		got, _, _, ok := parseRef(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseRef(%q) = %q, %v", tt.in, got, ok)
		}
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1.021,91", "8,79-", "1 005,55", "-", ",00", "9999999999999999999,99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := ParseAmount(s)
		if ok {
			if _, good := CanonicalAmount(v); !good {
				t.Fatalf("ParseAmount(%q) = %q, not canonical", s, v)
			}
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"05.06.2018", "11. Juli 2014", "March 5, 2018", "20181230", "31/12/2018"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, ok := ParseDate(s, true); ok && len(v) != 10 {
			t.Fatalf("ParseDate(%q) = %q", s, v)
		}
	})
}

func FuzzParseIBAN(f *testing.F) {
	f.Add("DE88 2008 0000 0970 3757 00")
	f.Add("IBAN: FR76")
	f.Fuzz(func(t *testing.T, s string) {
		v, st, en, ok := parseIBAN(s)
		if ok && (st < 0 || en > len(s) || st > en || len(v) > 40) {
			t.Fatalf("parseIBAN(%q) = %q %d %d", s, v, st, en)
		}
	})
}

func TestRepairedDate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"11,03.20T8", "~2018-03-11"},
		{"05.03.2018", "2018-03-05"},
		{"05.O3.20l8", "~2018-03-05"},
		{"O5.O3.2Ol8", ""}, // mostly letters: left alone
		{"Tel. 0800", ""},
	}
	for _, tt := range tests {
		got, _, _, _ := repairedDate(tt.in)
		if got != tt.want {
			t.Errorf("repairedDate(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
