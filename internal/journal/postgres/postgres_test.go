package postgres

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/journal/journaltest"
	"github.com/eingang/eingang/internal/testenv"
)

func TestMain(m *testing.M) { journaltest.Main(m, open) }

func open(ctx context.Context, dsn string) (journal.Store, error) {
	j, err := Open(ctx, dsn, "")
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return j, nil
}

func TestContract(t *testing.T) {
	journaltest.Run(t, journaltest.Harness{
		New:  func(t testing.TB) string { return testenv.StartPostgres(t) },
		Open: open,
	})
}

// BenchmarkJournalPerDocument runs with PostgreSQL's defaults (every
// commit waits for its WAL flush) and, as "async", with
// synchronous_commit=off — what SQLite's synchronous=NORMAL in WAL mode
// corresponds to: a crash may lose the last commits, never consistency.
func BenchmarkJournalPerDocument(b *testing.B) {
	for _, mode := range []struct{ name, param string }{{"sync", ""}, {"async", "synchronous_commit=off"}} {
		b.Run(mode.name, func(b *testing.B) {
			journaltest.Bench(b, journaltest.Harness{
				New: func(t testing.TB) string {
					dsn := testenv.StartPostgres(t)
					if mode.param != "" {
						dsn += "&" + mode.param // StartPostgres's URL has a query
					}
					return dsn
				},
				Open: open,
			})
		})
	}
}

// TestServerRestart: the pool outlives a restart of the database server;
// a call while it is down fails (the pipeline retries it), and the calls
// after it work on what was committed before.
func TestServerRestart(t *testing.T) {
	ctx := context.Background()
	j, err := Open(ctx, testenv.StartPostgres(t), "")
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, _, err := j.Create(ctx, &journal.Document{ID: "r", SourceName: "r.pdf", Profile: "p", State: journal.StateProcessing}); err != nil {
		t.Fatal(err)
	}
	testenv.RestartPostgres(t)
	// The pool's idle connections were cut; the first use of each may
	// fail before the pool replaces it.
	var d *journal.Document
	for i := range 10 {
		if d, err = j.Update(ctx, "r", journal.Event{Step: "after-restart", Outcome: "ok"}, func(d *journal.Document) error {
			d.Pages++
			return nil
		}); err == nil {
			break
		}
		t.Logf("update %d after the restart: %v", i, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if d, err = j.Get(ctx, "r"); err != nil || d.Pages != 1 || len(d.Events) != 1 {
		t.Fatalf("after the restart: %+v, %v", d, err)
	}
}

// TestReadsRideOutServerRestart: right after a restart of the database
// server, whose shutdown cut every idle connection of the pool, the first
// reads already answer: the status page and the API show no error for a
// restart that is over.
func TestReadsRideOutServerRestart(t *testing.T) {
	ctx := context.Background()
	j, err := Open(ctx, testenv.StartPostgres(t), "")
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, _, err := j.Create(ctx, &journal.Document{ID: "r", SourceName: "r.pdf", Profile: "p", State: journal.StateProcessing}); err != nil {
		t.Fatal(err)
	}
	// Several idle connections in the pool, all cut by the restart, and
	// fresh enough that the pool does not ping them before use.
	var held []*pgxpool.Conn
	for range 4 {
		c, err := j.pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	for _, c := range held {
		c.Release()
	}
	testenv.RestartPostgres(t)
	if n := j.pool.Stat().IdleConns(); n < 2 {
		t.Fatalf("%d idle connections before the first read, want several", n)
	}
	if docs, err := j.List(ctx, journal.Filter{}); err != nil || len(docs) != 1 {
		t.Fatalf("first List after the restart: %v, %v", docs, err)
	}
	if _, err := j.Get(ctx, "r"); err != nil {
		t.Fatalf("first Get after the restart: %v", err)
	}
	if _, err := j.Counts(ctx); err != nil {
		t.Fatalf("first Counts after the restart: %v", err)
	}
}
