package postgres

import (
	"context"
	"testing"

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
