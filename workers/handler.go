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
	next, err := h.run(ctx, p)
	if errors.Is(err, pipeline.ErrFinished) {
		// A repeated or overrun task for a document that already ended.
		h.observe(p.Step, "ok", start)
		return nil
	}
	if err == nil {
		if next != "" {
			// The next task names the file as this one did, so that the
			// queue UI stays readable along the document's way.
			if err := h.next.Enqueue(ctx, pipeline.Task{ID: p.ID, Step: next, SourceName: p.SourceName, Profile: p.Profile}); err != nil {
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
	if errors.Is(err, ErrStepBudget) && !v.Permanent {
		v = fault.Verdict{Permanent: true, Clerk: budgetClerk(p.Step, h.timeout)}
	}
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

// ErrStepBudget: a step ran longer than workers.step_timeout. The task's
// own input is the likely cause (a page no engine finishes), so a retry
// would hold the document in processing for the whole retry window; the
// step fails at once, except delivery, whose time goes to a target that
// may recover.
var ErrStepBudget = errors.New("step exceeded its time budget")

// run runs one step under the step budget. A step that does not return
// within a grace period after its deadline (a library call that ignores
// cancellation) is abandoned: the document fails, and the journal refuses
// the late result (pipeline.ErrFinished).
func (h *Handler) run(ctx context.Context, p Payload) (string, error) {
	stepCtx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	type result struct {
		next string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		next, err := h.runner.Run(stepCtx, p.Step, p.ID)
		done <- result{next, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-stepCtx.Done():
		grace := time.NewTimer(min(h.timeout/10+time.Millisecond, 30*time.Second))
		defer grace.Stop()
		select {
		case r = <-done:
		case <-grace.C:
			h.log.Error("step did not stop at its deadline; abandoned", "id", p.ID, "step", p.Step, "timeout", h.timeout)
			r.err = fmt.Errorf("step %s did not return within %s of its deadline: %w", p.Step, h.timeout, stepCtx.Err())
		}
	}
	if r.err != nil && ctx.Err() == nil && errors.Is(stepCtx.Err(), context.DeadlineExceeded) &&
		p.Step != pipeline.StepDeliver {
		return "", &budgetError{step: p.Step, budget: h.timeout, err: r.err}
	}
	return r.next, r.err
}

// budgetError is a step that overran its budget; it unwraps to
// ErrStepBudget and to the step's own error.
type budgetError struct {
	step   string
	budget time.Duration
	err    error
}

func (e *budgetError) Error() string {
	return fmt.Sprintf("step %s exceeded its time budget of %s: %v", e.step, e.budget, e.err)
}

func (e *budgetError) Unwrap() []error { return []error{ErrStepBudget, e.err} }

// stepNames are the steps as the scan station calls them.
var stepNames = map[string]string{
	pipeline.StepIngest:   "Annahme",
	pipeline.StepUnpack:   "Entpacken",
	pipeline.StepOCR:      "Texterkennung",
	pipeline.StepEInvoice: "E-Rechnungsprüfung",
	pipeline.StepClassify: "Zuordnung",
	pipeline.StepSign:     "Versiegelung",
	pipeline.StepFinish:   "Abschluss",
}

// budgetClerk tells the clerk that a step was cut off.
func budgetClerk(step string, budget time.Duration) string {
	name := stepNames[step]
	if name == "" {
		name = step
	}
	return fmt.Sprintf("Die Verarbeitung (%s) hat länger als %s gedauert und wurde abgebrochen, damit das Dokument nicht hängen bleibt. "+
		"Bitte die Datei prüfen (z. B. neu scannen oder in kleinere Teile trennen) oder an die IT weitergeben.", name, germanDuration(budget))
}

// germanDuration writes d the way a clerk reads it ("30 Minuten").
func germanDuration(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int(d/time.Hour), "Stunde", "Stunden")
	case d >= time.Minute && d%time.Minute == 0:
		return plural(int(d/time.Minute), "Minute", "Minuten")
	case d >= time.Second && d%time.Second == 0:
		return plural(int(d/time.Second), "Sekunde", "Sekunden")
	}
	return d.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
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
