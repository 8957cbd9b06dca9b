package einvoicetest_test

import (
	"context"
	"testing"

	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/einvoice/einvoicetest"
	"github.com/eingang/eingang/internal/einvoice/validate"
)

// TestGenerated checks that generated invoices parse, carry the computed
// totals and are accepted by the XRechnung validation.
func TestGenerated(t *testing.T) {
	for _, n := range []int{1, 7, 1000} {
		net, tax, gross := einvoicetest.Totals(n)
		for name, data := range map[string][]byte{
			"ubl": einvoicetest.UBL(einvoicetest.Options{Lines: n}),
			"cii": einvoicetest.CII(einvoicetest.Options{Lines: n}),
		} {
			doc, err := einvoice.Parse(context.Background(), data)
			if err != nil {
				t.Fatalf("%s/%d: %v", name, n, err)
			}
			f := doc.Invoice.Fields()
			if f["net_total"] != net || f["tax_total"] != tax || f["grand_total"] != gross || len(doc.Invoice.Lines) != n {
				t.Errorf("%s/%d: fields %v, lines %d", name, n, f, len(doc.Invoice.Lines))
			}
			rep := validate.Validate(doc)
			if !rep.Accepted {
				t.Errorf("%s/%d rejected: %+v", name, n, rep.Findings)
			}
		}
	}
}
