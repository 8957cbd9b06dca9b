// Package journal persists every document's state and the events of its
// processing. The embedded default is SQLite through a pure-Go driver; the
// types here are what any other backend (PostgreSQL for multi-node setups)
// has to store.
package journal

import (
	"errors"
	"time"

	"github.com/eingang/eingang/internal/dms"
)

// States of a document.
const (
	StateReceived   = "received"
	StateProcessing = "processing"
	StateDelivered  = "delivered"
	StateFailed     = "failed"
	StateDuplicate  = "duplicate"
)

// ErrNotFound is returned for unknown document ids.
var ErrNotFound = errors.New("journal: document not found")

// Document is the journal's record of one incoming file.
type Document struct {
	// ID is the hex SHA-256 of the content (for duplicates: see DuplicateOf).
	ID         string `json:"id"`
	SourceName string `json:"source_name"`
	Profile    string `json:"profile"`
	State      string `json:"state"`
	Kind       string `json:"kind,omitempty"`
	// Format is the detected content type: pdf, tiff, jpeg, png, xml.
	Format string `json:"format,omitempty"`
	Pages  int    `json:"pages"`
	// Step is the next pipeline step to run; crash recovery re-enqueues it.
	Step string `json:"step,omitempty"`
	// Channel is how the document arrived: folder, mail or upload.
	Channel string `json:"channel,omitempty"`
	// Origin describes where it came from: for mail account, from, subject,
	// message_id and date; for upload the user; for folders the folder.
	Origin map[string]string `json:"origin,omitempty"`
	// WorkPath is where the claimed original lies while it is processed.
	WorkPath string       `json:"-"`
	Target   *dms.Receipt `json:"target,omitempty"`
	Error    string       `json:"error,omitempty"`
	// DuplicateOf names the document whose content this one repeats.
	DuplicateOf string `json:"duplicate_of,omitempty"`
	// Fields are classification results and invoice fields.
	Fields map[string]string `json:"fields,omitempty"`
	// InvoiceKey identifies the invoice (seller + number + amount) across
	// files, to catch the same invoice arriving twice.
	InvoiceKey string    `json:"-"`
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated"`
	Events     []Event   `json:"events,omitempty"`
}

// Event is one step of a document's processing.
type Event struct {
	Step    string    `json:"step"`
	Time    time.Time `json:"time"`
	Outcome string    `json:"outcome"` // ok, error, retry, skipped, …
	Detail  string    `json:"detail,omitempty"`
}

// Terminal reports whether the document needs no further processing.
func (d *Document) Terminal() bool {
	switch d.State {
	case StateDelivered, StateFailed, StateDuplicate:
		return true
	}
	return false
}

// Filter selects documents for List; empty fields select everything.
type Filter struct {
	State   string
	Profile string
	Channel string
	// Since and Until bound the time the document arrived (created):
	// Since <= created < Until.
	Since, Until time.Time
	// Search matches a part of the file name or of a field value (invoice
	// number, sender …; case-insensitive) or the start of the document id.
	Search string
	// Limit is the page size (default 100, at most 1000), Offset the
	// number of documents of earlier pages to skip.
	Limit, Offset int
	// ByArrival orders by arrival (newest first) instead of by the last
	// change.
	ByArrival bool
}
