package journal

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/eingang/eingang/internal/dms"
)

func open(t *testing.T) *SQLite {
	t.Helper()
	j, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "sub", "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func TestCreateIsIdempotent(t *testing.T) {
	j := open(t)
	ctx := context.Background()
	d := &Document{ID: "a1", SourceName: "scan.pdf", Profile: "post", State: StateReceived, Step: "ingest", WorkPath: "/w/1",
		Events: []Event{{Step: "intake", Outcome: "ok"}}}
	if _, created, err := j.Create(ctx, d); err != nil || !created {
		t.Fatalf("first Create: created=%v err=%v", created, err)
	}
	again := &Document{ID: "a1", SourceName: "other.pdf", Profile: "rechnung", State: StateReceived}
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

func TestUpdateAndQueries(t *testing.T) {
	j := open(t)
	ctx := context.Background()
	for _, id := range []string{"x", "y", "z"} {
		if _, _, err := j.Create(ctx, &Document{ID: id, SourceName: id + ".pdf", Profile: "post", State: StateReceived, Step: "ingest"}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := j.Update(ctx, "x", Event{Step: "deliver", Outcome: "ok", Detail: "archive"}, func(d *Document) error {
		d.State = StateDelivered
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
	if _, err := j.Update(ctx, "y", Event{Step: "s", Outcome: "ok"}, func(*Document) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("aborted update: %v", err)
	}
	if _, err := j.Update(ctx, "nope", Event{}, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update of unknown id: %v", err)
	}
	x, _ := j.Get(ctx, "x")
	if x.State != StateDelivered || x.Target.Ref != "2026/11/x" || x.Fields["invoice_number"] != "R-1" || len(x.Events) != 1 {
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
	del, err := j.List(ctx, Filter{State: StateDelivered})
	if err != nil || len(del) != 1 || del[0].ID != "x" {
		t.Fatalf("List delivered = %+v, %v", del, err)
	}
	all, _ := j.List(ctx, Filter{Limit: 2})
	if len(all) != 2 {
		t.Errorf("limit ignored: %d", len(all))
	}
	byKey, _ := j.ByInvoiceKey(ctx, "k1")
	if len(byKey) != 1 {
		t.Errorf("ByInvoiceKey = %d", len(byKey))
	}
	counts, _ := j.Counts(ctx)
	if counts[StateDelivered] != 1 || counts[StateReceived] != 2 {
		t.Errorf("counts = %v", counts)
	}
	if _, err := j.Get(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get unknown: %v", err)
	}
}

// Concurrent updates from many workers must not lose events.
func TestConcurrentUpdates(t *testing.T) {
	j := open(t)
	ctx := context.Background()
	if _, _, err := j.Create(ctx, &Document{ID: "c", SourceName: "c", Profile: "p", State: StateReceived}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := j.Update(ctx, "c", Event{Step: "s", Outcome: "ok"}, func(d *Document) error { d.Pages++; return nil }); err != nil {
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

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.db")
	ctx := context.Background()
	j, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	j.Create(ctx, &Document{ID: "p", SourceName: "p", Profile: "p", State: StateProcessing, Step: "ocr"})
	j.Close()
	j, err = OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	un, _ := j.Unfinished(ctx)
	if len(un) != 1 || un[0].Step != "ocr" {
		t.Fatalf("after reopen: %+v", un)
	}
}
