package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/journal/journaltest"
)

func TestMain(m *testing.M) { journaltest.Main(m, open) }

func open(ctx context.Context, path string) (journal.Store, error) {
	j, err := Open(ctx, path)
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return j, nil
}

func TestContract(t *testing.T) {
	journaltest.Run(t, journaltest.Harness{
		New:  func(t testing.TB) string { return filepath.Join(t.TempDir(), "sub", "journal.db") },
		Open: open,
	})
}

// BenchmarkJournalPerDocument runs with the journal's setting
// (synchronous=NORMAL: a power loss may lose the last commits) and, as
// "full", with every commit flushed to disk — the durability PostgreSQL
// gives by default, so that each PostgreSQL figure has its like.
func BenchmarkJournalPerDocument(b *testing.B) {
	for _, mode := range []string{"NORMAL", "FULL"} {
		b.Run(strings.ToLower(mode), func(b *testing.B) {
			journaltest.Bench(b, journaltest.Harness{
				New: func(t testing.TB) string { return filepath.Join(t.TempDir(), "journal.db") },
				Open: func(ctx context.Context, path string) (journal.Store, error) {
					j, err := openSync(ctx, path, mode)
					if err != nil {
						return nil, err
					}
					return j, nil
				},
			})
		})
	}
}
