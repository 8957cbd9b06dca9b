// Package fault decides, in one place, what a failure means: whether a
// retry can help (transient) or not (permanent), and what the clerk at the
// scan station reads about it. Domain packages only return wrapped errors;
// the worker boundary and intake ask Classify.
package fault

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/intake"
)

// ErrPermanent marks failures that no retry can fix (a document in an
// impossible state, a profile that was removed), for code that has no more
// specific sentinel.
var ErrPermanent = errors.New("permanent failure")

// Verdict is the classification of an error.
type Verdict struct {
	// Permanent failures go to the error folder at once; transient ones are
	// retried with backoff until the retry window ends.
	Permanent bool
	// Clerk is one German sentence for the scan station.
	Clerk string
}

// rule maps a sentinel (matched with errors.Is) to a verdict.
type rule struct {
	err     error
	verdict Verdict
}

// Rules are checked in order; the first match wins. Packages that add
// sentinel errors register them through Register (or RegisterFunc) at
// wiring time, so this package need not import every domain package.
type Rules struct {
	rules []rule
	funcs []func(error) (Verdict, bool)
}

// RegisterFunc adds a classifier for a package that decides itself which of
// its errors are permanent; it returns ok=false for errors it does not know.
func (r *Rules) RegisterFunc(f func(error) (Verdict, bool)) {
	r.funcs = append(r.funcs, f)
}

// Default returns the rules for the sentinels of intake, dms and the
// standard library.
func Default() *Rules {
	r := &Rules{}
	r.Register(intake.ErrEmpty, true, "Die Datei ist leer.")
	r.Register(intake.ErrIncomplete, true, "Die Datei ist beschädigt oder unvollständig und kann nicht gelesen werden.")
	r.Register(intake.ErrUnsupported, true, "Dieser Dateityp wird nicht unterstützt (erlaubt sind PDF, TIFF, JPEG, PNG, GIF, BMP, WebP, HEIC, ZIP-Archive, gespeicherte E-Mails (.eml) und XML-Rechnungen).")
	r.Register(intake.ErrTooLarge, true, "Die Datei ist zu groß für die automatische Verarbeitung.")
	r.Register(intake.ErrArchiveEncrypted, true, "Das ZIP-Archiv ist passwortgeschützt. Bitte die Dateien ohne Passwort oder einzeln einreichen.")
	r.Register(intake.ErrArchiveTooBig, true, "Das ZIP-Archiv enthält zu viele oder zu große Dateien (höchstens 200 Dateien und 1 GB entpackt). Bitte in kleinere Archive teilen oder die Dateien einzeln einreichen.")
	r.Register(intake.ErrArchiveNested, true, "Das ZIP-Archiv enthält zu tief ineinander verschachtelte Archive. Bitte die Dateien einzeln einreichen.")
	r.Register(intake.ErrArchiveEmpty, true, "Das ZIP-Archiv enthält keine Dateien.")
	r.Register(intake.ErrMailNothingUsable, true, "Die E-Mail enthält keinen Anhang, der verarbeitet werden kann (PDF, Bild, XML-Rechnung oder ZIP-Archiv). Ist der Text der Mail selbst das Schreiben, bitte die Mail als PDF speichern und erneut einreichen.")
	r.Register(ErrPermanent, true, "Das Dokument konnte nicht verarbeitet werden.")
	r.Register(os.ErrNotExist, true, "Die Datei war während der Verarbeitung nicht mehr vorhanden.")
	return r
}

// Register adds a sentinel with its verdict.
func (r *Rules) Register(err error, permanent bool, clerk string) {
	r.rules = append(r.rules, rule{err, Verdict{Permanent: permanent, Clerk: clerk}})
}

// Classify returns the verdict for err. Rejections by a DMS are permanent
// and carry the DMS's own reason; unknown errors are transient, because
// retrying a failure we do not understand is safer than dropping the
// document — the retry window still ends in the error folder.
func (r *Rules) Classify(err error) Verdict {
	var rej *dms.RejectedError
	if errors.As(err, &rej) {
		// A rejection with a status is the DMS's own verdict; one without
		// comes from the client (a template error, a workflow start whose
		// outcome is unknown), so there the lead-in says only that the
		// hand-over stopped.
		msg := "Die Übergabe an das Zielsystem " + rej.Target + " wurde nicht abgeschlossen."
		if rej.Status != 0 {
			msg = fmt.Sprintf("Das Zielsystem %s hat das Dokument abgelehnt (Status %d).", rej.Target, rej.Status)
		}
		if rej.Reason != "" {
			msg += " Begründung: " + rej.Reason
		}
		return Verdict{Permanent: true, Clerk: msg}
	}
	for _, ru := range r.rules {
		if errors.Is(err, ru.err) {
			return ru.verdict
		}
	}
	for _, f := range r.funcs {
		if v, ok := f(err); ok {
			return v
		}
	}
	var ne net.Error
	switch {
	case errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded):
		return Verdict{Clerk: "Das Zielsystem war nicht erreichbar; die Übergabe wurde mehrfach ohne Erfolg wiederholt."}
	}
	return Verdict{Clerk: "Bei der Verarbeitung ist ein technischer Fehler aufgetreten, der sich auch nach mehreren Versuchen nicht behoben hat."}
}
