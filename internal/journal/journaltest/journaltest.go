// Package journaltest is the contract every journal adapter fulfils: Run
// tests a journal.Store against it, from one and from several processes.
package journaltest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/journal"
)

func testCreateIsIdempotent(t *testing.T, h Harness) {
	j := h.open(t)
	ctx := context.Background()
	d := &journal.Document{ID: "a1", SourceName: "scan.pdf", Profile: "post", State: journal.StateReceived, Step: "ingest", WorkPath: "/w/1",
		Events: []journal.Event{{Step: "intake", Outcome: "ok"}}}
	if _, created, err := j.Create(ctx, d); err != nil || !created {
		t.Fatalf("first Create: created=%v err=%v", created, err)
	}
	again := &journal.Document{ID: "a1", SourceName: "other.pdf", Profile: "rechnung", State: journal.StateReceived}
	existing, created, err := j.Create(ctx, again)
	if err != nil || created {
		t.Fatalf("second Create: created=%v err=%v", created, err)
	}
	if existing.SourceName != "scan.pdf" || existing.WorkPath != "/w/1" {
		t.Errorf("existing = %+v", existing)
	}
	got, err := j.Get(ctx, "a1")
	if err != nil || len(got.Events) != 1 || got.Events[0].Step != "intake" {
		t.Fatalf("Get = %+v, %v", got, err)
	}
}

func testUpdateAndQueries(t *testing.T, h Harness) {
	j := h.open(t)
	ctx := context.Background()
	for _, id := range []string{"x", "y", "z"} {
		if _, _, err := j.Create(ctx, &journal.Document{ID: id, SourceName: id + ".pdf", Profile: "post", State: journal.StateReceived, Step: "ingest"}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := j.Update(ctx, "x", journal.Event{Step: "deliver", Outcome: "ok", Detail: "archive"}, func(d *journal.Document) error {
		d.State = journal.StateDelivered
		d.Step = ""
		d.Target = &dms.Receipt{Target: "archive", Ref: "2026/11/x"}
		d.Fields = map[string]string{"invoice_number": "R-1"}
		d.InvoiceKey = "k1"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if _, err := j.Update(ctx, "y", journal.Event{Step: "s", Outcome: "ok"}, func(*journal.Document) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("aborted update: %v", err)
	}
	if _, err := j.Update(ctx, "nope", journal.Event{}, nil); !errors.Is(err, journal.ErrNotFound) {
		t.Fatalf("update of unknown id: %v", err)
	}
	x, _ := j.Get(ctx, "x")
	if x.State != journal.StateDelivered || x.Target.Ref != "2026/11/x" || x.Fields["invoice_number"] != "R-1" || len(x.Events) != 1 {
		t.Errorf("x = %+v", x)
	}
	y, _ := j.Get(ctx, "y")
	if len(y.Events) != 0 {
		t.Error("aborted update wrote an event")
	}
	un, err := j.Unfinished(ctx)
	if err != nil || len(un) != 2 {
		t.Fatalf("Unfinished = %d docs, %v", len(un), err)
	}
	del, err := j.List(ctx, journal.Filter{State: journal.StateDelivered})
	if err != nil || len(del) != 1 || del[0].ID != "x" {
		t.Fatalf("List delivered = %+v, %v", del, err)
	}
	all, _ := j.List(ctx, journal.Filter{Limit: 2})
	if len(all) != 2 {
		t.Errorf("limit ignored: %d", len(all))
	}
	byKey, _ := j.ByInvoiceKey(ctx, "k1")
	if len(byKey) != 1 {
		t.Errorf("ByInvoiceKey = %d", len(byKey))
	}
	counts, _ := j.Counts(ctx)
	if counts[journal.StateDelivered] != 1 || counts[journal.StateReceived] != 2 {
		t.Errorf("counts = %v", counts)
	}
	if _, err := j.Get(ctx, "nope"); !errors.Is(err, journal.ErrNotFound) {
		t.Errorf("Get unknown: %v", err)
	}
}

// Concurrent updates from many workers must not lose events.
func testConcurrentUpdates(t *testing.T, h Harness) {
	j := h.open(t)
	ctx := context.Background()
	if _, _, err := j.Create(ctx, &journal.Document{ID: "c", SourceName: "c", Profile: "p", State: journal.StateReceived}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := j.Update(ctx, "c", journal.Event{Step: "s", Outcome: "ok"}, func(d *journal.Document) error { d.Pages++; return nil }); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	d, _ := j.Get(ctx, "c")
	if d.Pages != 20 || len(d.Events) != 20 {
		t.Fatalf("pages %d events %d, want 20/20", d.Pages, len(d.Events))
	}
}

func testReopenKeepsData(t *testing.T, h Harness) {
	ctx := context.Background()
	name := h.New(t)
	j := h.openName(t, name)
	if _, _, err := j.Create(ctx, &journal.Document{ID: "p", SourceName: "p", Profile: "p", State: journal.StateProcessing, Step: "ocr"}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j = h.openName(t, name)
	un, err := j.Unfinished(ctx)
	if err != nil || len(un) != 1 || un[0].Step != "ocr" {
		t.Fatalf("after reopen: %+v, %v", un, err)
	}
}

func testClaimInvoiceKeys(t *testing.T, h Harness) {
	ctx := context.Background()
	j := h.open(t)
	for _, id := range []string{"a", "b", "c", "failed"} {
		if _, _, err := j.Create(ctx, &journal.Document{ID: id, SourceName: id + ".pdf", Profile: "p", State: journal.StateProcessing}); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(cs []journal.InvoiceClaim) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.DocID)
		}
		return out
	}
	if got, err := j.ClaimInvoiceKeys(ctx, "failed", []string{"k1"}, []byte(`{"f":1}`)); err != nil || len(got) != 0 {
		t.Fatalf("first claim: %v, %v", got, err)
	}
	if _, err := j.Update(ctx, "failed", journal.Event{Step: "x", Outcome: "failed"}, func(d *journal.Document) error { d.State = journal.StateFailed; return nil }); err != nil {
		t.Fatal(err)
	}
	if got, _ := j.ClaimInvoiceKeys(ctx, "a", []string{"k1", "k2"}, []byte(`{"a":1}`)); len(got) != 0 {
		t.Fatalf("a sees %v; a failed document is no earlier invoice", ids(got))
	}
	got, err := j.ClaimInvoiceKeys(ctx, "b", []string{"k2", "k3"}, []byte(`{"b":1}`))
	if err != nil || !slices.Equal(ids(got), []string{"a"}) || string(got[0].Facts) != `{"a":1}` || got[0].SourceName != "a.pdf" {
		t.Fatalf("b: %+v, %v", got, err)
	}
	got, _ = j.ClaimInvoiceKeys(ctx, "c", []string{"k3", "k1"}, nil)
	if !slices.Equal(ids(got), []string{"a", "b"}) {
		t.Errorf("c sees %v, want [a b]", ids(got))
	}
	// A retry keeps its place: a claims again (with a new key) and still
	// sees nobody, although b and c now share its keys.
	if got, _ := j.ClaimInvoiceKeys(ctx, "a", []string{"k1", "k2", "k4"}, []byte(`{"a":2}`)); len(got) != 0 {
		t.Errorf("retried a sees %v", ids(got))
	}
	if got, _ := j.ClaimInvoiceKeys(ctx, "b", []string{"k2", "k3"}, nil); !slices.Equal(ids(got), []string{"a"}) || string(got[0].Facts) != `{"a":2}` {
		t.Errorf("retried b sees %+v", got)
	}
}

// TestClaimInvoiceKeysConcurrent claims one key from many goroutines at
// once: exactly one of them sees no earlier invoice.
func testClaimInvoiceKeysConcurrent(t *testing.T, h Harness) {
	ctx := context.Background()
	j := h.open(t)
	const n = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	first := 0
	for i := range n {
		wg.Go(func() {
			got, err := j.ClaimInvoiceKeys(ctx, fmt.Sprintf("d%d", i), []string{"shared"}, nil)
			if err != nil {
				t.Error(err)
				return
			}
			if len(got) == 0 {
				mu.Lock()
				first++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if first != 1 {
		t.Errorf("%d claims saw no earlier invoice, want exactly 1", first)
	}
}
