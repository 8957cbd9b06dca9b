package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/testenv"
)

// roleSetup is one work area with one configuration, shared by the role
// processes of a test the way nodes share storage, Redis and the journal.
type roleSetup struct {
	t    *testing.T
	root string
	cfg  string
}

// newRoleSetup writes a configuration whose http.addr is a placeholder:
// every process of a test gets its own port through EINGANG_HTTP_ADDR,
// as every node of a deployment has its own address.
func newRoleSetup(t *testing.T, redisURL string) *roleSetup {
	t.Helper()
	root := t.TempDir()
	cfg := filepath.Join(root, "eingang.yaml")
	body := fmt.Sprintf(`
paths: {work: %[1]s/work, done: %[1]s/done, error: %[1]s/error}
http: {addr: "127.0.0.1:1"}
redis: {url: "%[2]s"}
journal: {dsn: %[1]s/journal.db}
intake: {stability_delay: 1s, rescan_interval: 1s}
workers: {concurrency: 1, shutdown_timeout: 5s}
targets: {archive: {type: archive, dir: %[1]s/archive}}
profiles:
  - {name: rechnung, folder: %[1]s/inbox/rechnung, create: true, kind: rechnung, target: archive}
`, root, redisURL)
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return &roleSetup{t: t, root: root, cfg: cfg}
}

// roleProc is one running eingang role.
type roleProc struct {
	t    *testing.T
	name string
	addr string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{} // closed when the process has exited
}

// start runs `eingang <name> --config …` with its own port and the extra
// environment, and waits until it listens (not until it is ready: some
// tests want to see it unready).
func (s *roleSetup) start(name string, env ...string) *roleProc {
	s.t.Helper()
	p := &roleProc{t: s.t, name: name, addr: fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(s.t)), out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(binPath, name, "--config", s.cfg)
	p.cmd.Env = append(append(os.Environ(), "OMP_THREAD_LIMIT=1", "EINGANG_HTTP_ADDR="+p.addr), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	s.t.Cleanup(func() {
		p.stop(20 * time.Second)
		if s.t.Failed() {
			s.t.Logf("eingang %s output:\n%s", name, p.out.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if c, err := net.Dial("tcp", p.addr); err == nil {
			c.Close()
			return p
		}
		select {
		case <-p.done:
			s.t.Fatalf("eingang %s exited at start:\n%s", name, p.out.String())
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("eingang %s never listened on %s:\n%s", name, p.addr, p.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits up to timeout; it reports whether the
// process ended in time (it is killed otherwise).
func (p *roleProc) stop(timeout time.Duration) bool {
	select {
	case <-p.done:
		return true
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return true
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		return false
	}
}

// get requests path and returns status and body.
func (p *roleProc) get(path string) (int, string) {
	p.t.Helper()
	resp, err := http.Get("http://" + p.addr + path)
	if err != nil {
		p.t.Fatalf("%s: GET %s: %v", p.name, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// readiness waits until /readyz answers status and returns its checks.
func (p *roleProc) readiness(status int) map[string]string {
	p.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, body := p.get("/readyz")
		if code == status {
			var checks map[string]string
			if err := json.Unmarshal([]byte(body), &checks); err != nil {
				p.t.Fatalf("%s: /readyz: %v in %q", p.name, err, body)
			}
			return checks
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: /readyz never answered %d (last %d %s)", p.name, status, code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestRoleListeners: watch, work and serve each serve health, readiness
// and metrics on http.addr; readiness checks what the role needs; the API
// is everywhere unless http.api is off.
func TestRoleListeners(t *testing.T) {
	redis := testenv.StartRedis(t)
	s := newRoleSetup(t, redis.URL())
	tests := []struct {
		role   string
		env    []string
		checks []string
		api    bool
	}{
		{"watch", nil, []string{"folders", "journal", "redis", "storage"}, true},
		{"work", nil, []string{"journal", "redis", "storage", "targets"}, true},
		// serve carries the API, which stays while a DMS is down.
		{"serve", nil, []string{"folders", "journal", "redis", "storage"}, true},
		{"work", []string{"EINGANG_HTTP_API=false"}, []string{"journal", "redis", "storage", "targets"}, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s api=%v", tt.role, tt.api), func(t *testing.T) {
			s.t = t
			p := s.start(tt.role, tt.env...)
			if got := sortedKeys(p.readiness(http.StatusOK)); !slices.Equal(got, tt.checks) {
				t.Errorf("/readyz checks %v, want %v", got, tt.checks)
			}
			if code, body := p.get("/healthz"); code != http.StatusOK || body != "ok\n" {
				t.Errorf("/healthz: %d %q", code, body)
			}
			if code, body := p.get("/metrics"); code != http.StatusOK || !strings.Contains(body, "eingang_documents{") {
				t.Errorf("/metrics: %d, eingang_documents missing", code)
			}
			for _, path := range []string{"/api/v1/documents", "/monitoring/", "/status/"} {
				code, _ := p.get(path)
				if tt.api && code != http.StatusOK {
					t.Errorf("%s: %d, want 200", path, code)
				}
				if !tt.api && code != http.StatusNotFound {
					t.Errorf("%s with http.api false: %d, want 404", path, code)
				}
			}
			if !p.stop(30 * time.Second) {
				t.Fatal("no exit within 30 s of SIGTERM")
			}
			if code := p.cmd.ProcessState.ExitCode(); code != 0 {
				t.Fatalf("exit %d after SIGTERM", code)
			}
		})
	}
}

// TestRoleReadinessFollowsWhatTheRoleNeeds: a watch whose hot folder is
// gone is not ready, a work beside it is; a work whose target cannot be
// written is not ready, a watch is.
func TestRoleReadinessFollowsWhatTheRoleNeeds(t *testing.T) {
	redis := testenv.StartRedis(t)
	s := newRoleSetup(t, redis.URL())
	watch := s.start("watch")
	work := s.start("work")
	watch.readiness(http.StatusOK)
	work.readiness(http.StatusOK)

	inbox := filepath.Join(s.root, "inbox", "rechnung")
	if err := os.Remove(inbox); err != nil {
		t.Fatal(err)
	}
	if checks := watch.readiness(http.StatusServiceUnavailable); checks["folders"] == "ok" || checks["redis"] != "ok" {
		t.Errorf("watch without its hot folder: %v", checks)
	}
	work.readiness(http.StatusOK)
	if err := os.Mkdir(inbox, 0o755); err != nil {
		t.Fatal(err)
	}
	watch.readiness(http.StatusOK)

	// The archive target creates its folder when it is missing; a file
	// in its place is what it cannot recover from.
	archive := filepath.Join(s.root, "archive")
	if err := os.RemoveAll(archive); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(archive, []byte("not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	if checks := work.readiness(http.StatusServiceUnavailable); !strings.Contains(checks["targets"], "targets.archive") {
		t.Errorf("work with an unwritable archive: %v", checks)
	}
	watch.readiness(http.StatusOK)
}

// TestRoleHTTPOff: --http off starts a role without a listener, even when
// http.addr is taken by another process.
func TestRoleHTTPOff(t *testing.T) {
	redis := testenv.StartRedis(t)
	s := newRoleSetup(t, redis.URL())
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cmd := exec.Command(binPath, "work", "--config", s.cfg, "--http", "off")
	cmd.Env = append(os.Environ(), "EINGANG_HTTP_ADDR="+busy.Addr().String())
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, out, "msg=running")
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("work --http off: %v\n%s", err, out.String())
	}
}

// TestRoleWorkDrainsOnSIGTERM: SIGTERM to a work process in the middle of
// a document ends it with exit 0 within the shutdown timeout; the task is
// finished or back in the queue, and another work process delivers the
// document exactly once.
func TestRoleWorkDrainsOnSIGTERM(t *testing.T) {
	redis := testenv.StartRedis(t)
	s := newRoleSetup(t, redis.URL())
	watch := s.start("watch")
	work := s.start("work")
	watch.readiness(http.StatusOK)
	work.readiness(http.StatusOK)

	sc := corpusScans(t, 3, false, 2)[1]
	copyFile(t, sc.File, filepath.Join(s.root, "inbox", "rechnung", "drei.pdf"))
	id := sha256File(t, sc.File)
	// Wait until the document is at OCR (queued or running on work).
	deadline := time.Now().Add(60 * time.Second)
	for {
		var d journal.Document
		if code, body := watch.get("/api/v1/documents/" + id); code == http.StatusOK {
			_ = json.Unmarshal([]byte(body), &d)
		}
		if d.Step == "ocr" {
			break
		}
		if d.Terminal() || time.Now().After(deadline) {
			t.Fatalf("never saw the document at OCR: %+v", d)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !work.stop(30 * time.Second) {
		t.Fatal("work did not stop within 30 s of SIGTERM")
	}
	if code := work.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("work: exit %d after SIGTERM", code)
	}
	if !strings.Contains(work.out.String(), "msg=stopped") {
		t.Errorf("work did not log its orderly stop")
	}

	s.start("work").readiness(http.StatusOK)
	deadline = time.Now().Add(3 * time.Minute)
	for {
		var d journal.Document
		if code, body := watch.get("/api/v1/documents/" + id); code == http.StatusOK {
			_ = json.Unmarshal([]byte(body), &d)
		}
		if d.Terminal() {
			if d.State != journal.StateDelivered || d.Pages != 3 {
				t.Fatalf("after the second work: %+v", d)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not delivered after the second work started: %+v", d)
		}
		time.Sleep(250 * time.Millisecond)
	}
	pdfs, _ := filepath.Glob(filepath.Join(s.root, "archive", "*", "*", "*.pdf"))
	if len(pdfs) != 1 {
		t.Fatalf("archive holds %d PDFs, want exactly 1: %v", len(pdfs), pdfs)
	}
}

// TestRoleDirCheckOnHangingStorage: a stat that hangs (a hard NFS mount
// whose server is gone) ends the probe at its deadline, later probes wait
// for the same stat instead of starting more, and its result counts once
// it returns.
func TestRoleDirCheckOnHangingStorage(t *testing.T) {
	release := make(chan struct{})
	calls := make(chan string, 10)
	c := newDirCheck("/srv/eingang/work")
	c.stat = func(name string) (os.FileInfo, error) {
		calls <- name
		<-release
		return nil, os.ErrNotExist
	}
	for range 3 {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // the probe's deadline has passed
		if err := c.check(ctx); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "/srv/eingang/work") {
			t.Fatalf("hanging stat: %v", err)
		}
	}
	<-calls
	select {
	case n := <-calls:
		t.Fatalf("a second stat of %s started while the first hangs", n)
	default:
	}
	close(release)
	// The round in flight delivers its result to whoever waits for it.
	if err := c.check(context.Background()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("after the stat returned: %v", err)
	}
}
