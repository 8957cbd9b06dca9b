package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/testenv/pgserver"
)

// PostgresEnv names an existing PostgreSQL server's DSN (a role allowed
// to create databases) for the tests to use instead of a private cluster.
const PostgresEnv = "EINGANG_TEST_POSTGRES_DSN"

// The private cluster is shared by every test of one test binary (starting
// one takes seconds, a database for each test milliseconds); StopPostgres,
// called from TestMain, ends it.
var pgShared struct {
	once    sync.Once
	cluster *pgserver.Server
	err     error
}

// StartPostgres returns the DSN of a fresh, empty database for this test,
// dropped when it ends. With EINGANG_TEST_POSTGRES_DSN set the database is
// created on that server; otherwise on a private cluster (see pgserver)
// — never on a server that happens to run on this machine. Without
// PostgreSQL installed the test is skipped, in CI (CI=true) it fails.
func StartPostgres(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(PostgresEnv)
	if admin == "" {
		if _, err := pgserver.Bin("initdb"); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("PostgreSQL is needed in CI: %v", err)
			}
			t.Skipf("PostgreSQL not installed (make test installs postgresql; or set %s): %v", PostgresEnv, err)
		}
		pgShared.once.Do(func() {
			// A small shared_buffers lets several test binaries run
			// their clusters side by side.
			pgShared.cluster, pgShared.err = pgserver.Start(pgserver.Options{Settings: []string{"shared_buffers=32MB"}})
		})
		if pgShared.err != nil {
			t.Fatalf("private PostgreSQL cluster: %v", pgShared.err)
		}
		admin = pgShared.cluster.AdminDSN()
	}
	var b [6]byte
	rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := pgserver.Exec(ctx, admin, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// FORCE ends connections a test left open (a helper process, a
		// pool that was not closed), which would make DROP fail.
		if err := pgserver.Exec(ctx, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	dsn, err := pgserver.WithDatabase(admin, name)
	if err != nil {
		t.Fatal(fmt.Errorf("%s: %w", PostgresEnv, err))
	}
	return dsn
}

// StopPostgres stops the private cluster, if this binary started one, and
// removes its directory. Call it from TestMain after m.Run. A binary that
// does not still leaves no server running: the postmaster is told to stop
// when the test process ends (see pgserver.Start).
func StopPostgres() {
	if c := pgShared.cluster; c != nil {
		c.Stop()
	}
}

// RestartPostgres stops the private cluster (fast shutdown: every
// connection is cut, as when the database server restarts) and starts it
// again on the same port, for tests of what a node does meanwhile. It
// skips the test when EINGANG_TEST_POSTGRES_DSN names a server of its own,
// which it cannot restart.
func RestartPostgres(t testing.TB) {
	t.Helper()
	c := pgShared.cluster
	if os.Getenv(PostgresEnv) != "" || c == nil {
		t.Skipf("restarting PostgreSQL needs the private cluster (%s unset, StartPostgres called)", PostgresEnv)
	}
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
}
