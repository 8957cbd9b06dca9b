package workers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/dms/archive"
	"github.com/eingang/eingang/internal/fault"
	"github.com/eingang/eingang/internal/intake"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/journal/sqlite"
	"github.com/eingang/eingang/internal/layout"
	"github.com/eingang/eingang/internal/pipeline"
	"github.com/eingang/eingang/internal/testenv"
)

// fakeOCR copies the input and reports one word per page; the real engine
// is tested in package ocr and end to end in cmd/eingang.
type fakeOCR struct {
	calls atomic.Int32
	fail  func(in string) error
}

func (f *fakeOCR) Recognize(ctx context.Context, in, out string) (*pipeline.Recognition, error) {
	f.calls.Add(1)
	if f.fail != nil {
		if err := f.fail(in); err != nil {
			return nil, err
		}
	}
	b, err := os.ReadFile(in)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return nil, err
	}
	return &pipeline.Recognition{Pages: 1, Layout: layout.Document{Pages: []layout.Page{{Number: 1, Words: []layout.Word{{Text: "Rechnung"}}}}}}, nil
}

// flakyTarget fails the first n deliveries with a transient error.
type flakyTarget struct {
	dms.Target
	mu     sync.Mutex
	left   int
	reject bool
}

func (f *flakyTarget) Deliver(ctx context.Context, d *dms.Document) (dms.Receipt, error) {
	f.mu.Lock()
	if f.reject {
		f.mu.Unlock()
		return dms.Receipt{}, &dms.RejectedError{Target: "dms", Status: 422, Reason: "Pflichtfeld Kostenstelle fehlt"}
	}
	if f.left > 0 {
		f.left--
		f.mu.Unlock()
		return dms.Receipt{}, &dms.RetryAfterError{After: 200 * time.Millisecond, Err: errors.New("503 Service Unavailable")}
	}
	f.mu.Unlock()
	return f.Target.Deliver(ctx, d)
}

type stack struct {
	cfg  *config.Config
	j    *sqlite.Journal
	in   *pipeline.Intake
	root string
}

func newStack(t *testing.T, rec pipeline.Recognizer, target dms.Target) *stack {
	t.Helper()
	return newStackWith(t, rec, target, RetryPolicy{Base: 100 * time.Millisecond, Max: time.Second, Window: 10 * time.Second}, time.Minute)
}

func newStackWith(t *testing.T, rec pipeline.Recognizer, target dms.Target, retry RetryPolicy, stepTimeout time.Duration) *stack {
	t.Helper()
	redis := testenv.StartRedis(t)
	root := t.TempDir()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
paths: {work: %[1]s/work, done: %[1]s/done, error: %[1]s/error}
redis: {url: %[2]s}
journal: {dsn: %[1]s/journal.db}
intake: {stability_delay: 100ms, rescan_interval: 200ms}
targets: {dms: {type: archive, dir: %[1]s/archive}}
profiles: [{name: post, folder: %[1]s/inbox, kind: post, target: dms}]
`, root, redis.URL())), nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	j, err := sqlite.Open(ctx, cfg.Journal.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	r, err := ConnectRedis(cfg.Redis, log)
	if err != nil {
		t.Fatal(err)
	}
	enq := NewEnqueuer(r, retry.MaxRetry(), time.Minute)
	t.Cleanup(func() { enq.Close() })
	if target == nil {
		target = archive.New("dms", filepath.Join(root, "archive"))
	}
	faults := fault.New(dms.Explain, intake.Explain, pipeline.Explain)
	p := pipeline.New(pipeline.Options{Config: cfg, Journal: j, Recognizer: rec, Targets: map[string]dms.Target{"dms": target}, Faults: faults, Logger: log})
	srv := NewServer(r, ServerOptions{Concurrency: 2, ShutdownTimeout: 5 * time.Second, Retry: retry, Logger: log})
	h := NewHandler(HandlerOptions{Runner: p, Enqueuer: enq, Events: j, Faults: faults, StepTimeout: stepTimeout, Logger: log})
	if err := srv.Start(h.Mux()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	in := p.Intake(enq)
	w := intake.NewWatcher([]intake.Folder{{Profile: "post", Path: cfg.Profiles[0].Folder}}, intake.Options{
		StabilityDelay: cfg.Intake.StabilityDelay, RescanInterval: cfg.Intake.RescanInterval, MaxFileSize: 1 << 20, ClaimDir: p.ClaimDir(),
	}, in, log)
	go w.Run(ctx)
	return &stack{cfg: cfg, j: j, in: in, root: root}
}

const pdf = "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\nstartxref\n9\n%%EOF\n"

func (s *stack) drop(t *testing.T, name, content string) {
	t.Helper()
	tmp := filepath.Join(s.cfg.Profiles[0].Folder, name+".part")
	os.MkdirAll(filepath.Dir(tmp), 0o755)
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(s.cfg.Profiles[0].Folder, name)); err != nil {
		t.Fatal(err)
	}
}

// waitStates waits until the journal holds want documents in final states.
func (s *stack) waitFinal(t *testing.T, want int, timeout time.Duration) map[string]journal.Document {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		docs, err := s.j.List(context.Background(), journal.Filter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		final := map[string]journal.Document{}
		for _, d := range docs {
			if d.Terminal() {
				final[d.SourceName] = d
			}
		}
		if len(final) >= want {
			return final
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d documents finished: %+v", len(final), want, docs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestPipelineThroughRealRedis(t *testing.T) {
	ocr := &fakeOCR{fail: func(in string) error {
		if strings.HasSuffix(in, "kaputt.pdf") {
			return fmt.Errorf("decode page 1: %w", intake.ErrIncomplete)
		}
		return nil
	}}
	s := newStack(t, ocr, nil)
	s.drop(t, "a.pdf", pdf+"%a")
	s.drop(t, "b.pdf", pdf+"%b")
	s.drop(t, "kaputt.pdf", pdf+"%c")
	final := s.waitFinal(t, 3, 30*time.Second)
	s.drop(t, "a-copy.pdf", pdf+"%a")
	final = s.waitFinal(t, 4, 30*time.Second)

	for _, n := range []string{"a.pdf", "b.pdf"} {
		d := final[n]
		if d.State != journal.StateDelivered || d.Target == nil || d.Target.Ref == "" {
			t.Errorf("%s: %+v", n, d)
		}
		full, _ := s.j.Get(context.Background(), d.ID)
		var steps []string
		for _, e := range full.Events {
			steps = append(steps, e.Step)
		}
		if got := strings.Join(steps, ","); got != "intake,ingest,ocr,classify,deliver,finish" {
			t.Errorf("%s events: %s", n, got)
		}
		if _, err := os.Stat(filepath.Join(s.root, "done", time.Now().Format("2006-01-02"), n)); err != nil {
			t.Errorf("%s not in done/: %v", n, err)
		}
	}
	dup := final["a-copy.pdf"]
	if dup.State != journal.StateDuplicate || dup.DuplicateOf != final["a.pdf"].ID {
		t.Errorf("copy: %+v", dup)
	}
	bad := final["kaputt.pdf"]
	if bad.State != journal.StateFailed || bad.Error == "" {
		t.Errorf("kaputt: %+v", bad)
	}
	reason, err := os.ReadFile(filepath.Join(s.root, "error", "kaputt.pdf.error.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(reason), "beschädigt") || !strings.Contains(string(reason), bad.ID) {
		t.Errorf("reason file:\n%s", reason)
	}
	if _, err := os.Stat(filepath.Join(s.root, "error", "kaputt.pdf")); err != nil {
		t.Error("failed original not in error/")
	}
	if n := ocr.calls.Load(); n != 3 {
		t.Errorf("OCR ran %d times, want 3 (the duplicate is not processed; permanent errors are not retried)", n)
	}
	// Work area is clean.
	left, _ := filepath.Glob(filepath.Join(s.root, "work", "claims", "post", "*"))
	docs, _ := filepath.Glob(filepath.Join(s.root, "work", "docs", "*"))
	if len(left)+len(docs) != 0 {
		t.Errorf("work area not clean: %v %v", left, docs)
	}
}

func TestTransientFailuresAreRetried(t *testing.T) {
	tg := &flakyTarget{left: 3, Target: archive.New("dms", filepath.Join(t.TempDir(), "archive"))}
	s2 := newStack(t, &fakeOCR{}, tg)
	s2.drop(t, "r.pdf", pdf)
	d := s2.waitFinal(t, 1, 40*time.Second)["r.pdf"]
	if d.State != journal.StateDelivered {
		t.Fatalf("state %s: %s", d.State, d.Error)
	}
	full, _ := s2.j.Get(context.Background(), d.ID)
	retries := 0
	for _, e := range full.Events {
		if e.Outcome == "retry" {
			retries++
		}
	}
	if retries != 3 {
		t.Errorf("%d retries recorded, want 3", retries)
	}
}

func TestRejectionGoesToErrorWithReason(t *testing.T) {
	tg := &flakyTarget{reject: true}
	s := newStack(t, &fakeOCR{}, tg)
	s.drop(t, "r.pdf", pdf)
	d := s.waitFinal(t, 1, 30*time.Second)["r.pdf"]
	if d.State != journal.StateFailed {
		t.Fatalf("state %s", d.State)
	}
	reason, _ := os.ReadFile(filepath.Join(s.root, "error", "r.pdf.error.txt"))
	if !strings.Contains(string(reason), "Pflichtfeld Kostenstelle fehlt") || !strings.Contains(string(reason), "abgelehnt") {
		t.Errorf("reason file:\n%s", reason)
	}
}

func TestRetryPolicy(t *testing.T) {
	r := RetryPolicy{Base: 10 * time.Second, Max: 10 * time.Minute, Window: 24 * time.Hour}
	n := r.MaxRetry()
	var sum time.Duration
	for i := 0; i < n; i++ {
		sum += r.backoff(i)
	}
	if sum < 24*time.Hour || sum-r.backoff(n-1) >= 24*time.Hour {
		t.Errorf("MaxRetry %d covers %s, want just over 24h", n, sum)
	}
	if d := r.Delay(0, &dms.RetryAfterError{After: 42 * time.Second}, nil); d != 42*time.Second {
		t.Errorf("Retry-After not honoured: %s", d)
	}
	if d := r.Delay(30, errors.New("x"), nil); d < 10*time.Minute || d > 12*time.Minute {
		t.Errorf("capped delay %s", d)
	}
}
