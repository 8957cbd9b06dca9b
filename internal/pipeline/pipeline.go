// Package pipeline holds the steps every document goes through — ingest,
// OCR or e-invoice reading, classify, deliver, finish — and the handling of
// failures. Each step is idempotent: it may run again after a crash or a
// retry and then finds its own earlier work instead of repeating it. The
// queue that drives the steps (asynq) lives outside, in package workers.
package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/eingang/eingang/internal/classify"
	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/fault"
	"github.com/eingang/eingang/internal/fsutil"
	"github.com/eingang/eingang/internal/intake"
	"github.com/eingang/eingang/internal/invoicedup"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/layout"
)

// Steps, in order. A document's journal record names the next one.
const (
	StepIngest   = "ingest"
	StepUnpack   = "unpack"
	StepOCR      = "ocr"
	StepEInvoice = "einvoice"
	StepClassify = "classify"
	StepDeliver  = "deliver"
	StepFinish   = "finish"
)

// ErrFinished: a step completed for a document that was meanwhile
// finished or failed (see Handler's step budget in package workers).
var ErrFinished = errors.New("pipeline: document already finished")

// Journal is what the pipeline needs from the journal.
type Journal interface {
	Create(ctx context.Context, doc *journal.Document) (existing *journal.Document, created bool, err error)
	Get(ctx context.Context, id string) (*journal.Document, error)
	Update(ctx context.Context, id string, ev journal.Event, fn func(*journal.Document) error) (*journal.Document, error)
	Unfinished(ctx context.Context) ([]journal.Document, error)
}

// Recognizer turns a scan into a searchable PDF (package ocr).
type Recognizer interface {
	Recognize(ctx context.Context, in, outPDF string) (*Recognition, error)
}

// Recognition is what OCR found.
type Recognition struct {
	Pages  int
	Layout layout.Document
	// PageInfo is the per-page record (rotation, skew, confidence) kept for
	// the archive metadata and the Transfervermerk (pages.json).
	PageInfo []layout.PageInfo
	// Note is what the journal event of the step adds to the page count,
	// such as pages of the page tree that were left out because they are
	// no pages; empty for most documents.
	Note string
}

// Task is one step of one document as the queue carries it.
type Task struct {
	ID   string
	Step string
	// SourceName and Profile are for people reading the queue's lists;
	// the journal stays the truth about the document.
	SourceName string
	Profile    string
}

// Enqueuer schedules the next step of a document.
type Enqueuer interface {
	Enqueue(ctx context.Context, t Task) error
}

// Observer receives figures for metrics; all methods must be cheap.
type Observer interface {
	PagesRecognized(n int)
	DocumentFinished(state string)
	// IntakeRejected counts a file that failed its content check and went
	// to the error folder without ever becoming a task; reason is one of
	// intake's Reason… constants.
	IntakeRejected(profile, reason string)
}

// Pipeline runs the steps.
type Pipeline struct {
	cfg     *config.Config
	journal Journal
	ocr     Recognizer
	targets map[string]dms.Target
	obs     Observer
	faults  *fault.Rules
	// classifier may be nil: kinds then come from the profile.
	classifier *classify.Classifier
	invoices   invoicedup.Claimer
	sealer     Sealer
	office     OfficeConverter
	// enq queues the parts of a split batch; nil refuses to split.
	enq Enqueuer
	log *slog.Logger
	now func() time.Time
}

// Options are the dependencies of a Pipeline.
type Options struct {
	Config     *config.Config
	Journal    Journal
	Recognizer Recognizer
	Targets    map[string]dms.Target
	Observer   Observer
	// Faults classifies errors; nil knows only the errors of intake and of
	// the pipeline itself.
	Faults *fault.Rules
	// Classifier decides kind and route; nil keeps the profile's kind.
	Classifier *classify.Classifier
	// Invoices finds earlier invoices for the duplicate check (the journal);
	// nil disables the check.
	Invoices InvoiceIndex
	// Sealer signs scans of profiles with sign: true; nil when no key is
	// configured (such profiles then fail instead of delivering unsigned).
	Sealer Sealer
	// Office converts Word, ODT and RTF documents to PDF at ingest; nil
	// fails such documents with ErrNoOfficeConverter.
	Office OfficeConverter
	// Enqueuer queues the documents a batch scan is split into (the same
	// queue the Intake is given); nil fails batches that need splitting.
	Enqueuer Enqueuer
	Logger   *slog.Logger
}

// New returns a pipeline.
func New(o Options) *Pipeline {
	obs := o.Observer
	if obs == nil {
		obs = nopObserver{}
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	faults := o.Faults
	if faults == nil {
		faults = fault.New(intake.Explain, Explain)
	}
	p := &Pipeline{cfg: o.Config, journal: o.Journal, ocr: o.Recognizer, targets: o.Targets, obs: obs, faults: faults,
		classifier: o.Classifier, sealer: o.Sealer, office: o.Office, enq: o.Enqueuer, log: log, now: time.Now}
	if o.Invoices != nil {
		p.invoices = invoiceLookup{o.Invoices}
	}
	return p
}

type nopObserver struct{}

func (nopObserver) PagesRecognized(int)        {}
func (nopObserver) DocumentFinished(string)    {}
func (nopObserver) IntakeRejected(_, _ string) {}

// ClaimDir is the work area where watchers put claimed files.
func (p *Pipeline) ClaimDir() string { return filepath.Join(p.cfg.Paths.Work, "claims") }

// Run executes one step of a document and returns the step to run next
// ("" when the document is done).
func (p *Pipeline) Run(ctx context.Context, step, id string) (next string, err error) {
	doc, err := p.journal.Get(ctx, id)
	if err != nil {
		return "", err
	}
	if doc.Terminal() {
		// A repeated task for a finished document: nothing to do.
		return "", nil
	}
	if doc.Step != "" && doc.Step != step {
		// The journal is ahead (the step ran, the queue did not learn of
		// it): continue from there instead of repeating work.
		return doc.Step, nil
	}
	switch step {
	case StepIngest:
		return p.ingest(ctx, doc)
	case StepUnpack:
		return "", p.unpack(ctx, doc)
	case StepSplit:
		return p.split(ctx, doc)
	case StepOCR:
		return p.recognize(ctx, doc)
	case StepEInvoice:
		return p.readEInvoice(ctx, doc)
	case StepClassify:
		return p.classify(ctx, doc)
	case StepSign:
		return p.seal(ctx, doc)
	case StepDeliver:
		return p.deliver(ctx, doc)
	case StepFinish:
		return "", p.finish(ctx, doc)
	}
	return "", fmt.Errorf("%w: unknown step %q", fault.ErrPermanent, step)
}

// advance records a finished step and names the next one.
func (p *Pipeline) advance(ctx context.Context, id, step, next, detail string, fn func(*journal.Document)) error {
	_, err := p.journal.Update(ctx, id, journal.Event{Step: step, Outcome: "ok", Detail: detail}, func(d *journal.Document) error {
		if d.Terminal() {
			// The worker gave up on a step that overran its budget and
			// failed the document; the step finishing late must not bring
			// it back.
			return fmt.Errorf("%w: document is already %s", ErrFinished, d.State)
		}
		if fn != nil {
			fn(d)
		}
		d.State = journal.StateProcessing
		d.Step = next
		return nil
	})
	return err
}

// HashFile returns the hex SHA-256 of a file's content.
func HashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeFileAtomic writes data so that readers see the old file or the whole
// new one, never a part.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o770); err != nil {
		return err
	}
	return fsutil.WriteFile(path, data, 0o640)
}

// errProfileGone: a document's profile was removed from the configuration
// while the document was on its way. No retry brings it back.
var errProfileGone = fmt.Errorf("%w: profile no longer configured", fault.ErrPermanent)

// profile returns the configuration of the document's profile; every step
// that needs it asks here, so a removed profile fails the same way in each.
func (p *Pipeline) profile(doc *journal.Document) (config.Profile, error) {
	prof, ok := p.cfg.Profile(doc.Profile)
	if !ok {
		return config.Profile{}, fmt.Errorf("%w: %q", errProfileGone, doc.Profile)
	}
	return prof, nil
}
