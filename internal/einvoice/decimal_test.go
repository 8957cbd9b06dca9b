package einvoice

import (
	"errors"
	"math/big"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in    string
		want  string
		scale int32
		err   bool
	}{
		{"0", "0", 0, false},
		{"12.50", "12.50", 2, false},
		{"-0.01", "-0.01", 2, false},
		{"+3", "3", 0, false},
		{".5", "0.5", 1, false},
		{"7.", "7", 0, false},
		{" 1.5\n", "1.5", 1, false},
		{"123456789012345678901234567890.123", "123456789012345678901234567890.123", 3, false},
		{"", "", 0, true},
		{"-", "", 0, true},
		{".", "", 0, true},
		{"1e5", "", 0, true},
		{"1,5", "", 0, true},
		{"1.2.3", "", 0, true},
		{"NaN", "", 0, true},
		{"--1", "", 0, true},
	}
	for _, tt := range tests {
		d, err := ParseDecimal(tt.in)
		if tt.err {
			if !errors.Is(err, ErrInvalidDecimal) {
				t.Errorf("ParseDecimal(%q) err = %v, want ErrInvalidDecimal", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseDecimal(%q): %v", tt.in, err)
			continue
		}
		if d.String() != tt.want || d.Scale() != tt.scale {
			t.Errorf("ParseDecimal(%q) = %s (scale %d), want %s (scale %d)", tt.in, d, d.Scale(), tt.want, tt.scale)
		}
	}
}

// TestDecimalArithmetic checks against math/big.Rat as the independent
// reference.
func TestDecimalArithmetic(t *testing.T) {
	vals := []string{"0", "1", "-1", "0.1", "0.2", "19.99", "-2.5", "1000000.005", "3.14159", "-0.001"}
	rat := func(s string) *big.Rat {
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			t.Fatalf("rat %s", s)
		}
		return r
	}
	for _, a := range vals {
		for _, b := range vals {
			da, db := MustDecimal(a), MustDecimal(b)
			if got, want := da.Add(db).Rat(), new(big.Rat).Add(rat(a), rat(b)); got.Cmp(want) != 0 {
				t.Errorf("%s+%s = %s, want %s", a, b, got.FloatString(6), want.FloatString(6))
			}
			if got, want := da.Sub(db).Rat(), new(big.Rat).Sub(rat(a), rat(b)); got.Cmp(want) != 0 {
				t.Errorf("%s-%s = %s, want %s", a, b, got.FloatString(6), want.FloatString(6))
			}
			if got, want := da.Mul(db).Rat(), new(big.Rat).Mul(rat(a), rat(b)); got.Cmp(want) != 0 {
				t.Errorf("%s*%s = %s, want %s", a, b, got.FloatString(9), want.FloatString(9))
			}
			if got, want := da.Cmp(db), rat(a).Cmp(rat(b)); got != want {
				t.Errorf("cmp(%s,%s) = %d, want %d", a, b, got, want)
			}
		}
	}
	if !MustDecimal("1.0").Equal(MustDecimal("1.00")) {
		t.Error("1.0 != 1.00")
	}
	if s := MustDecimal("0.1").Add(MustDecimal("0.2")).String(); s != "0.3" {
		t.Errorf("0.1+0.2 = %s", s)
	}
}

// TestDecimalRound follows XPath round(): floor(x + 0.5).
func TestDecimalRound(t *testing.T) {
	tests := []struct {
		in     string
		places int32
		want   string
		away   string
	}{
		{"2.5", 0, "3", "3"},
		{"-2.5", 0, "-2", "-3"},
		{"2.345", 2, "2.35", "2.35"},
		{"-2.345", 2, "-2.34", "-2.35"},
		{"2.344", 2, "2.34", "2.34"},
		{"1.005", 2, "1.01", "1.01"},
		{"7", 2, "7.00", "7.00"},
		{"-0.004", 2, "0.00", "0.00"},
		{"0.125", 2, "0.13", "0.13"},
	}
	for _, tt := range tests {
		if got := MustDecimal(tt.in).Round(tt.places).String(); got != tt.want {
			t.Errorf("Round(%s, %d) = %s, want %s", tt.in, tt.places, got, tt.want)
		}
		got := MustDecimal(tt.in).RoundHalfAwayFromZero(tt.places).String()
		if got != tt.away && !(tt.away == "0.00" && got == "-0.00") {
			t.Errorf("RoundHalfAwayFromZero(%s, %d) = %s, want %s", tt.in, tt.places, got, tt.away)
		}
	}
	q, ok := MustDecimal("10").Quo(MustDecimal("3"), 2)
	if !ok || q.String() != "3.33" {
		t.Errorf("10/3 = %s", q)
	}
	q, _ = MustDecimal("-1").Quo(MustDecimal("8"), 2) // -0.125 -> -0.12 (half toward +inf)
	if q.String() != "-0.12" {
		t.Errorf("-1/8 = %s", q)
	}
	if _, ok := MustDecimal("1").Quo(Decimal{}, 2); ok {
		t.Error("division by zero succeeded")
	}
	if s := MustDecimal("1.500").Trimmed().String(); s != "1.5" {
		t.Errorf("Trimmed = %s", s)
	}
	var zero Decimal
	if !zero.IsZero() || zero.String() != "0" || zero.Add(MustDecimal("1.25")).String() != "1.25" {
		t.Error("zero value broken")
	}
}
