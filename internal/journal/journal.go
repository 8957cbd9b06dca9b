// Package journal holds the records of every document's state and the
// events of its processing, and the interface of their storage. The
// adapters live in sub-packages: sqlite (the embedded default, a pure-Go
// driver) and postgres (for several nodes sharing one journal); one
// contract test suite (journaltest) runs against both.
package journal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	// StateSplit is a batch scan cut into documents of their own (see
	// Document.Parts); it is terminal like delivered.
	StateSplit = "split"
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
	// Batch is set on a document cut from a batch scan: which batch, which
	// part, which batch pages.
	Batch *BatchRef `json:"batch,omitempty"`
	// Parts are the ids of the documents a batch was split into, in
	// order (state split).
	Parts []string `json:"parts,omitempty"`
	// Fields are classification results and invoice fields.
	Fields map[string]string `json:"fields,omitempty"`
	// InvoiceKey identifies the invoice (seller + number + amount) across
	// files, to catch the same invoice arriving twice.
	InvoiceKey string    `json:"-"`
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated"`
	Events     []Event   `json:"events,omitempty"`
}

// BatchRef places a document in the batch scan it was cut from.
type BatchRef struct {
	// ID is the batch document's id.
	ID string `json:"id"`
	// Part is the 1-based number of the part in the batch.
	Part int `json:"part"`
	// Pages is the span of batch pages "from-to" the part covers.
	Pages string `json:"pages"`
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
	case StateDelivered, StateFailed, StateDuplicate, StateSplit:
		return true
	}
	return false
}

// TerminalStates are the states of documents that need no further
// processing (see Document.Terminal).
var TerminalStates = []string{StateDelivered, StateFailed, StateDuplicate, StateSplit}

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

// InvoiceClaim is an earlier document that claimed one of the invoice keys
// asked for (see Store.ClaimInvoiceKeys).
type InvoiceClaim struct {
	DocID      string
	SourceName string
	Created    time.Time
	// Facts is what the claiming step recorded about the invoice.
	Facts []byte
}

// Migration is one applied schema version.
type Migration struct {
	Version int
	Name    string
	Applied time.Time
	// Now is true when this process applied it (the others were there).
	Now bool
}

// Store is the journal's storage. Every method is safe for concurrent use,
// also by several processes on several nodes sharing one database.
type Store interface {
	// Create inserts doc unless a document with its ID exists; then it
	// returns the existing one (without events) and created=false. This
	// is what makes intake idempotent.
	Create(ctx context.Context, doc *Document) (existing *Document, created bool, err error)
	// Get returns the document with its events, oldest first; ErrNotFound
	// for unknown ids.
	Get(ctx context.Context, id string) (*Document, error)
	// Update applies fn to the current document and stores the result,
	// adding ev (when ev.Step is set) in the same transaction; concurrent
	// updates of one document are serialised, none is lost. fn may return
	// an error to abort without change.
	Update(ctx context.Context, id string, ev Event, fn func(*Document) error) (*Document, error)
	// List returns documents without their events, newest first (by
	// update, or by arrival with Filter.ByArrival).
	List(ctx context.Context, f Filter) ([]Document, error)
	// Unfinished returns the documents that are neither delivered, failed,
	// duplicates nor split, oldest first: the work to re-enqueue after a restart.
	Unfinished(ctx context.Context) ([]Document, error)
	// ByInvoiceKey returns the documents carrying the invoice key, oldest
	// first.
	ByInvoiceKey(ctx context.Context, key string) ([]Document, error)
	// ClaimInvoiceKeys records that document id carries the invoice keys,
	// with facts describing the invoice, and returns the documents that
	// claimed any of the keys before id first did, oldest first; failed
	// documents are left out. Of two documents claiming a key at the same
	// time — on any nodes — exactly one sees the other. Claiming again
	// under the same id adds new keys but keeps its place, so a retried
	// step sees the same documents.
	ClaimInvoiceKeys(ctx context.Context, id string, keys []string, facts []byte) ([]InvoiceClaim, error)
	// Counts returns the number of documents per state (for metrics).
	Counts(ctx context.Context) (map[string]int, error)
	// MailboxState returns the UIDVALIDITY and the last UID handled of an
	// account's folder (zeros when it was never read).
	MailboxState(ctx context.Context, account, folder string) (uidValidity, lastUID uint32, err error)
	// SetMailboxState records the UIDVALIDITY and last UID handled of an
	// account's folder.
	SetMailboxState(ctx context.Context, account, folder string, uidValidity, lastUID uint32) error
	// Prune deletes the events older than before of documents in a
	// terminal state and returns how many; the document records stay.
	Prune(ctx context.Context, before time.Time) (int, error)
	// Migrations lists the applied schema versions, oldest first.
	Migrations(ctx context.Context) ([]Migration, error)
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// EncodeBatch returns the JSON the adapters store for d.Batch and d.Parts
// ("" for none, so that ordinary documents keep empty columns).
func EncodeBatch(d *Document) (batch, parts string, err error) {
	if d.Batch != nil {
		b, err := json.Marshal(d.Batch)
		if err != nil {
			return "", "", fmt.Errorf("journal: %w", err)
		}
		batch = string(b)
	}
	if len(d.Parts) > 0 {
		b, err := json.Marshal(d.Parts)
		if err != nil {
			return "", "", fmt.Errorf("journal: %w", err)
		}
		parts = string(b)
	}
	return batch, parts, nil
}

// DecodeBatch sets d.Batch and d.Parts from what EncodeBatch stored.
func DecodeBatch(d *Document, batch, parts string) error {
	if batch != "" {
		d.Batch = new(BatchRef)
		if err := json.Unmarshal([]byte(batch), d.Batch); err != nil {
			return fmt.Errorf("journal: document %s: bad batch: %w", d.ID, err)
		}
	}
	if parts != "" {
		if err := json.Unmarshal([]byte(parts), &d.Parts); err != nil {
			return fmt.Errorf("journal: document %s: bad parts: %w", d.ID, err)
		}
	}
	return nil
}
