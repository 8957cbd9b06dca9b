// Package testenv gives tests the real parts they run against: a
// redis-server on a free port, the repository root and the shared corpus.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/eingang/eingang/internal/testenv/loopback"
	"github.com/eingang/eingang/internal/testenv/redisserver"
	"github.com/eingang/eingang/internal/testenv/repo"
)

// RepoRoot returns the directory holding go.mod (see repo.Root); it
// fails the test when there is none.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// Corpus returns ../shared/corpus/<sub> beside the repository. Tests that
// need it skip only when shared/ is absent altogether.
func Corpus(t testing.TB, sub string) string {
	t.Helper()
	dir := filepath.Join(RepoRoot(t), "..", "shared", "corpus", sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared corpus not available: %v", err)
	}
	return dir
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	port, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// Redis is a redis-server started for one test.
type Redis struct {
	Addr string
	srv  *redisserver.Server
}

// URL returns the redis:// URL of the server.
func (r *Redis) URL() string { return r.srv.URL() }

// Stop kills the server (to simulate an outage); t.Cleanup also stops it.
func (r *Redis) Stop() { r.srv.Kill() }

// Restart shuts the server down the way an operator's restart does
// (SIGTERM: it finishes writing its append-only file) and starts it again
// on the same address and data folder. Only a server of StartRedisAOF
// keeps its data across the restart.
func (r *Redis) Restart(t testing.TB) {
	t.Helper()
	if err := r.srv.Restart(); err != nil {
		t.Fatal(err)
	}
}

// StartRedis starts a real redis-server on a free port without persistence
// and stops it when the test ends.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	return startRedis(t, "")
}

// StartRedisAOF starts a redis-server that writes every change to its
// append-only file before it answers, as a production queue is set up
// (there with appendfsync everysec); Restart then loses nothing.
func StartRedisAOF(t testing.TB) *Redis {
	t.Helper()
	return startRedis(t, "always")
}

func startRedis(t testing.TB, fsync string) *Redis {
	t.Helper()
	srv, err := redisserver.Start(redisserver.Options{Dir: t.TempDir(), AppendFsync: fsync})
	if err != nil {
		t.Fatalf("%v (make test installs redis-server)", err)
	}
	t.Cleanup(srv.Kill)
	return &Redis{Addr: srv.Addr, srv: srv}
}

// Tool returns the path of a program the tests need. make test installs
// every one of them, so a missing tool fails the test instead of skipping
// it: a skipped check would look like a passed one.
func Tool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not installed (run scripts/deps.sh test): %v", name, err)
	}
	return path
}
