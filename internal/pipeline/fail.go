package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/eingang/eingang/internal/journal"
)

// Fail ends a document's processing: the original goes to the error folder
// with NAME.error.txt beside it — the clerk's German sentence, then the
// technical detail and the document id — and the journal records the state
// failed. clerk may be empty; then a general sentence is used. Calling Fail
// again for a failed document changes nothing.
func (p *Pipeline) Fail(ctx context.Context, id, step string, cause error, clerk string) error {
	doc, err := p.journal.Get(ctx, id)
	if err != nil {
		return err
	}
	if doc.State == journal.StateFailed {
		return nil
	}
	if doc.Terminal() {
		return nil
	}
	var dst string
	if _, err := os.Stat(doc.WorkPath); err == nil {
		dst, err = moveUnique(doc.WorkPath, p.cfg.Paths.Error, doc.SourceName)
		if err != nil {
			return fmt.Errorf("move to error folder: %w", err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	} else {
		// Already moved by an earlier attempt that died before the journal
		// update; the reason file goes beside the name it would have had.
		dst = filepath.Join(p.cfg.Paths.Error, doc.SourceName)
	}
	reason := reasonText(doc, step, cause, clerk, p.now().Format("02.01.2006 15:04:05"))
	if err := writeFileAtomic(dst+".error.txt", []byte(reason)); err != nil {
		return fmt.Errorf("write reason file: %w", err)
	}
	if _, err := p.journal.Update(ctx, id, journal.Event{Step: step, Outcome: "failed", Detail: cause.Error()}, func(d *journal.Document) error {
		d.State = journal.StateFailed
		d.Error = clerk + " (" + cause.Error() + ")"
		d.Step = ""
		// Where the original lies now: the status page's retry takes it
		// back from there.
		d.WorkPath = dst
		return nil
	}); err != nil {
		return err
	}
	_ = p.docDir(id).Remove()
	p.obs.DocumentFinished(journal.StateFailed)
	p.log.Warn("document failed", "id", id, "profile", doc.Profile, "step", step, "err", cause)
	return nil
}

func reasonText(doc *journal.Document, step string, cause error, clerk, when string) string {
	if clerk == "" {
		clerk = "Das Dokument konnte nicht verarbeitet werden."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", clerk)
	fmt.Fprintf(&b, "Die Datei „%s“ wurde deshalb in den Fehlerordner verschoben. Bitte prüfen Sie sie und legen Sie sie bei Bedarf korrigiert erneut in den Eingangsordner.\n\n", doc.SourceName)
	fmt.Fprintf(&b, "--- Technische Details (für die IT) ---\n")
	fmt.Fprintf(&b, "Dokument-ID: %s\n", doc.ID)
	fmt.Fprintf(&b, "Profil:      %s\n", doc.Profile)
	fmt.Fprintf(&b, "Schritt:     %s\n", step)
	fmt.Fprintf(&b, "Zeitpunkt:   %s\n", when)
	fmt.Fprintf(&b, "Fehler:      %s\n", cause)
	return b.String()
}
