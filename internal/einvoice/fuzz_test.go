package einvoice_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/einvoice/einvoicetest"
)

// parseInvariants checks what must hold for any input: either a document
// with an invoice or an error that is one of the sentinels (or a context
// error).
func parseInvariants(t *testing.T, data []byte) {
	t.Helper()
	doc, err := einvoice.Parse(context.Background(), data)
	if err != nil {
		for _, s := range []error{einvoice.ErrNotEInvoice, einvoice.ErrHostileXML, einvoice.ErrTooLarge,
			einvoice.ErrInvalidEncoding, einvoice.ErrNoInvoiceInPDF, einvoice.ErrMalformed} {
			if errors.Is(err, s) {
				return
			}
		}
		t.Fatalf("error without sentinel: %v", err)
	}
	if doc.Invoice == nil || doc.Root == nil {
		t.Fatal("document without invoice or tree")
	}
	_ = doc.Invoice.Fields()
	_ = einvoice.Detect(data)
}

// FuzzParseXML fuzzes the UBL, CII and ZUGFeRD 1 parsers.
func FuzzParseXML(f *testing.F) {
	f.Add(einvoicetest.UBL(einvoicetest.Options{Lines: 2}))
	f.Add(einvoicetest.CII(einvoicetest.Options{Lines: 2}))
	f.Add(wrapSBDH(einvoicetest.UBL(einvoicetest.Options{Lines: 1})))
	if zf1, err := os.ReadFile(filepath.Join("testdata", "zugferd1.xml")); err == nil {
		f.Add(zf1)
	}
	f.Add([]byte(`<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><a><b/></a></Invoice>`))
	f.Add([]byte(`<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>`))
	f.Add([]byte("\xef\xbb\xbf<rsm:CrossIndustryInvoice xmlns:rsm=\"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100\"/>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		parseInvariants(t, data)
	})
}

// FuzzParsePDF fuzzes the PDF attachment reader.
func FuzzParsePDF(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "pdf", "*.pdf"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil && len(data) < 20000 {
			f.Add(data)
		}
	}
	f.Add([]byte("%PDF-1.7\n%%EOF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		parseInvariants(t, data)
	})
}

// FuzzDecimal checks that parsing and formatting round-trip.
func FuzzDecimal(f *testing.F) {
	for _, s := range []string{"0", "-1.50", "+3", ".5", "12345678901234567890.123", "1e5", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := einvoice.ParseDecimal(s)
		if err != nil {
			return
		}
		again, err := einvoice.ParseDecimal(d.String())
		if err != nil || !again.Equal(d) || again.Scale() != d.Scale() {
			t.Fatalf("%q -> %s -> %v %v", s, d, again, err)
		}
		if !d.Round(2).Sub(d).Abs().Sub(einvoice.MustDecimal("0.005")).Round(10).IsZero() &&
			d.Round(2).Sub(d).Abs().Cmp(einvoice.MustDecimal("0.005")) > 0 {
			t.Fatalf("Round(2) of %s moved more than half a cent", d)
		}
	})
}
