package journaltest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/eingang/eingang/internal/journal"
)

// Bench measures the journal operations one document causes on its way
// through the pipeline — Create at intake, six Updates (claimed, OCR,
// classified, extracted, delivered, done), one Get, one ClaimInvoiceKeys —
// one document per iteration, reported as ns/doc: one document at a time
// ("serial") and from 8 goroutines at once ("parallel8", as the workers of
// several nodes do).
func Bench(b *testing.B, h Harness) {
	for _, par := range []int{1, 8} {
		name := "serial"
		if par > 1 {
			name = fmt.Sprintf("parallel%d", par)
		}
		b.Run(name, func(b *testing.B) {
			j := h.openName(b, h.New(b))
			var seq atomic.Int64
			b.SetParallelism(par) // par × GOMAXPROCS goroutines; serial below
			b.ResetTimer()
			if par == 1 {
				for range b.N {
					if err := oneDocument(j, seq.Add(1)); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := oneDocument(j, seq.Add(1)); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/doc")
		})
	}
}

func oneDocument(j journal.Store, n int64) error {
	ctx := context.Background()
	id := fmt.Sprintf("%064x", n)
	d := &journal.Document{ID: id, SourceName: fmt.Sprintf("scan-%d.pdf", n), Profile: "rechnung", State: journal.StateReceived,
		Step: "ingest", Channel: "folder", WorkPath: "/srv/eingang/work/" + id, Events: []journal.Event{{Step: "intake", Outcome: "ok"}}}
	if _, _, err := j.Create(ctx, d); err != nil {
		return err
	}
	steps := []string{"ingest", "ocr", "classify", "extract", "deliver", "cleanup"}
	for i, step := range steps {
		_, err := j.Update(ctx, id, journal.Event{Step: step, Outcome: "ok"}, func(d *journal.Document) error {
			d.State = journal.StateProcessing
			if i+1 < len(steps) {
				d.Step = steps[i+1]
			} else {
				d.State, d.Step = journal.StateDelivered, ""
			}
			if step == "classify" {
				d.Kind, d.Pages = "rechnung", 2
				d.Fields = map[string]string{"invoice_number": fmt.Sprintf("R-%d", n), "seller": "Lieferant GmbH", "total": "119.00"}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if step == "extract" {
			if _, err := j.ClaimInvoiceKeys(ctx, id, []string{fmt.Sprintf("seller|R-%d|119.00", n), fmt.Sprintf("iban|R-%d", n)}, []byte(`{"n":1}`)); err != nil {
				return err
			}
		}
	}
	_, err := j.Get(ctx, id)
	return err
}
