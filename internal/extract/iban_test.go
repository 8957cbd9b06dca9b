package extract

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// refIBAN computes the check digits of country+bban with math/big,
// independently of mod97, so that the test IBANs are valid by
// construction.
func refIBAN(t *testing.T, country, bban string) string {
	t.Helper()
	var digits strings.Builder
	for _, r := range bban + country + "00" {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			digits.WriteString(big.NewInt(int64(r - 'A' + 10)).String())
		default:
			t.Fatalf("bad character %q", r)
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	if !ok {
		t.Fatal("not a number")
	}
	check := 98 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	s := big.NewInt(check).String()
	if len(s) < 2 {
		s = "0" + s
	}
	return country + s + bban
}

func group4(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

func TestBBANFormatsMatchLengths(t *testing.T) {
	for cc, n := range ibanLengths {
		if got := len(ibanClasses(cc)) + 2; got != n {
			t.Errorf("%s: format gives length %d, ibanLengths %d", cc, got, n)
		}
	}
	for cc := range bbanFormats {
		if _, ok := ibanLengths[cc]; !ok {
			t.Errorf("%s: format without length", cc)
		}
	}
}

// TestParseIBANMisreads feeds hand-made OCR misreadings of IBANs whose
// check digits are computed by refIBAN.
func TestParseIBANMisreads(t *testing.T) {
	de := refIBAN(t, "DE", "370400440532013000")
	de2 := refIBAN(t, "DE", "500105175407324931")
	nl := refIBAN(t, "NL", "ABNA0417164300")
	fr := refIBAN(t, "FR", "30006000011234567890189")
	at := refIBAN(t, "AT", "1100000234573201")
	if !ValidIBAN(de) || !ValidIBAN(nl) || !ValidIBAN(fr) || !ValidIBAN(at) || !ValidIBAN(de2) {
		t.Fatal("reference IBANs do not pass ValidIBAN")
	}
	g := group4(de)  // "DE.. 3704 0044 0532 0130 00"
	body := g[5:]    // "3704 0044 0532 0130 00"
	check := de[2:4] // check digits
	tests := []struct {
		name, in, want string
	}{
		{"clean", g, de},
		{"country DR", "DR" + check + " " + body, "~" + de},
		{"country 0E", "0E" + check + " " + body, "~" + de},
		{"country DF", "DF" + check + " " + body, "~" + de},
		{"O for 0", strings.ReplaceAll(g, "0", "O"), "~" + de},
		{"l and S", "DE" + check + " 37O4 OO44 O532 Ol3O OO", "~" + de},
		{"dots and bars", "DE" + check + ". 3704 | 0044 . 0532 0130 00", "~" + de},
		{"stray mark before", "> 0E" + check + " " + body, "~" + de},
		{"inserted char in group", "DE" + check + " 3704 00744 0532 0130 00", "~" + de},
		{"followed by BIC", "DF" + check + " " + body + " BIC COBADEFFXXX", "~" + de},
		{"B and Z", "DE" + de2[2:4] + " " + strings.NewReplacer("8", "B", "2", "Z").Replace(group4(de2)[5:]), "~" + de2},
		{"NL letters as digits", "NL" + nl[2:4] + " A8NA 04l7 1643 OO", "~" + nl},
		{"FR with spaces", group4(fr), fr},
		{"AT run together, one I", "AT" + at[2:4] + strings.ReplaceAll(at[4:], "1", "I"), "~" + at},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, s, e, ok := parseIBAN(tt.in)
			if !ok || got != tt.want {
				t.Fatalf("parseIBAN(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
			}
			if s < 0 || e > len(tt.in) || s >= e {
				t.Errorf("range %d..%d of %q", s, e, tt.in)
			}
		})
	}
}

// TestParseIBANNoGuess: readings that cannot be repaired with certainty
// stay as read (and fail the check) or are not found at all; a wrong but
// valid IBAN must never come out.
func TestParseIBANNoGuess(t *testing.T) {
	de := refIBAN(t, "DE", "370400440532013000")
	tests := []struct{ name, in string }{
		// A digit read as another digit: mod-97 notices, but which digit?
		{"digit swap", de[:10] + "9" + de[11:]},
		// Sample IBAN with wrong check digits, read cleanly.
		{"invalid sample", "DE12 1234 5678 9012 3456 78"},
		{"too short", "DE12 1234 4321 9876 00"},
		{"garbage", "DET 22723425678790172734567 78"},
		{"words", "Deutsche Bank AG Musterstadt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, _, ok := parseIBAN(tt.in)
			if ok && ValidIBAN(strings.TrimPrefix(got, "~")) {
				t.Fatalf("parseIBAN(%q) = %q: a guess passed as valid", tt.in, got)
			}
		})
	}
}

// TestRepairedIBANNeverSafe: a repaired IBAN read in two places keeps a
// confidence below SafeConfidence.
func TestRepairedIBANNeverSafe(t *testing.T) {
	de := refIBAN(t, "DE", "370400440532013000")
	misread := "DR" + de[2:4] + " " + group4(de)[5:]
	cands := []candidate{
		{value: de, score: 0.7, row: 1, repaired: true},
		{value: de, score: 0.7, row: 5, repaired: true},
	}
	f, ok := decide(PayeeIBAN, cands)
	if !ok || f.Value != de || f.Confidence >= SafeConfidence {
		t.Fatalf("decide = %+v, %v", f, ok)
	}
	got, _, _, ok := parseIBAN(misread)
	if !ok || got != "~"+de {
		t.Fatalf("parseIBAN(%q) = %q", misread, got)
	}
}

func FuzzRepairIBAN(f *testing.F) {
	f.Add("DR89 3704 0044 0532 0130 00")
	f.Add("> DET 22723425678790172734567 78")
	f.Add("NL91 A8NA 04l7 1643 OO BIC")
	f.Fuzz(func(t *testing.T, s string) {
		v, st, en, ok := repairIBAN(s)
		if ok && (st < 0 || en > len(s) || st >= en || !ValidIBAN(v)) {
			t.Fatalf("repairIBAN(%q) = %q %d %d", s, v, st, en)
		}
	})
}

// garble applies typical OCR faults to a grouped IBAN: a misread country
// code, letters read for digits, a stray character inside a group,
// separators.
func garble(r *rand.Rand, s string) string {
	b := []byte(s)
	ops := 1 + r.IntN(3)
	for k := 0; k < ops; k++ {
		switch r.IntN(4) {
		case 0:
			cc := []string{"DR", "0E", "DF", "OE", "D E"}[r.IntN(5)]
			if string(b[:2]) == "DE" {
				b = append([]byte(cc), b[2:]...)
			}
		case 1:
			conf := map[byte]byte{'0': 'O', '1': 'l', '5': 'S', '8': 'B', '2': 'Z', '6': 'G'}
			for tries := 0; tries < 10; tries++ {
				i := 4 + r.IntN(len(b)-4)
				if c, ok := conf[b[i]]; ok {
					b[i] = c
					break
				}
			}
		case 2:
			i := 5 + r.IntN(len(b)-5)
			ins := "0123456789.,'"[r.IntN(13)]
			b = append(b[:i], append([]byte{ins}, b[i:]...)...)
		case 3:
			i := 5 + r.IntN(len(b)-5)
			sep := []string{" .", " |", ":"}[r.IntN(3)]
			b = append(b[:i], append([]byte(sep), b[i:]...)...)
		}
	}
	return string(b)
}

// TestParseIBANRandomMisreads measures the repair on garbled IBANs:
// garbled valid IBANs must mostly come back, and neither they nor garbled
// sample IBANs with wrong check digits may yield a different valid IBAN
// more than rarely. The IBANs are made by refIBAN, independently of the
// code under test.
func TestParseIBANRandomMisreads(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 2000
	var right, wrong, wrongFromInvalid int
	for i := 0; i < n; i++ {
		bban := make([]byte, 18)
		for k := range bban {
			bban[k] = byte('0' + r.IntN(10))
		}
		iban := refIBAN(t, "DE", string(bban))
		in := garble(r, group4(iban))
		got, _, _, ok := parseIBAN(in)
		got = strings.TrimPrefix(got, "~")
		switch {
		case ok && got == iban:
			right++
		case ok && ValidIBAN(got):
			wrong++
			t.Logf("wrong: %q -> %q (truth %q)", in, got, iban)
		}
		// The same with wrong check digits, as sample invoices print.
		bad := iban[:2] + fmt.Sprintf("%02d", (int(iban[2]-'0')*10+int(iban[3]-'0')+1+r.IntN(90))%100) + iban[4:]
		if ValidIBAN(bad) {
			continue
		}
		in = garble(r, group4(bad))
		if got, _, _, ok := parseIBAN(in); ok && ValidIBAN(strings.TrimPrefix(got, "~")) {
			wrongFromInvalid++
			t.Logf("invented: %q -> %q (printed %q)", in, got, bad)
		}
	}
	t.Logf("garbled valid IBANs: %d of %d repaired, %d wrong; garbled invalid IBANs: %d turned valid", right, n, wrong, wrongFromInvalid)
	// Measured 2026-11-23: about 91% repaired, none wrong, 1.6% invented.
	// Every repair is a guess that mod-97 lets through one time in 97, so
	// IBANs printed with wrong check digits (sample invoices) can come
	// out valid after a repair; they stay below SafeConfidence and mark
	// the invoice for review.
	if right < n*85/100 {
		t.Errorf("only %d of %d garbled IBANs repaired", right, n)
	}
	if wrong > n/200 || wrongFromInvalid > n*25/1000 {
		t.Errorf("%d wrong repairs, %d invented IBANs of %d", wrong, wrongFromInvalid, n)
	}
}

// TestInvoiceMisreadIBAN runs whole pages through Invoice: a garbled IBAN
// next to its caption (or a bank caption) is repaired but never safe,
// and the invoice goes to review.
func TestInvoiceMisreadIBAN(t *testing.T) {
	de := refIBAN(t, "DE", "120300000000202051")
	tail := group4(de)[5:]
	tests := []struct{ name, line string }{
		{"IBAN caption, DR", "IBAN: DR" + de[2:4] + " " + tail},
		{"Bankverbindung, O for 0", "Bankverbindung: " + strings.ReplaceAll(group4(de), "0", "O")},
		{"garbled caption", "1BAN " + "0E" + de[2:4] + " " + tail + "   BIC BYLADEM1001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := "Rechnung Nr. 4711\nRechnungsdatum: 05.03.2024\n\nGesamtbetrag 119,00 EUR\n\n" + tt.line + "\n"
			res := Invoice(LayoutFromText(text))
			f := res.Fields[PayeeIBAN]
			if f.Value != de {
				t.Fatalf("payee_iban = %+v, want %s", f, de)
			}
			if f.Confidence >= SafeConfidence || !res.Review {
				t.Errorf("repaired IBAN reported as safe: %+v, review %v", f, res.Review)
			}
		})
	}
	// The clean reading stays safe.
	res := Invoice(LayoutFromText("Rechnung Nr. 4711\n\nIBAN: " + group4(de) + "\n"))
	if f := res.Fields[PayeeIBAN]; f.Value != de || f.Confidence < SafeConfidence {
		t.Errorf("clean IBAN: %+v", f)
	}
}

// TestInvoicePrintedInvalidIBAN: an IBAN printed with wrong check digits or
// a wrong length (sample invoices do this) is reported as printed, never
// as safe, and the invoice goes to review saying what is wrong.
func TestInvoicePrintedInvalidIBAN(t *testing.T) {
	tests := []struct{ name, line, want, problem string }{
		{"check digits", "IBAN: DE12 1234 5678 9012 3456 78", "DE12123456789012345678", "IBAN-Prüfsumme stimmt nicht"},
		{"length, split caption", "Verkäufer--I-BAN : DE12 1234 4321 9876 00", "DE1212344321987600", "IBAN hat 18 statt 22 Stellen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := "Rechnung Nr. 4711\nRechnungsdatum: 05.03.2024\n\nGesamtbetrag 119,00 EUR\n\n" + tt.line + "\n"
			res := Invoice(LayoutFromText(text))
			f := res.Fields[PayeeIBAN]
			if f.Value != tt.want || f.Confidence >= SafeConfidence {
				t.Fatalf("payee_iban = %+v, want %s below %.2f", f, tt.want, SafeConfidence)
			}
			if !res.Review || !slices.Contains(res.Problems, tt.problem) {
				t.Errorf("review %v, problems %q; want %q", res.Review, res.Problems, tt.problem)
			}
		})
	}
}
