package workers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/eingang/eingang/internal/fault"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/pipeline"
)

// budgetRunner runs a step the way a stuck library call does.
type budgetRunner struct {
	run func(ctx context.Context) (string, error)

	mu     sync.Mutex
	failed []string // clerk messages
}

func (r *budgetRunner) Run(ctx context.Context, step, id string) (string, error) { return r.run(ctx) }

func (r *budgetRunner) Fail(ctx context.Context, id, step string, cause error, clerk string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, clerk)
	return nil
}

func TestStepBudget(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	tests := []struct {
		name      string
		step      string
		run       func(ctx context.Context) (string, error)
		wantFail  bool // failed at once with the budget message
		wantRetry bool
	}{
		{"ignores cancellation", pipeline.StepOCR, func(ctx context.Context) (string, error) {
			<-release // a cgo call that never looks at ctx
			return pipeline.StepClassify, nil
		}, true, false},
		{"honours cancellation", pipeline.StepOCR, func(ctx context.Context) (string, error) {
			<-ctx.Done()
			return "", fmt.Errorf("pdftotext: %w", ctx.Err())
		}, true, false},
		{"delivery keeps retrying", pipeline.StepDeliver, func(ctx context.Context) (string, error) {
			<-ctx.Done()
			return "", fmt.Errorf("post: %w", ctx.Err())
		}, false, true},
		{"finished elsewhere", pipeline.StepOCR, func(ctx context.Context) (string, error) {
			return "", fmt.Errorf("%w: document is already failed", pipeline.ErrFinished)
		}, false, false},
		{"within budget", pipeline.StepOCR, func(ctx context.Context) (string, error) {
			return "", nil
		}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &budgetRunner{run: tt.run}
			h := NewHandler(HandlerOptions{Runner: r, Faults: fault.New(), StepTimeout: 200 * time.Millisecond,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			h.maxRetry = func(context.Context) int { return 100 }
			payload, _ := json.Marshal(Payload{ID: "d1", Step: tt.step})
			start := time.Now()
			err := h.ProcessTask(context.Background(), asynq.NewTask(TaskPrefix+tt.step, payload))
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("ProcessTask returned after %s", d)
			}
			if got := len(r.failed) == 1; got != tt.wantFail {
				t.Fatalf("failed = %v (%q), want %v; err %v", got, r.failed, tt.wantFail, err)
			}
			if tt.wantFail {
				if !errors.Is(err, asynq.SkipRetry) {
					t.Errorf("err = %v, want SkipRetry", err)
				}
				if c := r.failed[0]; !strings.Contains(c, "Texterkennung") || !strings.Contains(c, "abgebrochen") {
					t.Errorf("clerk message %q", c)
				}
			}
			if gotRetry := err != nil && !errors.Is(err, asynq.SkipRetry); gotRetry != tt.wantRetry {
				t.Errorf("err = %v, retry %v, want %v", err, gotRetry, tt.wantRetry)
			}
		})
	}
}

// stuckOCR never returns until released, like a page Tesseract cannot
// finish.
type stuckOCR struct{ release chan struct{} }

func (s *stuckOCR) Recognize(ctx context.Context, in, out string) (*pipeline.Recognition, error) {
	<-s.release
	b, err := os.ReadFile(in)
	if err != nil {
		return nil, err
	}
	return &pipeline.Recognition{Pages: 1}, os.WriteFile(out, b, 0o644)
}

// TestStuckDocumentFailsWithinBudget drops a file whose OCR never ends:
// the document fails with the German budget reason within the step
// budget instead of staying in processing, and the late result of the
// abandoned step does not revive it.
func TestStuckDocumentFailsWithinBudget(t *testing.T) {
	rec := &stuckOCR{release: make(chan struct{})}
	s := newStackWith(t, rec, nil, RetryPolicy{Base: 100 * time.Millisecond, Max: time.Second, Window: time.Hour}, 2*time.Second)
	s.drop(t, "stuck.pdf", pdf)
	d := s.waitFinal(t, 1, 30*time.Second)["stuck.pdf"]
	if d.State != journal.StateFailed {
		t.Fatalf("state %s, want failed", d.State)
	}
	reason, err := os.ReadFile(filepath.Join(s.root, "error", "stuck.pdf.error.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(reason), "länger als 2 Sekunden") {
		t.Errorf("reason file:\n%s", reason)
	}
	close(rec.release)
	time.Sleep(500 * time.Millisecond)
	after, err := s.j.Get(context.Background(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.State != journal.StateFailed {
		t.Errorf("after the stuck step returned: state %s, want failed", after.State)
	}
}
