package extract

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/testenv"
)

func TestLayoutFromText(t *testing.T) {
	d := LayoutFromText("Rechnungsnummer:      RE-1\n\nGesamtbetrag   119,00 €\fSeite 2")
	if len(d.Pages) != 2 {
		t.Fatalf("pages = %d", len(d.Pages))
	}
	w := d.Pages[0].Words
	if len(w) != 5 || w[1].Text != "RE-1" || w[1].X0 != 22*textCharW || w[2].Y0 != 2*textLineH {
		t.Errorf("words = %+v", w)
	}
	res := Invoice(d)
	if res.Fields[InvoiceNumber].Value != "RE-1" {
		t.Errorf("invoice_number = %+v", res.Fields[InvoiceNumber])
	}
}

// TestCorpusReferenceText runs the extractor on the born-digital text of
// every corpus invoice (pdftotext -layout of the original PDF, stored in
// the truth files) and scores it against the values of the embedded
// invoice XML. No OCR is involved, so this runs in CI in well under a
// second.
func TestCorpusReferenceText(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(t), "..", "shared", "corpus", "scans", "truth")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Skip("corpus not present")
	}
	type stat struct{ n, ok, hi, hiOK int }
	stats := map[string]*stat{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var tr struct {
			Name          string            `json:"name"`
			Label         string            `json:"label"`
			Fields        map[string]string `json:"fields"`
			FieldsPrinted map[string]bool   `json:"fields_printed"`
			Pages         []struct {
				Text string `json:"reference_text"`
			} `json:"pages"`
		}
		if err := json.Unmarshal(b, &tr); err != nil {
			t.Fatal(err)
		}
		if tr.Label != "invoice" {
			continue
		}
		var pages []string
		for _, p := range tr.Pages {
			pages = append(pages, p.Text)
		}
		res := Invoice(LayoutFromText(strings.Join(pages, "\f")))
		for _, k := range []string{InvoiceNumber, IssueDate, GrandTotal, PayeeIBAN, SellerVATID, NetTotal, TaxTotal} {
			want, has := tr.Fields[k]
			if !has {
				continue
			}
			s := stats[k]
			if s == nil {
				s = &stat{}
				stats[k] = s
			}
			got, found := res.Fields[k]
			good := found && sameValue(k, got.Value, want)
			if tr.FieldsPrinted[k] {
				s.n++
				if good {
					s.ok++
				} else {
					t.Logf("miss %s %s = %q (%.2f), want %q", tr.Name, k, got.Value, got.Confidence, want)
				}
			}
			if found && got.Confidence >= SafeConfidence {
				s.hi++
				if good {
					s.hiOK++
				} else {
					t.Errorf("%s %s = %q (%.2f) reported safe, want %q", tr.Name, k, got.Value, got.Confidence, want)
				}
			}
		}
	}
	min := map[string]float64{InvoiceNumber: 0.9, IssueDate: 0.9, GrandTotal: 0.9, PayeeIBAN: 0.9, SellerVATID: 0.9}
	for k, s := range stats {
		acc := float64(s.ok) / float64(max(s.n, 1))
		t.Logf("%-15s %2d/%2d correct, %2d/%2d of the safe ones", k, s.ok, s.n, s.hiOK, s.hi)
		if acc < min[k] {
			t.Errorf("%s: %.0f%% correct, want at least %.0f%%", k, 100*acc, 100*min[k])
		}
	}
}

func sameValue(k, got, want string) bool {
	switch k {
	case GrandTotal, NetTotal, TaxTotal:
		a, _ := CanonicalAmount(got)
		b, _ := CanonicalAmount(want)
		return a == b
	case PayeeIBAN:
		return NormalizeIBAN(got) == NormalizeIBAN(want)
	case SellerVATID:
		return NormalizeVATID(got) == NormalizeVATID(want)
	}
	return strings.Join(strings.Fields(got), " ") == strings.Join(strings.Fields(want), " ")
}

func TestEnglishInvoiceText(t *testing.T) {
	text := `ACME Ltd, 1 High Street, London                VAT No: GB 123 4567 89

INVOICE
Invoice No:   INV-2024-001                     Invoice Date: March 5, 2024
Due Date:     April 4, 2024
Order reference: PO-7781

Description                         Qty      Price       Amount
Consulting                            2     500.00     1,000.00

                                          Subtotal     1,000.00
                                          VAT 20%        200.00
                                          Total        1,200.00 GBP

Bank: IBAN GB82 WEST 1234 5698 7654 32   BIC WESTGB2L`
	res := Invoice(LayoutFromText(text))
	want := map[string]string{
		InvoiceNumber: "INV-2024-001", IssueDate: "2024-03-05", DueDate: "2024-04-04",
		NetTotal: "1000.00", TaxTotal: "200.00", GrandTotal: "1200.00",
		PayeeIBAN: "GB82WEST12345698765432", SellerVATID: "GB123456789", Currency: "GBP", OrderReference: "PO-7781",
	}
	for k, v := range want {
		if got := res.Fields[k]; got.Value != v {
			t.Errorf("%s = %+v, want %q", k, got, v)
		}
	}
	if g := res.Fields[GrandTotal]; g.Confidence < SafeConfidence {
		t.Errorf("consistent totals not safe: %+v", g)
	}
}
