package einvoice_test

import (
	"context"
	"testing"

	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/einvoice/einvoicetest"
)

// BenchmarkParse measures parsing alone for a small (10 lines) and a large
// (1,000 lines) invoice in both syntaxes (einvoicetest.Samples).
func BenchmarkParse(b *testing.B) {
	for _, s := range einvoicetest.Samples() {
		b.Run(s.Name, func(b *testing.B) {
			b.SetBytes(int64(len(s.Data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := einvoice.Parse(context.Background(), s.Data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
