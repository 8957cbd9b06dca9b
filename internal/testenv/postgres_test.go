package testenv

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) {
	code := m.Run()
	StopPostgres()
	os.Exit(code)
}

func currentDB(t *testing.T, dsn string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var db string
	if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestStartPostgres gets two databases, on the private cluster (or the
// server of EINGANG_TEST_POSTGRES_DSN), then one through the variable
// pointed at the cluster; each is dropped when its test ends.
func TestStartPostgres(t *testing.T) {
	var names []string
	var admin string
	t.Run("private", func(t *testing.T) {
		a, b := StartPostgres(t), StartPostgres(t)
		names = append(names, currentDB(t, a), currentDB(t, b))
		if names[0] == names[1] {
			t.Errorf("two tests share database %s", names[0])
		}
		admin = os.Getenv(PostgresEnv)
		if admin == "" {
			admin = pgShared.cluster.AdminDSN()
		}
	})
	t.Run("from the variable", func(t *testing.T) {
		t.Setenv(PostgresEnv, admin)
		names = append(names, currentDB(t, StartPostgres(t)))
	})
	if t.Failed() {
		return
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var left int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = ANY($1)", names).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d of the test databases %v are still there", left, names)
	}
}
