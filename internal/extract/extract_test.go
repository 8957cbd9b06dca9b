package extract

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/extract/tesscli"
	"github.com/eingang/eingang/internal/layout"
	"github.com/eingang/eingang/internal/testenv"
)

func loadLayout(t *testing.T, name string) layout.Document {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var d layout.Document
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

type want struct {
	value string
	safe  bool // confidence must be >= SafeConfidence (false: must be below)
}

// The fixtures are hand-made layouts whose values are known by
// construction; the IBANs, VAT ids and the Leitweg-ID carry valid check
// digits (verified independently, see normalize_test.go).
func TestInvoiceFixtures(t *testing.T) {
	tests := []struct {
		file     string
		fields   map[string]want
		review   bool
		problems []string
	}{
		{"invoice_de.json", map[string]want{
			InvoiceNumber:   {"RE-2024-0815", true},
			IssueDate:       {"2024-03-15", true},
			DueDate:         {"2024-04-14", true},
			NetTotal:        {"1000.00", true},
			TaxTotal:        {"190.00", true},
			GrandTotal:      {"1190.00", true},
			PayeeIBAN:       {"DE89370400440532013000", true},
			PayeeBIC:        {"COBADEFFXXX", false},
			SellerVATID:     {"DE136695976", true},
			SellerTaxNumber: {"201/113/40209", false},
			LeitwegID:       {"04011000-1234512345-06", true},
			Kassenzeichen:   {"5.1234.567890.1", true},
			Currency:        {"EUR", false},
		}, false, nil},
		{"invoice_fr_columns.json", map[string]want{
			InvoiceNumber: {"F-2024-77", true},
			IssueDate:     {"2023-12-31", false},
			NetTotal:      {"100.00", true},
			TaxTotal:      {"20.00", true},
			GrandTotal:    {"120.00", true},
			PayeeIBAN:     {"FR7630006000011234567890189", true},
			SellerVATID:   {"FR11999999998", true},
		}, true, []string{"Angabe unsicher: issue_date"}},
		{"invoice_inconsistent.json", map[string]want{
			InvoiceNumber: {"4711", true},
			GrandTotal:    {"129.00", false},
			NetTotal:      {"100.00", false},
		}, true, []string{"Summen nicht plausibel: Netto + Steuer ergibt nicht Brutto"}},
		{"letter.json", map[string]want{}, true, []string{"Pflichtangabe fehlt: invoice_number"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res := Invoice(loadLayout(t, tt.file))
			for name, w := range tt.fields {
				got, ok := res.Fields[name]
				if !ok {
					t.Errorf("%s missing", name)
					continue
				}
				if got.Value != w.value {
					t.Errorf("%s = %q, want %q", name, got.Value, w.value)
				}
				if (got.Confidence >= SafeConfidence) != w.safe {
					t.Errorf("%s confidence %.2f, want safe=%v", name, got.Confidence, w.safe)
				}
			}
			if res.Review != tt.review {
				t.Errorf("Review = %v, want %v (problems %v)", res.Review, tt.review, res.Problems)
			}
			for _, p := range tt.problems {
				found := false
				for _, q := range res.Problems {
					found = found || q == p
				}
				if !found {
					t.Errorf("problem %q missing from %v", p, res.Problems)
				}
			}
		})
	}
}

// Words of a page that Tesseract lines up with a 180° flipped reading
// order must not break extraction; an empty document needs review.
func TestInvoiceEmpty(t *testing.T) {
	res := Invoice(layout.Document{})
	if !res.Review || len(res.Fields) != 0 {
		t.Errorf("empty document: %+v", res)
	}
	res = Invoice(layout.Document{Pages: []layout.Page{{Number: 1}}})
	if !res.Review {
		t.Error("page without words not sent to review")
	}
}

// A credit note prints negative amounts; EN 16931 carries them positive.
func TestCreditNoteSign(t *testing.T) {
	d := loadLayout(t, "invoice_inconsistent.json")
	p := &d.Pages[0]
	for i := range p.Words {
		w := &p.Words[i]
		switch w.Text {
		case "Rechnung":
			w.Text = "Gutschrift"
		case "100,00", "19,00":
			w.Text = "-" + w.Text
		case "129,00":
			w.Text = "-119,00"
		}
	}
	res := Invoice(d)
	if g := res.Fields[GrandTotal]; g.Value != "119.00" || g.Confidence < SafeConfidence {
		t.Errorf("grand_total = %+v, want 119.00 safe", g)
	}
	if res.Fields[DocumentType].Value != "credit_note" {
		t.Errorf("document_type = %+v", res.Fields[DocumentType])
	}
}

// TestCorpusPage OCRs one corpus scan with the tesseract CLI (a few
// seconds) and checks the fields against the corpus truth, which comes from
// the invoice's embedded XML.
func TestCorpusPage(t *testing.T) {
	dir := testenv.Corpus(t, "scans")
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Skip("tesseract not installed")
	}
	var truth struct {
		File   string            `json:"file"`
		Fields map[string]string `json:"fields"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "truth", "scan-0003.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	doc, err := tesscli.New(t.TempDir()).Layout(context.Background(), filepath.Join(dir, truth.File))
	if err != nil {
		t.Fatal(err)
	}
	res := Invoice(doc)
	// The key fields must be right; any other field reported as safe must
	// be right too (a poor-tier scan may misread the rest).
	for f, v := range res.Fields {
		want, ok := truth.Fields[f]
		if !ok {
			continue
		}
		if c, ok := CanonicalAmount(want); ok && strings.Contains(want, ".") {
			want = c
		}
		key := f == InvoiceNumber || f == GrandTotal || f == IssueDate
		if (key || v.Confidence >= SafeConfidence) && v.Value != want {
			t.Errorf("%s = %q (%.2f), want %q", f, v.Value, v.Confidence, want)
		}
	}
	for _, f := range []string{InvoiceNumber, GrandTotal, IssueDate} {
		if _, ok := res.Fields[f]; !ok {
			t.Errorf("%s missing", f)
		}
	}
}

func FuzzInvoice(f *testing.F) {
	f.Add("Rechnung Nr. 4711 vom 01.02.2024", "Gesamtbetrag 119,00 €", "IBAN DE89 3704 0044 0532 0130 00")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		var words []layout.Word
		for i, line := range []string{a, b, c} {
			x := 100
			for _, w := range strings.Fields(line) {
				words = append(words, layout.Word{Text: w, X0: x, Y0: 100 + 60*i, X1: x + 20*len(w), Y1: 140 + 60*i, Confidence: 90, Block: i, Line: 1})
				x += 20*len(w) + 12
			}
		}
		res := Invoice(layout.Document{Pages: []layout.Page{{Number: 1, Width: 2480, Height: 3508, Words: words}}})
		for k, v := range res.Fields {
			if v.Confidence < 0 || v.Confidence > 1 {
				t.Fatalf("%s confidence %v", k, v.Confidence)
			}
		}
	})
}
