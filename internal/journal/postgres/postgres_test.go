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
		New:  func(t *testing.T) string { return testenv.StartPostgres(t) },
		Open: open,
	})
}
