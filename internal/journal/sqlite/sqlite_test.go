package sqlite

import (
	"context"
	"path/filepath"
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

func BenchmarkJournalPerDocument(b *testing.B) {
	journaltest.Bench(b, journaltest.Harness{
		New:  func(t testing.TB) string { return filepath.Join(t.TempDir(), "journal.db") },
		Open: open,
	})
}
