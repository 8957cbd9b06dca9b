package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/dms/d3/d3fake"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/journal/sqlite"
	"github.com/eingang/eingang/internal/testenv"
)

// serveConfig writes a configuration for serve with one profile whose
// folder is given relative to the root; create is the profile's create key.
func serveConfig(t *testing.T, root, addr, redisURL, folder string, create bool) string {
	t.Helper()
	cfg := filepath.Join(root, "eingang.yaml")
	body := fmt.Sprintf(`
paths: {work: %[1]s/work, done: %[1]s/done, error: %[1]s/error}
http: {addr: "%[2]s"}
redis: {url: "%[3]s"}
journal: {dsn: %[1]s/journal.db}
targets: {archive: {type: archive, dir: %[1]s/archive}}
profiles:
  - {name: rechnung, folder: %[1]s/%[4]s, create: %[5]t, kind: rechnung, target: archive}
`, root, addr, redisURL, folder, create)
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// serveWithin runs serve in this process for at most 30 s: a serve that
// should have refused to start ends then with exit 0 instead of hanging
// the test.
func serveWithin(t *testing.T, cfg string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errb strings.Builder
	code := run(ctx, []string{"serve", "--config", cfg}, &out, &errb)
	return code, out.String(), errb.String()
}

func TestPrepareProfileFolders(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "inbox", "rechnung"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "datei"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		folder  string
		create  bool
		wantErr string // "" = no error
		exists  bool   // the folder exists afterwards
	}{
		{"existing folder", "inbox/rechnung", false, "", true},
		{"mistyped folder is not created", "inbox/rechnug", false, "profiles[0] (rechnung).folder: " + root + "/inbox/rechnug does not exist", false},
		{"create: true creates it", "inbox/neu/rechnung", true, "", true},
		{"a file is not a folder", "datei", true, "is not a folder", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(root, c.folder)
			cfg := &config.Config{Profiles: []config.Profile{{Name: "rechnung", Folder: path, Create: c.create}}}
			err := prepareProfileFolders(cfg)
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, c.wantErr)
			case strings.Contains(c.wantErr, "does not exist") && !strings.Contains(err.Error(), "create: true"):
				t.Errorf("error %q does not say how to fix it (create: true)", err)
			}
			if _, err := os.Stat(path); (err == nil) != c.exists {
				t.Errorf("%s exists: %v, want %v", path, err == nil, c.exists)
			}
		})
	}
}

// A mistyped hot folder stops serve with a message naming the key, and
// nothing is created.
func TestServeRefusesMissingProfileFolder(t *testing.T) {
	root := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	cfg := serveConfig(t, root, addr, testenv.StartRedis(t).URL(), "inbox/rechnug", false)
	code, _, errs := serveWithin(t, cfg)
	if code != 1 || !strings.Contains(errs, "profiles[0] (rechnung).folder") || !strings.Contains(errs, "does not exist") {
		t.Errorf("serve with a missing folder: exit %d, stderr %q", code, errs)
	}
	if _, err := os.Stat(filepath.Join(root, "inbox", "rechnug")); !os.IsNotExist(err) {
		t.Errorf("the mistyped folder was created (stat: %v)", err)
	}
}

// A second serve on the same configuration fails at the busy port before
// it recovers anything: the unfinished document in the journal is not
// queued again, and the message names the key to change.
func TestSecondServeStopsAtBusyPort(t *testing.T) {
	root := t.TempDir()
	redis := testenv.StartRedis(t)
	// The port is held as a running serve would hold it.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := serveConfig(t, root, busy.Addr().String(), redis.URL(), "inbox/rechnung", true)
	ctx := context.Background()
	j, err := sqlite.Open(ctx, filepath.Join(root, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	const id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	if _, _, err := j.Create(ctx, &journal.Document{ID: id, SourceName: "brief.pdf", Profile: "rechnung",
		State: journal.StateProcessing, Step: "ocr", WorkPath: filepath.Join(root, "work", "brief.pdf")}); err != nil {
		t.Fatal(err)
	}
	j.Close()

	code, _, errs := serveWithin(t, cfg)
	if code != 1 {
		t.Fatalf("second serve: exit %d, want 1\n%s", code, errs)
	}
	for _, want := range []string{"http.addr", "EINGANG_HTTP_ADDR", busy.Addr().String(), "in use"} {
		if !strings.Contains(errs, want) {
			t.Errorf("message lacks %q: %s", want, errs)
		}
	}
	if strings.Contains(errs, "re-enqueued") {
		t.Errorf("second serve recovered documents before failing:\n%s", errs)
	}
	insp := asynq.NewInspector(asynq.RedisClientOpt{Addr: redis.Addr})
	defer insp.Close()
	queues, err := insp.Queues()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range queues {
		if info, err := insp.GetQueueInfo(q); err == nil && info.Size > 0 {
			t.Errorf("queue %s has %d task(s): the second serve enqueued before failing", q, info.Size)
		}
	}
}

// Redis that does not answer at start stops serve with one message naming
// it, before recovery.
func TestServeStopsWhenRedisIsDown(t *testing.T) {
	root := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	deadRedis := fmt.Sprintf("redis://127.0.0.1:%d/0", testenv.FreePort(t))
	cfg := serveConfig(t, root, addr, deadRedis, "inbox/rechnung", true)
	code, _, errs := serveWithin(t, cfg)
	if code != 1 || !strings.Contains(errs, "redis at 127.0.0.1:") || !strings.Contains(errs, "unreachable") {
		t.Errorf("serve without Redis: exit %d, stderr %q", code, errs)
	}
}

// An outage of Redis while serve runs: /readyz answers 503, the log says
// it once (no go-redis or asynq line per attempt), files stay in the hot
// folder, and when Redis is back the log says that once and /readyz is 200.
func TestRedisOutageReportedOnce(t *testing.T) {
	redis := testenv.StartRedis(t)
	in := newInstance(t, redis.URL())
	log := startLogged(t, in)
	redis.Stop()
	waitReady(t, in, http.StatusServiceUnavailable)
	waitOutput(t, log, "Redis is unreachable")
	// Files dropped meanwhile wait in the hot folder.
	drop := filepath.Join(in.inbox(), "waehrend-ausfall.pdf")
	copyFile(t, corpusScans(t, 1, false, 1)[0].File, drop)
	// A scrape meanwhile prints nothing either.
	if resp, err := http.Get("http://" + in.addr + "/metrics"); err == nil {
		resp.Body.Close()
	}
	// Several rescans (rescan_interval 1s) and many asynq attempts pass.
	time.Sleep(4 * time.Second)
	if _, err := os.Stat(drop); err != nil {
		t.Errorf("file claimed while Redis was unreachable: %v", err)
	}

	// Back on the same port.
	port := strings.TrimPrefix(redis.Addr, "127.0.0.1:")
	srv := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	waitOutput(t, log, "Redis answers again")
	waitReady(t, in, http.StatusOK)

	out := log.String()
	if n := strings.Count(out, "Redis is unreachable"); n != 1 {
		t.Errorf("outage reported %d times, want once", n)
	}
	for _, noise := range []string{"connection pool", "pool.go", "Dequeue error", "Failed to forward", "Failed to write server state", "Failed to collect metrics"} {
		if strings.Contains(out, noise) {
			t.Errorf("log contains library noise %q", noise)
		}
	}
}

// A Redis restarted without its data (no persistence, a failover) has
// lost the queue: a document in the middle of its steps is then only in
// the journal. When Redis answers again, serve queues it again, and it
// is delivered without a restart of eingang.
func TestRedisRestartedEmptyRequeues(t *testing.T) {
	redis := testenv.StartRedis(t)
	in := newInstance(t, redis.URL())
	log := startLogged(t, in)
	waitReady(t, in, http.StatusOK)
	sc := corpusScans(t, 3, false, 1)[0]
	copyFile(t, sc.File, filepath.Join(in.inbox(), "drei-seiten.pdf"))
	id := sha256File(t, sc.File)
	in.waitForStep(id, "ocr")
	redis.Stop()
	waitOutput(t, log, "Redis is unreachable")
	port := strings.TrimPrefix(redis.Addr, "127.0.0.1:")
	srv := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	waitOutput(t, log, "Redis answers again")
	final := in.waitFinal(1, 3*time.Minute)
	if d := final["drei-seiten.pdf"]; d.State != journal.StateDelivered {
		t.Errorf("document after the Redis restart: %+v", d)
	}
	if !strings.Contains(log.String(), "re-enqueued unfinished documents after the Redis outage") {
		t.Errorf("no re-enqueue logged")
	}
}

func waitReady(t *testing.T, in *instance, status int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if resp, err := http.Get("http://" + in.addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == status {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz never answered %d", status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func waitOutput(t *testing.T, log *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(log.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("output never contained %q", want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// startLogged starts serve like instance.start, with output the test can
// read while the process runs.
func startLogged(t *testing.T, in *instance) *syncBuffer {
	t.Helper()
	log := &syncBuffer{}
	cmd := exec.Command(binPath, "serve", "--config", in.cfg)
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in.cmd = cmd
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("eingang output:\n%s", log.String())
		}
	})
	waitReady(t, in, http.StatusOK)
	return log
}

// A target that does not answer stops serve before recovery, watchers and
// workers, with a message naming the target; one whose options are wrong
// stops it with the key (it used to crash while closing what was opened).
func TestServeStopsOnTargetProblems(t *testing.T) {
	fake := httptest.NewServer(d3fake.New(d3fake.DefaultOptions()))
	t.Cleanup(fake.Close)
	for _, c := range []struct {
		name, baseURL, key, hashProperty string
		stops                            bool
		want                             string
	}{
		// Down for maintenance: serve starts, says so, and deliveries retry.
		{"unreachable", fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t)), "fake-api-key", `"200"`, false, "target not reachable at start"},
		// A wrong key refuses every document: better not to start.
		{"wrong key", fake.URL, "falsch", `"200"`, true, "targets.d3 is not reachable"},
		{"misconfigured", fake.URL, "fake-api-key", `""`, true, "targets.d3.options: hash_property"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
			cfg := serveConfig(t, root, addr, testenv.StartRedis(t).URL(), "inbox/rechnung", true)
			t.Setenv("TEST_D3_API_KEY", c.key)
			d3 := fmt.Sprintf(`  d3:
    type: d3
    options:
      base_url: %s
      repository: dee1f3d3-eb4d-4ac4-9b2c-4b9e3c1f0a11
      api_key_env: TEST_D3_API_KEY
      hash_property: %s
      timeout: 2s
      categories: [{category: DPOST}]
`, c.baseURL, c.hashProperty)
			b, err := os.ReadFile(cfg)
			if err != nil {
				t.Fatal(err)
			}
			body := strings.Replace(string(b), "targets: {archive: {type: archive, dir: "+root+"/archive}}\n",
				"targets:\n  archive: {type: archive, dir: "+root+"/archive}\n"+d3, 1)
			if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			if c.stops {
				code, _, errs := serveWithin(t, cfg)
				if code != 1 || !strings.Contains(errs, c.want) {
					t.Errorf("exit %d, stderr %q, want exit 1 and %q", code, errs, c.want)
				}
				return
			}
			ctx, cancel := context.WithCancel(context.Background())
			var out, errb syncBuffer
			done := make(chan int, 1)
			go func() { done <- run(ctx, []string{"serve", "--config", cfg}, &out, &errb) }()
			ready := false
			for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && !ready; time.Sleep(100 * time.Millisecond) {
				if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
					resp.Body.Close()
					ready = resp.StatusCode == http.StatusOK
				}
			}
			cancel()
			<-done
			if !ready {
				t.Errorf("serve did not start with the target down:\n%s", errb.String())
			}
			if !strings.Contains(errb.String(), c.want) {
				t.Errorf("no warning %q in:\n%s", c.want, errb.String())
			}
		})
	}
}

// TestDemoConfigWithoutD3Key (issue 16): `eingang serve --config
// config/demo.yaml` run directly, without the d.3 key that `make run`
// sets, starts with a warning naming the key and the d3 profile disabled
// instead of stopping (or panicking).
func TestDemoConfigWithoutD3Key(t *testing.T) {
	demo, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "config", "demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "config"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config", "demo.yaml"), demo, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	t.Setenv("EINGANG_HTTP_ADDR", addr)
	t.Setenv("EINGANG_D3_API_KEY", "")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--config", "config/demo.yaml"}, &out, &errb) }()
	ready := false
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && !ready; time.Sleep(100 * time.Millisecond) {
		select {
		case code := <-done:
			t.Fatalf("serve stopped with exit %d:\n%s", code, errb.String())
		default:
		}
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			ready = resp.StatusCode == http.StatusOK
		}
	}
	cancel()
	<-done
	logs := errb.String()
	if !ready {
		t.Fatalf("serve did not become ready:\n%s", logs)
	}
	for _, want := range []string{"EINGANG_D3_API_KEY", "profile disabled", "profile=d3"} {
		if !strings.Contains(logs, want) {
			t.Errorf("no %q in the log:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "panic") {
		t.Errorf("panic in the log:\n%s", logs)
	}
}

// TestRequiredTargetWithoutKeyStops: without optional, the same missing
// key stops the start with exit 1 and a message naming the key.
func TestRequiredTargetWithoutKeyStops(t *testing.T) {
	root := t.TempDir()
	cfg := serveConfig(t, root, fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t)), testenv.StartRedis(t).URL(), "inbox/rechnung", true)
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Replace(string(b), "targets: {archive: {type: archive, dir: "+root+"/archive}}\n",
		"targets:\n  archive: {type: archive, dir: "+root+"/archive}\n  d3:\n    type: d3\n    options: {base_url: http://127.0.0.1:1, repository: r, api_key_env: TEST_NO_SUCH_KEY, hash_property: \"200\", categories: [{category: DPOST}]}\n", 1)
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEST_NO_SUCH_KEY", "")
	code, _, errs := serveWithin(t, cfg)
	if code != 1 || !strings.Contains(errs, "targets.d3.options: api_key_env: environment variable TEST_NO_SUCH_KEY") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}
