package journal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/eingang/eingang/internal/dms"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// SQLite is the embedded journal.
type SQLite struct {
	db *sql.DB
}

const schema = `
CREATE TABLE IF NOT EXISTS documents (
	id           TEXT PRIMARY KEY,
	source_name  TEXT NOT NULL,
	profile      TEXT NOT NULL,
	state        TEXT NOT NULL,
	kind         TEXT NOT NULL DEFAULT '',
	format       TEXT NOT NULL DEFAULT '',
	pages        INTEGER NOT NULL DEFAULT 0,
	step         TEXT NOT NULL DEFAULT '',
	work_path    TEXT NOT NULL DEFAULT '',
	target       TEXT NOT NULL DEFAULT '',
	error        TEXT NOT NULL DEFAULT '',
	duplicate_of TEXT NOT NULL DEFAULT '',
	fields       TEXT NOT NULL DEFAULT '',
	invoice_key  TEXT NOT NULL DEFAULT '',
	created      INTEGER NOT NULL,
	updated      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_state ON documents(state, updated);
CREATE INDEX IF NOT EXISTS documents_updated ON documents(updated);
CREATE INDEX IF NOT EXISTS documents_created ON documents(created);
CREATE INDEX IF NOT EXISTS documents_state_created ON documents(state, created);
CREATE INDEX IF NOT EXISTS documents_invoice_key ON documents(invoice_key) WHERE invoice_key != '';
CREATE TABLE IF NOT EXISTS events (
	seq     INTEGER PRIMARY KEY AUTOINCREMENT,
	doc_id  TEXT NOT NULL,
	step    TEXT NOT NULL,
	time    INTEGER NOT NULL,
	outcome TEXT NOT NULL,
	detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS events_doc ON events(doc_id, seq);
CREATE TABLE IF NOT EXISTS invoice_keys (
	seq    INTEGER PRIMARY KEY AUTOINCREMENT,
	key    TEXT NOT NULL,
	doc_id TEXT NOT NULL,
	facts  TEXT NOT NULL DEFAULT '',
	UNIQUE (key, doc_id)
);
CREATE INDEX IF NOT EXISTS invoice_keys_doc ON invoice_keys(doc_id, seq);
CREATE TABLE IF NOT EXISTS mailboxes (
	account     TEXT NOT NULL,
	folder      TEXT NOT NULL,
	uidvalidity INTEGER NOT NULL,
	last_uid    INTEGER NOT NULL,
	PRIMARY KEY (account, folder)
);
`

// migrations add columns to journals created by earlier versions; an
// error saying the column exists is expected and ignored.
var migrations = []string{
	`ALTER TABLE documents ADD COLUMN channel TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE documents ADD COLUMN origin TEXT NOT NULL DEFAULT ''`,
}

// OpenSQLite opens (and creates) the journal database at path.
func OpenSQLite(ctx context.Context, path string) (*SQLite, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	}
	// SQLite allows one writer; one connection avoids SQLITE_BUSY between
	// our own goroutines while WAL still lets other processes read.
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("journal: create schema in %s: %w", path, err)
	}
	for _, m := range migrations {
		if _, err := db.ExecContext(ctx, m); err != nil && !strings.Contains(err.Error(), "duplicate column") {
			db.Close()
			return nil, fmt.Errorf("journal: migrate %s: %w", path, err)
		}
	}
	return &SQLite{db: db}, nil
}

// Close closes the database.
func (s *SQLite) Close() error { return s.db.Close() }

// Ping checks that the database answers.
func (s *SQLite) Ping(ctx context.Context) error {
	var one int
	return s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Create inserts doc unless a document with its ID exists; then it returns
// the existing one and created=false. This is what makes intake idempotent.
func (s *SQLite) Create(ctx context.Context, doc *Document) (existing *Document, created bool, err error) {
	now := time.Now().UTC()
	if doc.Created.IsZero() {
		doc.Created = now
	}
	doc.Updated = now
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, false, fmt.Errorf("journal: %w", err)
	}
	defer tx.Rollback()
	cur, err := getDoc(ctx, tx, doc.ID)
	switch {
	case err == nil:
		return cur, false, tx.Commit()
	case !errors.Is(err, ErrNotFound):
		return nil, false, err
	}
	if err := putDoc(ctx, tx, doc, true); err != nil {
		return nil, false, err
	}
	for _, e := range doc.Events {
		if err := putEvent(ctx, tx, doc.ID, e); err != nil {
			return nil, false, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, false, fmt.Errorf("journal: %w", err)
	}
	return nil, true, nil
}

// Get returns the document with its events.
func (s *SQLite) Get(ctx context.Context, id string) (*Document, error) {
	d, err := getDoc(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT step, time, outcome, detail FROM events WHERE doc_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e Event
		var t int64
		if err := rows.Scan(&e.Step, &t, &e.Outcome, &e.Detail); err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		e.Time = time.UnixMicro(t).UTC()
		d.Events = append(d.Events, e)
	}
	return d, rows.Err()
}

// Update applies fn to the current document and stores the result, adding
// ev (when ev.Step is set) in the same transaction. fn may return an error
// to abort without change.
func (s *SQLite) Update(ctx context.Context, id string, ev Event, fn func(*Document) error) (*Document, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	defer tx.Rollback()
	d, err := getDoc(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if fn != nil {
		if err := fn(d); err != nil {
			return nil, err
		}
	}
	d.Updated = time.Now().UTC()
	if err := putDoc(ctx, tx, d, false); err != nil {
		return nil, err
	}
	if ev.Step != "" {
		if ev.Time.IsZero() {
			ev.Time = d.Updated
		}
		if err := putEvent(ctx, tx, id, ev); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return d, nil
}

// List returns documents, newest first, without their events.
func (s *SQLite) List(ctx context.Context, f Filter) ([]Document, error) {
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var where []string
	args := []any{}
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if f.State != "" {
		add(`state = ?`, f.State)
	}
	if f.Profile != "" {
		add(`profile = ?`, f.Profile)
	}
	if f.Channel != "" {
		add(`channel = ?`, f.Channel)
	}
	if !f.Since.IsZero() {
		add(`created >= ?`, f.Since.UnixMicro())
	}
	if !f.Until.IsZero() {
		add(`created < ?`, f.Until.UnixMicro())
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q)
		// fields holds the invoice number and the sender among the rest.
		add(`(source_name LIKE ? ESCAPE '\' OR id LIKE ? ESCAPE '\' OR fields LIKE ? ESCAPE '\')`, "%"+esc+"%", strings.ToLower(esc)+"%", "%"+esc+"%")
	}
	q := `SELECT ` + docColumns + ` FROM documents`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	order := `updated`
	if f.ByArrival {
		order = `created`
	}
	q += ` ORDER BY ` + order + ` DESC, id LIMIT ? OFFSET ?`
	args = append(args, limit, max(f.Offset, 0))
	return queryDocs(ctx, s.db, q, args...)
}

// Unfinished returns the documents that are neither delivered, failed nor
// duplicates, oldest first: the work to re-enqueue after a restart.
func (s *SQLite) Unfinished(ctx context.Context) ([]Document, error) {
	return queryDocs(ctx, s.db, `SELECT `+docColumns+` FROM documents WHERE state IN (?, ?) ORDER BY created`, StateReceived, StateProcessing)
}

// ByInvoiceKey returns the documents carrying the invoice key, oldest first.
func (s *SQLite) ByInvoiceKey(ctx context.Context, key string) ([]Document, error) {
	if key == "" {
		return nil, nil
	}
	return queryDocs(ctx, s.db, `SELECT `+docColumns+` FROM documents WHERE invoice_key = ? ORDER BY created`, key)
}

// InvoiceClaim is an earlier document that claimed one of the invoice keys
// asked for (see ClaimInvoiceKeys).
type InvoiceClaim struct {
	DocID      string
	SourceName string
	Created    time.Time
	// Facts is what the claiming step recorded about the invoice.
	Facts []byte
}

// ClaimInvoiceKeys records that document id carries the invoice keys, with
// facts describing the invoice, and returns the documents that claimed any
// of the keys before id first did, oldest first; failed documents are left
// out. It is one transaction: of two documents claiming a key at the same
// time exactly one sees the other. Claiming again under the same id adds
// new keys but keeps its place, so a retried step sees the same documents.
func (s *SQLite) ClaimInvoiceKeys(ctx context.Context, id string, keys []string, facts []byte) ([]InvoiceClaim, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	defer tx.Rollback()
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, `INSERT INTO invoice_keys (key, doc_id, facts) VALUES (?, ?, ?)
			ON CONFLICT (key, doc_id) DO UPDATE SET facts = excluded.facts`, k, id, string(facts)); err != nil {
			return nil, fmt.Errorf("journal: claim invoice key for %s: %w", id, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE invoice_keys SET facts = ? WHERE doc_id = ?`, string(facts), id); err != nil {
		return nil, fmt.Errorf("journal: claim invoice key for %s: %w", id, err)
	}
	q := `SELECT k.doc_id, COALESCE(d.source_name, ''), COALESCE(d.created, 0), k.facts, MIN(k.seq) AS first
		FROM invoice_keys k LEFT JOIN documents d ON d.id = k.doc_id
		WHERE k.key IN (?` + strings.Repeat(",?", len(keys)-1) + `) AND k.doc_id != ?
			AND COALESCE(d.state, '') != ?
			AND k.seq < (SELECT MIN(seq) FROM invoice_keys WHERE doc_id = ?)
		GROUP BY k.doc_id ORDER BY first`
	args := make([]any, 0, len(keys)+3)
	for _, k := range keys {
		args = append(args, k)
	}
	args = append(args, id, StateFailed, id)
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("journal: invoice keys: %w", err)
	}
	var out []InvoiceClaim
	for rows.Next() {
		var c InvoiceClaim
		var created, first int64
		var facts string
		if err := rows.Scan(&c.DocID, &c.SourceName, &created, &facts, &first); err != nil {
			rows.Close()
			return nil, fmt.Errorf("journal: invoice keys: %w", err)
		}
		c.Created, c.Facts = time.UnixMicro(created).UTC(), []byte(facts)
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("journal: invoice keys: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return out, nil
}

// Counts returns the number of documents per state (for metrics).
func (s *SQLite) Counts(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM documents GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		out[st] = n
	}
	return out, rows.Err()
}

const docColumns = `id, source_name, profile, state, kind, format, pages, step, work_path, target, error, duplicate_of, fields, invoice_key, created, updated, channel, origin`

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

type scanner interface{ Scan(dest ...any) error }

func scanDoc(r scanner) (*Document, error) {
	var d Document
	var target, fields, origin string
	var created, updated int64
	if err := r.Scan(&d.ID, &d.SourceName, &d.Profile, &d.State, &d.Kind, &d.Format, &d.Pages, &d.Step, &d.WorkPath,
		&target, &d.Error, &d.DuplicateOf, &fields, &d.InvoiceKey, &created, &updated, &d.Channel, &origin); err != nil {
		return nil, err
	}
	if origin != "" {
		if err := json.Unmarshal([]byte(origin), &d.Origin); err != nil {
			return nil, fmt.Errorf("journal: document %s: bad origin: %w", d.ID, err)
		}
	}
	if target != "" {
		d.Target = new(dms.Receipt)
		if err := json.Unmarshal([]byte(target), d.Target); err != nil {
			return nil, fmt.Errorf("journal: document %s: bad target: %w", d.ID, err)
		}
	}
	if fields != "" {
		if err := json.Unmarshal([]byte(fields), &d.Fields); err != nil {
			return nil, fmt.Errorf("journal: document %s: bad fields: %w", d.ID, err)
		}
	}
	d.Created = time.UnixMicro(created).UTC()
	d.Updated = time.UnixMicro(updated).UTC()
	return &d, nil
}

func getDoc(ctx context.Context, q querier, id string) (*Document, error) {
	d, err := scanDoc(q.QueryRowContext(ctx, `SELECT `+docColumns+` FROM documents WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return d, nil
}

func queryDocs(ctx context.Context, q querier, query string, args ...any) ([]Document, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	defer rows.Close()
	var out []Document
	for rows.Next() {
		d, err := scanDoc(rows)
		if err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		out = append(out, *d)
	}
	return out, rows.Err()
}

func putDoc(ctx context.Context, q querier, d *Document, insert bool) error {
	var target, fields string
	if d.Target != nil {
		b, err := json.Marshal(d.Target)
		if err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		target = string(b)
	}
	if len(d.Fields) > 0 {
		b, err := json.Marshal(d.Fields)
		if err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		fields = string(b)
	}
	var origin string
	if len(d.Origin) > 0 {
		b, err := json.Marshal(d.Origin)
		if err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		origin = string(b)
	}
	args := []any{d.SourceName, d.Profile, d.State, d.Kind, d.Format, d.Pages, d.Step, d.WorkPath, target, d.Error,
		d.DuplicateOf, fields, d.InvoiceKey, d.Created.UnixMicro(), d.Updated.UnixMicro(), d.Channel, origin, d.ID}
	var err error
	if insert {
		_, err = q.ExecContext(ctx, `INSERT INTO documents (source_name, profile, state, kind, format, pages, step, work_path, target, error,
			duplicate_of, fields, invoice_key, created, updated, channel, origin, id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, args...)
	} else {
		_, err = q.ExecContext(ctx, `UPDATE documents SET source_name=?, profile=?, state=?, kind=?, format=?, pages=?, step=?, work_path=?,
			target=?, error=?, duplicate_of=?, fields=?, invoice_key=?, created=?, updated=?, channel=?, origin=? WHERE id=?`, args...)
	}
	if err != nil {
		return fmt.Errorf("journal: store %s: %w", d.ID, err)
	}
	return nil
}

func putEvent(ctx context.Context, q querier, id string, e Event) error {
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	_, err := q.ExecContext(ctx, `INSERT INTO events (doc_id, step, time, outcome, detail) VALUES (?,?,?,?,?)`,
		id, e.Step, e.Time.UnixMicro(), e.Outcome, e.Detail)
	if err != nil {
		return fmt.Errorf("journal: event for %s: %w", id, err)
	}
	return nil
}

// MailboxState returns the UIDVALIDITY and the last UID handled of an
// account's folder (zeros when it was never read).
func (s *SQLite) MailboxState(ctx context.Context, account, folder string) (uidValidity, lastUID uint32, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT uidvalidity, last_uid FROM mailboxes WHERE account = ? AND folder = ?`, account, folder).Scan(&uidValidity, &lastUID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("journal: mailbox state: %w", err)
	}
	return uidValidity, lastUID, nil
}

// SetMailboxState records the UIDVALIDITY and last UID handled of an
// account's folder.
func (s *SQLite) SetMailboxState(ctx context.Context, account, folder string, uidValidity, lastUID uint32) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO mailboxes (account, folder, uidvalidity, last_uid) VALUES (?, ?, ?, ?)
		ON CONFLICT (account, folder) DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid`,
		account, folder, uidValidity, lastUID)
	if err != nil {
		return fmt.Errorf("journal: mailbox state: %w", err)
	}
	return nil
}
