// Package testenv gives tests the real parts they run against: a
// redis-server on a free port, the repository root and the shared corpus.
package testenv

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

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
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Redis is a redis-server started for one test.
type Redis struct {
	Addr string
	args []string
	cmd  *exec.Cmd
}

// URL returns the redis:// URL of the server.
func (r *Redis) URL() string { return "redis://" + r.Addr + "/0" }

// Stop kills the server (to simulate an outage); t.Cleanup also stops it.
func (r *Redis) Stop() {
	if r.cmd.Process != nil && r.cmd.ProcessState == nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
	}
}

// Restart shuts the server down the way an operator's restart does
// (SIGTERM: it finishes writing its append-only file) and starts it again
// on the same address and data folder. Only a server of StartRedisAOF
// keeps its data across the restart.
func (r *Redis) Restart(t testing.TB) {
	t.Helper()
	if r.cmd.Process != nil && r.cmd.ProcessState == nil {
		_ = r.cmd.Process.Signal(syscall.SIGTERM)
		_ = r.cmd.Wait()
	}
	r.start(t)
}

// StartRedis starts a real redis-server on a free port without persistence
// and stops it when the test ends.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	return startRedis(t, "--save", "", "--appendonly", "no")
}

// StartRedisAOF starts a redis-server that writes every change to its
// append-only file before it answers, as a production queue is set up
// (there with appendfsync everysec); Restart then loses nothing.
func StartRedisAOF(t testing.TB) *Redis {
	t.Helper()
	return startRedis(t, "--save", "", "--appendonly", "yes", "--appendfsync", "always")
}

func startRedis(t testing.TB, persistence ...string) *Redis {
	t.Helper()
	port := FreePort(t)
	r := &Redis{Addr: fmt.Sprintf("127.0.0.1:%d", port)}
	r.args = append([]string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--dir", t.TempDir(),
		"--daemonize", "no", "--loglevel", "warning"}, persistence...)
	t.Cleanup(r.Stop)
	r.start(t)
	return r
}

func (r *Redis) start(t testing.TB) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server not installed (make test installs it): %v", err)
	}
	cmd := exec.Command(bin, r.args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.cmd = cmd
	go func() {
		// Drain output so the server never blocks on a full pipe.
		s := bufio.NewScanner(stdout)
		for s.Scan() {
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", r.Addr, 200*time.Millisecond)
		if err == nil {
			_, _ = c.Write([]byte("PING\r\n"))
			buf := make([]byte, 16)
			_ = c.SetReadDeadline(time.Now().Add(time.Second))
			n, _ := c.Read(buf)
			c.Close()
			if strings.HasPrefix(string(buf[:n]), "+PONG") {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("redis-server on %s did not come up", r.Addr)
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
