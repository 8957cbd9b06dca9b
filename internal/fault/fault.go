// Package fault decides, in one place, what a failure means: whether a
// retry can help (transient) or not (permanent), and what the clerk at the
// scan station reads about it. The meaning of each sentinel error lives
// beside it, in its own package's Explain function; this package only asks
// those functions in turn and falls back to the network and deadline rules
// of the standard library. It imports no other eingang package, so every
// domain package may use ErrPermanent.
package fault

import (
	"context"
	"errors"
	"net"
	"os"
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

// An Explainer tells what the errors of one package mean: whether a retry
// can help and the German sentence for the clerk. It returns ok=false for
// errors it does not know. Transient errors get a sentence too: it is what
// the reason file says when the retry window runs out.
type Explainer func(err error) (permanent bool, clerk string, ok bool)

// Rules classifies errors by asking a list of Explainers.
type Rules struct {
	explain []Explainer
}

// New returns rules that ask the explainers in order (the first that knows
// an error wins), then this package's own sentinels, then the network and
// deadline fallback. Specific explainers come first so that an error which
// also wraps ErrPermanent or os.ErrNotExist keeps its specific sentence.
func New(explainers ...Explainer) *Rules {
	return &Rules{explain: append(append([]Explainer(nil), explainers...), Explain)}
}

// Explain knows ErrPermanent and the standard library's os.ErrNotExist.
func Explain(err error) (permanent bool, clerk string, ok bool) {
	return ownSentinels.Explain(err)
}

var ownSentinels = Table{
	Permanent(ErrPermanent, "Das Dokument konnte nicht verarbeitet werden."),
	Permanent(os.ErrNotExist, "Die Datei war während der Verarbeitung nicht mehr vorhanden."),
}

// Classify returns the verdict for err. Unknown errors are transient,
// because retrying a failure we do not understand is safer than dropping
// the document — the retry window still ends in the error folder.
func (r *Rules) Classify(err error) Verdict {
	for _, explain := range r.explain {
		if permanent, clerk, ok := explain(err); ok {
			return Verdict{Permanent: permanent, Clerk: clerk}
		}
	}
	var ne net.Error
	switch {
	case errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded):
		return Verdict{Clerk: "Das Zielsystem war nicht erreichbar; die Übergabe wurde mehrfach ohne Erfolg wiederholt."}
	}
	return Verdict{Clerk: "Bei der Verarbeitung ist ein technischer Fehler aufgetreten, der sich auch nach mehreren Versuchen nicht behoben hat."}
}

// A Table explains a package's sentinel errors, matched with errors.Is in
// order; packages whose errors need no more than a fixed sentence each
// build their Explain from one.
type Table []Entry

// Entry is one sentinel of a Table with its verdict.
type Entry struct {
	Err       error
	Permanent bool
	Clerk     string
}

// Explain returns the verdict of the first entry err matches.
func (t Table) Explain(err error) (permanent bool, clerk string, ok bool) {
	for _, e := range t {
		if errors.Is(err, e.Err) {
			return e.Permanent, e.Clerk, true
		}
	}
	return false, "", false
}

// Permanent is the Table entry of a sentinel no retry can fix.
func Permanent(err error, clerk string) Entry { return Entry{Err: err, Permanent: true, Clerk: clerk} }

// Transient is the Table entry of a sentinel a later retry may overcome;
// clerk is what the reason file says when the retry window runs out.
func Transient(err error, clerk string) Entry { return Entry{Err: err, Clerk: clerk} }
