package einvoice_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/einvoice/einvoicetest"
)

// BenchmarkParse measures parsing alone for a small (10 lines) and a large
// (1,000 lines) invoice in both syntaxes; the large one is generated here.
func BenchmarkParse(b *testing.B) {
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
					if _, err := einvoice.Parse(context.Background(), data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
