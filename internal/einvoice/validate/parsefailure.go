package validate

import (
	"errors"
	"io/fs"

	"github.com/eingang/eingang/internal/einvoice"
)

// ParseFailure is the report finding for an input that did not parse, as
// the KoSIT validator words it: readable input that is no e-invoice (a
// plain PDF, FatturaPA, an unknown root) has no scenario; damaged, hostile
// or inaccessible input is unreadable, and so is XML that is not
// well-formed. unreadable tells the two apart.
func ParseFailure(err error) (f Finding, unreadable bool) {
	f = Finding{Severity: SeverityFatal, MessageEN: err.Error()}
	switch {
	case errors.Is(err, einvoice.ErrNotEInvoice), errors.Is(err, einvoice.ErrNoInvoiceInPDF):
		f.Rule = RuleNoScenario
		f.MessageDE = einvoice.MessageDE(err) + " Kein Prüfszenario anwendbar."
		return f, false
	case fileUnreadable(err):
		f.Rule = RuleFileUnreadable
		f.MessageDE = unreadableDE(err)
	default:
		// The bytes were read but are no well-formed, acceptable XML (also
		// the XML embedded in a readable PDF).
		f.Rule = RuleNotWellFormed
		f.MessageDE = einvoice.MessageDE(err)
	}
	return f, true
}

// fileUnreadable reports whether err means the file itself could not be
// read — missing, inaccessible, too large, or a PDF that does not open —
// as opposed to content that was read and found not to be well-formed.
func fileUnreadable(err error) bool {
	switch {
	case errors.Is(err, einvoice.ErrDamagedPDF), errors.Is(err, einvoice.ErrTooLarge):
		return true
	case errors.Is(err, einvoice.ErrMalformed), errors.Is(err, einvoice.ErrHostileXML),
		errors.Is(err, einvoice.ErrInvalidEncoding), errors.Is(err, einvoice.ErrNotEInvoice),
		errors.Is(err, einvoice.ErrNoInvoiceInPDF):
		return false
	}
	// Anything else comes from opening or reading the file.
	return true
}

// unreadableDE is the German sentence for a file that could not be read.
func unreadableDE(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "Die Datei gibt es nicht."
	case errors.Is(err, fs.ErrPermission):
		return "Die Datei darf nicht gelesen werden (fehlende Berechtigung)."
	case errors.Is(err, einvoice.ErrDamagedPDF), errors.Is(err, einvoice.ErrTooLarge):
		return einvoice.MessageDE(err)
	}
	return "Die Datei konnte nicht gelesen werden."
}
