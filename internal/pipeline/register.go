package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/intake"
	"github.com/eingang/eingang/internal/journal"
)

// Intake registers claimed files and schedules their first step. It is the
// intake.Handler of the watchers and of `eingang submit`.
type Intake struct {
	p *Pipeline
	q Enqueuer
	// mu serializes the clerk's actions (actions.go).
	mu sync.Mutex
}

// Intake returns the handler that registers claimed files and enqueues them
// with q.
func (p *Pipeline) Intake(q Enqueuer) *Intake { return &Intake{p: p, q: q} }

// HandleClaim registers a claimed file: new content becomes a document in
// state received and is queued; content seen before is recorded as a
// duplicate of the first document and not processed again; a file that
// failed its content check goes straight to the error folder. Calling it
// again for the same claimed file (crash recovery) changes nothing.
func (in *Intake) HandleClaim(ctx context.Context, c intake.Claim) error {
	_, err := in.Register(ctx, c)
	return err
}

// Register is HandleClaim that also returns the id of the document the
// claim became: the content's id, or for a broken file the id of its own
// record (an upload answers with it).
func (in *Intake) Register(ctx context.Context, c intake.Claim) (string, error) {
	id, err := in.register(ctx, c)
	if err == nil {
		// The journal holds the claim's channel and origin now.
		intake.RemoveClaimMeta(c.Path)
	}
	return id, err
}

func (in *Intake) register(ctx context.Context, c intake.Claim) (string, error) {
	p := in.p
	id, err := HashFile(c.Path)
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", c.SourceName, err)
	}
	doc := &journal.Document{
		ID:         id,
		SourceName: c.SourceName,
		Profile:    c.Profile,
		State:      journal.StateReceived,
		Step:       StepIngest,
		WorkPath:   c.Path,
		Events:     []journal.Event{{Step: "intake", Outcome: "ok", Detail: "claimed from hot folder"}},
		Channel:    c.Channel,
		Origin:     c.Origin,
	}
	if doc.Channel == "" {
		doc.Channel = config.ChannelFolder
		if prof, ok := p.cfg.Profile(c.Profile); ok {
			doc.Origin = map[string]string{"folder": prof.Folder}
		}
	} else {
		doc.Events[0].Detail = "received by " + doc.Channel
	}
	if len(c.Metadata) > 0 {
		doc.Fields = map[string]string{}
		for k, v := range c.Metadata {
			doc.Fields[k] = v
		}
	}
	if c.Problem != nil {
		// Broken files may share content (two empty files); give each its
		// own record so that no reason file is lost.
		reason := intake.RejectReason(c.Problem)
		doc.ID = derivedID(id, c.Path)
		doc.Step = ""
		doc.Events[0].Detail = "claimed from hot folder; content check failed"
		// The reason as a field: the documents API lists such files with
		// ?state=failed, and this says why without parsing the error text.
		if doc.Fields == nil {
			doc.Fields = map[string]string{}
		}
		doc.Fields[FieldIntakeRejected] = reason
		if existing, created, err := p.journal.Create(ctx, doc); err != nil {
			return "", err
		} else if !created && existing.Terminal() {
			return doc.ID, nil
		}
		if err := p.Fail(ctx, doc.ID, "intake", c.Problem, p.faults.Classify(c.Problem).Clerk); err != nil {
			return "", err
		}
		p.obs.IntakeRejected(c.Profile, reason)
		return doc.ID, nil
	}
	existing, created, err := p.journal.Create(ctx, doc)
	if err != nil {
		return "", err
	}
	if created {
		p.log.Info("document received", "id", id, "profile", c.Profile)
		return id, in.q.Enqueue(ctx, taskOf(doc, StepIngest))
	}
	if existing.WorkPath == c.Path {
		// Same claimed file offered again (recovery): just make sure its
		// current step is queued.
		if !existing.Terminal() && existing.Step != "" {
			return id, in.q.Enqueue(ctx, taskOf(existing, existing.Step))
		}
		return id, nil
	}
	if existing.State == journal.StateFailed {
		// Dropping a failed document again is how the scan station retries
		// it: start over with the new copy.
		if _, err := p.journal.Update(ctx, id, journal.Event{Step: "intake", Outcome: "ok", Detail: "dropped again after failure; retrying"}, func(d *journal.Document) error {
			d.State, d.Step, d.Error, d.WorkPath, d.SourceName, d.Profile = journal.StateReceived, StepIngest, "", c.Path, c.SourceName, c.Profile
			d.Target = nil
			return nil
		}); err != nil {
			return "", err
		}
		_ = p.docDir(id).Remove()
		return id, in.q.Enqueue(ctx, Task{ID: id, Step: StepIngest, SourceName: c.SourceName, Profile: c.Profile})
	}
	// Same content, another file: the first document is the answer.
	return existing.ID, p.recordDuplicate(ctx, existing, c)
}

func (p *Pipeline) recordDuplicate(ctx context.Context, first *journal.Document, c intake.Claim) error {
	dupID := derivedID(first.ID, c.Path)
	dup := &journal.Document{
		ID:          dupID,
		SourceName:  c.SourceName,
		Profile:     c.Profile,
		State:       journal.StateDuplicate,
		DuplicateOf: first.ID,
		WorkPath:    c.Path,
		Channel:     c.Channel,
		Origin:      c.Origin,
		Events: []journal.Event{{Step: "intake", Outcome: "duplicate",
			Detail: fmt.Sprintf("same content as document %s (%s)", first.ID, first.SourceName)}},
	}
	if _, _, err := p.journal.Create(ctx, dup); err != nil {
		return err
	}
	p.log.Info("duplicate content, not processed again", "id", dupID, "duplicate_of", first.ID, "profile", c.Profile)
	if err := p.disposeSource(c.Path, c.SourceName); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	p.obs.DocumentFinished(journal.StateDuplicate)
	return nil
}

// FieldIntakeRejected is the field of a document refused at intake; its
// value is one of intake's Reason… constants.
const FieldIntakeRejected = "intake_rejected"

func taskOf(d *journal.Document, step string) Task {
	return Task{ID: d.ID, Step: step, SourceName: d.SourceName, Profile: d.Profile}
}

// derivedID gives records that repeat content (duplicates, broken files)
// an id of their own that is stable for the same claimed file, so that
// registering it twice stays idempotent.
func derivedID(contentID, claimedPath string) string {
	h := sha256.Sum256([]byte(contentID + "\x00" + claimedPath))
	return hex.EncodeToString(h[:])
}

// Recover re-offers files left in the claim area and re-enqueues every
// unfinished document at its current step. With the embedded Redis the
// queue is empty after a restart, so the journal is the truth; with a real
// Redis, tasks that still exist are left alone (their ids conflict).
func (in *Intake) Recover(ctx context.Context) (int, error) {
	if err := intake.Recover(ctx, in.p.ClaimDir(), in); err != nil {
		return 0, err
	}
	docs, err := in.p.journal.Unfinished(ctx)
	if err != nil {
		return 0, err
	}
	for _, d := range docs {
		if d.Step == "" {
			continue
		}
		if err := in.q.Enqueue(ctx, taskOf(&d, d.Step)); err != nil {
			return 0, fmt.Errorf("re-enqueue %s: %w", d.ID, err)
		}
	}
	return len(docs), nil
}
