// Package dms defines what eingang hands to a document management system
// (a "target") and what it gets back. The implementations live in the
// sub-packages archive (local folder, the embedded default), d3 (d.velop d.3
// REST) and fabasoft (Fabasoft eGov-Suite SOAP web service).
package dms

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Document is one incoming document ready for delivery.
type Document struct {
	// ID is the hex SHA-256 of the original content; targets use it as the
	// idempotency key, so delivering the same Document twice must not create
	// a second copy.
	ID         string
	SourceName string // file name as dropped by the scan station
	Profile    string // intake profile name
	Kind       string // classification (e.g. "rechnung", "post", "Mahnung")
	Route      string // office / Organisationseinheit, when classification chose one
	Pages      int
	// PDFPath is the file to deliver (the searchable or visualised PDF).
	PDFPath string
	// Text is the document's full text for full-text indexing.
	Text string
	// Received is when intake claimed the file.
	Received time.Time
	// Metadata holds profile defaults, classification results and invoice
	// fields (keys like invoice_number, grand_total, buyer_reference) that
	// targets map onto their own properties.
	Metadata map[string]string
	// Attachments are extra files delivered with the document (original
	// e-invoice XML, validation report, Transfervermerk).
	Attachments []Attachment
	// Channel is how the document arrived: folder, mail or upload.
	Channel string
	// Origin is where it came from; property templates read it as
	// {{.Origin.From}}, {{.Origin.Subject}} …
	Origin Origin
	// HoldWorkflow, when set, says why no workflow may start for this
	// document (a possible second copy of an invoice goes to a person, not
	// into the Rechnungsworkflow). Targets store and file it as usual.
	HoldWorkflow string
}

// Origin describes where a document came from: for mail the account,
// sender, subject, Message-ID and date; for an upload the user; for a hot
// folder the folder.
type Origin struct {
	Account   string `json:"account,omitempty"`
	From      string `json:"from,omitempty"`
	Subject   string `json:"subject,omitempty"`
	MessageID string `json:"message_id,omitempty"`
	Date      string `json:"date,omitempty"`
	User      string `json:"user,omitempty"`
	Folder    string `json:"folder,omitempty"`
}

// OriginFrom reads the journal's origin fields (keys as in Origin's JSON).
func OriginFrom(m map[string]string) Origin {
	return Origin{Account: m["account"], From: m["from"], Subject: m["subject"], MessageID: m["message_id"],
		Date: m["date"], User: m["user"], Folder: m["folder"]}
}

// Attachment is an additional file that travels with a Document.
type Attachment struct {
	Name      string
	MediaType string
	Path      string
}

// Receipt records where a target stored a document.
type Receipt struct {
	Target string `json:"target"`        // target name from config
	Ref    string `json:"ref"`           // the target's own id of the document
	URL    string `json:"url,omitempty"` // where a person can open it, if known
	// Workflow is the id of the started workflow / process instance, if any.
	Workflow string `json:"workflow,omitempty"`
	// Existing is true when the target already held the document and nothing
	// new was created (idempotent re-delivery).
	Existing bool `json:"existing,omitempty"`
}

// Target stores documents. Deliver must be idempotent on Document.ID.
type Target interface {
	Name() string
	Deliver(ctx context.Context, doc *Document) (Receipt, error)
}

// Pinger is implemented by targets that can check their reachability (used
// by `eingang doctor` and /readyz).
type Pinger interface {
	Ping(ctx context.Context) error
}

// RejectedError means the target refused the document for a reason that a
// retry will not change (validation error, missing permission, bad
// metadata). Reason is the target's own message, shown to the clerk.
type RejectedError struct {
	Target string
	Status int // HTTP status or 0
	Reason string
	Err    error
}

func (e *RejectedError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("%s rejected the document (status %d): %s", e.Target, e.Status, e.Reason)
	}
	return fmt.Sprintf("%s rejected the document: %s", e.Target, e.Reason)
}

func (e *RejectedError) Unwrap() error { return e.Err }

// IsRejected reports whether err (or an error it wraps) is a *RejectedError.
func IsRejected(err error) bool {
	var r *RejectedError
	return errors.As(err, &r)
}

// RetryAfterError is a transient failure for which the target said when to
// come back (HTTP 429/503 with Retry-After).
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("target asks to retry after %s: %v", e.After, e.Err)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }
