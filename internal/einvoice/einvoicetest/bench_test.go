package einvoicetest_test

import (
	"context"
	"testing"

	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/einvoice/einvoicetest"
	"github.com/eingang/eingang/internal/einvoice/validate"
)

// BenchmarkParseValidate measures parse + validate per invoice, the figure
// of issue 4 (goal: >= 500 small invoices per second on one core, cost
// linear in the number of lines). Run with -cpu 1.
func BenchmarkParseValidate(b *testing.B) {
	for _, s := range einvoicetest.Samples() {
		b.Run(s.Name, func(b *testing.B) {
			b.SetBytes(int64(len(s.Data)))
			b.ReportAllocs()
			for b.Loop() {
				doc, err := einvoice.Parse(context.Background(), s.Data)
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
