package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/fields"
	"github.com/eingang/eingang/internal/intake"
	"github.com/eingang/eingang/internal/journal"
)

// Errors of the clerk's actions on the status page. None of them changes
// anything, so a repeated click is harmless.
var (
	// ErrNotFailed: retry asked for a document that is not failed (it was
	// retried already, or never failed).
	ErrNotFailed = errors.New("pipeline: document is not failed")
	// ErrOriginalGone: the failed document's original is no longer in the
	// error folder (a clerk moved or deleted it).
	ErrOriginalGone = errors.New("pipeline: original no longer in the error folder")
	// ErrStillBroken: a file refused at intake fails its content check
	// again; it stays in the error folder.
	ErrStillBroken = errors.New("pipeline: file fails its content check again")
	// ErrNoReview: mark-as-checked asked for a document that is no review
	// item.
	ErrNoReview = errors.New("pipeline: document needs no review")
	// ErrAlreadyChecked: the review item was marked as checked before.
	ErrAlreadyChecked = errors.New("pipeline: review already checked")
)

// Retry takes a failed document's original back from the error folder
// and runs it through the pipeline again, as if the scan station had
// dropped it into its hot folder once more: the claim goes through
// Register, which restarts the failed document and queues its first step.
// The reason file goes; the action is journaled with user.
func (in *Intake) Retry(ctx context.Context, id, user string) error {
	// One action at a time: two clicks racing for the same file would
	// otherwise see it gone from the error folder mid-way.
	in.mu.Lock()
	defer in.mu.Unlock()
	p := in.p
	doc, err := p.journal.Get(ctx, id)
	if err != nil {
		return err
	}
	if doc.State != journal.StateFailed {
		return fmt.Errorf("%w (%s)", ErrNotFailed, doc.State)
	}
	src, err := p.failedOriginal(doc)
	if err != nil {
		return err
	}
	rejected := doc.Fields[FieldIntakeRejected] != ""
	if rejected {
		// A refused file has a record of its own (see register); checking
		// it in place keeps that record instead of making another that
		// fails the same way.
		if _, err := intake.Detect(src); err != nil {
			if _, uerr := p.journal.Update(ctx, id, actionEvent("retry", user, "content check failed again: "+intake.RejectReason(err)), nil); uerr != nil {
				return uerr
			}
			return fmt.Errorf("%w: %w", ErrStillBroken, err)
		}
	}
	prof, ok := p.cfg.Profile(doc.Profile)
	if !ok {
		return fmt.Errorf("%w: %q", errProfileGone, doc.Profile)
	}
	if _, err := p.journal.Update(ctx, id, actionEvent("retry", user, "original taken back from the error folder"), func(d *journal.Document) error {
		if d.State != journal.StateFailed {
			return ErrNotFailed
		}
		return nil
	}); err != nil {
		return err
	}
	meta := intake.ClaimMeta{Channel: doc.Channel, Origin: doc.Origin}
	if meta.Channel == "" {
		meta.Channel = config.ChannelFolder
	}
	c, err := intake.ClaimFileAs(src, filepath.Join(p.ClaimDir(), prof.Name), prof.Name, meta)
	if err != nil {
		return fmt.Errorf("take back from the error folder: %w", err)
	}
	// The error folder may hold "Scan (2).pdf"; the document keeps its name.
	c.SourceName = doc.SourceName
	_ = os.Remove(src + ".error.txt")
	newID, err := in.Register(ctx, c)
	if err != nil {
		// The claimed file stays in the work area; the next start offers
		// it again (intake's recovery).
		return err
	}
	if rejected && newID != id {
		// The file passes now and became a document of its content; the
		// refused record points there instead of staying an error.
		_, err := p.journal.Update(ctx, id, journal.Event{Step: "action", Outcome: "retry", Detail: "continued as document " + newID}, func(d *journal.Document) error {
			d.State, d.DuplicateOf, d.WorkPath = journal.StateDuplicate, newID, ""
			return nil
		})
		return err
	}
	p.log.Info("failed document retried", "id", id, "profile", doc.Profile, "user", user)
	return nil
}

// failedOriginal is where the original of a failed document lies: the
// path Fail recorded, or, for documents failed before it recorded one,
// the name Fail would have given it. Only files inside the error folder
// are taken.
func (p *Pipeline) failedOriginal(doc *journal.Document) (string, error) {
	errDir, err := filepath.Abs(p.cfg.Paths.Error)
	if err != nil {
		return "", err
	}
	cand := doc.WorkPath
	if !inside(errDir, cand) {
		cand = filepath.Join(errDir, doc.SourceName)
	}
	if !inside(errDir, cand) {
		return "", ErrOriginalGone
	}
	st, err := os.Stat(cand)
	if errors.Is(err, os.ErrNotExist) || (err == nil && !st.Mode().IsRegular()) {
		return "", fmt.Errorf("%w: %s", ErrOriginalGone, filepath.Base(cand))
	}
	if err != nil {
		return "", err
	}
	if doc.Fields[FieldIntakeRejected] == "" {
		// The id is the content's hash: a file of the same name that a
		// clerk put there is not this document.
		if h, err := HashFile(cand); err != nil {
			return "", err
		} else if h != doc.ID {
			return "", fmt.Errorf("%w: %s has other content", ErrOriginalGone, filepath.Base(cand))
		}
	}
	return cand, nil
}

func inside(dir, path string) bool {
	if path == "" {
		return false
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(dir, abs)
	return err == nil && rel != "." && !strings.HasPrefix(rel, "..") && !filepath.IsAbs(rel)
}

// MarkChecked records that user looked at a review item (a delivered
// document with needs_review): the status page then shows it as checked
// instead of "zur Prüfung".
func (in *Intake) MarkChecked(ctx context.Context, id, user string) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	p := in.p
	when := p.now().UTC().Format("2006-01-02T15:04:05Z")
	_, err := p.journal.Update(ctx, id, actionEvent("checked", user, ""), func(d *journal.Document) error {
		if d.State != journal.StateDelivered || d.Fields[fields.NeedsReview] != "true" {
			return ErrNoReview
		}
		if by := d.Fields[fields.ReviewCheckedBy]; by != "" {
			return fmt.Errorf("%w by %s", ErrAlreadyChecked, by)
		}
		d.Fields[fields.ReviewCheckedBy] = user
		d.Fields[fields.ReviewCheckedAt] = when
		return nil
	})
	if err == nil {
		p.log.Info("review item checked", "id", id, "user", user)
	}
	return err
}

func actionEvent(outcome, user, detail string) journal.Event {
	d := "user=" + user
	if detail != "" {
		d += "; " + detail
	}
	return journal.Event{Step: "action", Outcome: outcome, Detail: d}
}
