package einvoicetest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/einvoice/einvoicetest"
	"github.com/eingang/eingang/internal/einvoice/validate"
)

// BenchmarkParseValidate measures parse + validate per invoice, the figure
// of issue 4 (goal: >= 500 small invoices per second on one core, cost
// linear in the number of lines). Run with -cpu 1.
func BenchmarkParseValidate(b *testing.B) {
	for _, syn := range []struct {
		name string
		gen  func(einvoicetest.Options) []byte
	}{{"UBL", einvoicetest.UBL}, {"CII", einvoicetest.CII}} {
		for _, lines := range []int{10, 1000} {
			data := syn.gen(einvoicetest.Options{Lines: lines})
			b.Run(fmt.Sprintf("%s/lines=%d", syn.name, lines), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					doc, err := einvoice.Parse(context.Background(), data)
					if err != nil {
						b.Fatal(err)
					}
					if rep := validate.Validate(doc); !rep.Accepted {
						b.Fatalf("rejected: %+v", rep.Findings)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "invoices/s")
			})
		}
	}
}
