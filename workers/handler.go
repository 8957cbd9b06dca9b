package workers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/hibiken/asynq"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/fault"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/pipeline"
)

// Runner runs pipeline steps.
type Runner interface {
	Run(ctx context.Context, step, id string) (next string, err error)
	Fail(ctx context.Context, id, step string, cause error, clerk string) error
}

// EventRecorder records retries in the journal so the API shows them.
type EventRecorder interface {
	Update(ctx context.Context, id string, ev journal.Event, fn func(*journal.Document) error) (*journal.Document, error)
}

// StepObserver receives step timings for metrics.
type StepObserver interface {
	StepDone(step, outcome string, d time.Duration)
}

// Handler is the asynq handler for all pipeline steps.
type Handler struct {
	runner   Runner
	next     pipeline.Enqueuer
	events   EventRecorder
	faults   *fault.Rules
	obs      StepObserver
	timeout  time.Duration
	log      *slog.Logger
	maxRetry func(ctx context.Context) int
}

// HandlerOptions are the dependencies of a Handler.
type HandlerOptions struct {
	Runner      Runner
	Enqueuer    pipeline.Enqueuer
	Events      EventRecorder
	Faults      *fault.Rules
	Observer    StepObserver
	StepTimeout time.Duration
	Logger      *slog.Logger
}

// NewHandler returns the handler.
func NewHandler(o HandlerOptions) *Handler {
	return &Handler{runner: o.Runner, next: o.Enqueuer, events: o.Events, faults: o.Faults, obs: o.Observer,
		timeout: o.StepTimeout, log: o.Logger, maxRetry: func(ctx context.Context) int {
			n, _ := asynq.GetMaxRetry(ctx)
			return n
		}}
}

// Mux returns an asynq mux routing every step task to h.
func (h *Handler) Mux() *asynq.ServeMux {
	mux := asynq.NewServeMux()
	mux.Handle(TaskPrefix, h) // prefix match: doc:ingest, doc:ocr, …
	return mux
}

// ProcessTask implements asynq.Handler.
func (h *Handler) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p Payload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.ID == "" || p.Step == "" {
		return fmt.Errorf("bad payload %q: %v: %w", t.Payload(), err, asynq.SkipRetry)
	}
	start := time.Now()
	stepCtx, cancel := context.WithTimeout(ctx, h.timeout)
	next, err := h.runner.Run(stepCtx, p.Step, p.ID)
	cancel()
	if err == nil {
		if next != "" {
			if err := h.next.Enqueue(ctx, p.ID, next); err != nil {
				// The step's work is recorded; the retry only enqueues.
				h.observe(p.Step, "retry", start)
				return err
			}
		}
		h.observe(p.Step, "ok", start)
		return nil
	}
	if ctx.Err() != nil {
		// Shutdown or lost lease: asynq re-queues the task; this is not a
		// failure of the document.
		h.observe(p.Step, "interrupted", start)
		return err
	}
	v := h.faults.Classify(err)
	retried, _ := asynq.GetRetryCount(ctx)
	if v.Permanent || retried >= h.maxRetry(ctx) {
		// Fail with a context of its own: the task's may be near its end,
		// and the document must not be left half-failed.
		fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer fcancel()
		if ferr := h.runner.Fail(fctx, p.ID, p.Step, err, v.Clerk); ferr != nil {
			h.log.Error("cannot move failed document to the error folder; will retry", "id", p.ID, "step", p.Step, "err", ferr)
			return errors.Join(err, ferr)
		}
		h.observe(p.Step, "failed", start)
		return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
	}
	h.log.Warn("step failed, will retry", "id", p.ID, "step", p.Step, "attempt", retried+1, "err", err)
	if h.events != nil {
		_, _ = h.events.Update(ctx, p.ID, journal.Event{Step: p.Step, Outcome: "retry", Detail: err.Error()}, nil)
	}
	h.observe(p.Step, "retry", start)
	return err
}

func (h *Handler) observe(step, outcome string, start time.Time) {
	if h.obs != nil {
		h.obs.StepDone(step, outcome, time.Since(start))
	}
}

// RetryPolicy spaces retries exponentially from Base up to Max, honours a
// target's Retry-After, and gives up after Window.
type RetryPolicy struct {
	Base   time.Duration
	Max    time.Duration
	Window time.Duration
}

// Delay implements asynq.RetryDelayFunc.
func (r RetryPolicy) Delay(n int, err error, _ *asynq.Task) time.Duration {
	var ra *dms.RetryAfterError
	if errors.As(err, &ra) && ra.After > 0 {
		if ra.After > r.Max {
			return r.Max
		}
		return ra.After
	}
	d := r.backoff(n)
	// Up to 20 % jitter so that a batch does not hammer a recovering DMS
	// in lockstep.
	return d + time.Duration(rand.Int64N(int64(d)/5+1))
}

func (r RetryPolicy) backoff(n int) time.Duration {
	d := r.Base
	for i := 0; i < n && d < r.Max; i++ {
		d *= 2
	}
	if d > r.Max {
		d = r.Max
	}
	return d
}

// MaxRetry is the number of retries whose delays add up to the window.
func (r RetryPolicy) MaxRetry() int {
	var sum time.Duration
	n := 0
	for sum < r.Window && n < 10000 {
		sum += r.backoff(n)
		n++
	}
	return n
}
