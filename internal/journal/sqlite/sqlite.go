// Package sqlite is the embedded journal: one database file, reached by a
// pure-Go driver. Several processes on one machine may share the file
// (WAL, writers serialised by BEGIN IMMEDIATE); several nodes need the
// postgres adapter.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/journal"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Journal is the embedded journal.
type Journal struct {
	db      *sql.DB
	applied map[int]bool
}

var _ journal.Store = (*Journal)(nil)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Open opens (and creates) the journal database at path and brings its
// schema up to date.
func Open(ctx context.Context, path string) (*Journal, error) {
	// synchronous=NORMAL in WAL mode: a power loss may lose the last
	// commits, never consistency, and every step is safe to repeat.
	return openSync(ctx, path, "NORMAL")
}

// openSync opens the journal with the given synchronous pragma; FULL lets
// the benchmark compare with PostgreSQL's durable commits.
func openSync(ctx context.Context, path, synchronous string) (*Journal, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(" + synchronous + ")&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	}
	// SQLite allows one writer; one connection avoids SQLITE_BUSY between
	// our own goroutines while WAL still lets other processes read.
	db.SetMaxOpenConns(1)
	j := &Journal{db: db}
	if err := j.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("journal: migrate %s: %w", path, err)
	}
	return j, nil
}

// migrate applies the missing schema versions in one BEGIN IMMEDIATE
// transaction: a second process starting at the same moment waits for the
// write lock and then finds the versions applied.
func (s *Journal) migrate(ctx context.Context) error {
	scripts, err := journal.Scripts(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil) // _txlock=immediate: BEGIN IMMEDIATE
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied INTEGER NOT NULL)`); err != nil {
		return err
	}
	have := map[int]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		have[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	s.applied = map[int]bool{}
	for _, sc := range scripts {
		if have[sc.Version] {
			continue
		}
		if _, err := tx.ExecContext(ctx, sc.SQL); err != nil {
			return fmt.Errorf("version %d (%s): %w", sc.Version, sc.Name, err)
		}
		if sc.Version == 1 {
			if err := addMailColumns(ctx, tx); err != nil {
				return fmt.Errorf("version 1: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`,
			sc.Version, sc.Name, time.Now().UnixMicro()); err != nil {
			return err
		}
		s.applied[sc.Version] = true
	}
	return tx.Commit()
}

// addMailColumns gives a journal made before mail intake the columns
// version 1 has (CREATE TABLE IF NOT EXISTS left its table as it was).
func addMailColumns(ctx context.Context, tx *sql.Tx) error {
	cols := map[string]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT name FROM pragma_table_info('documents')`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		cols[n] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range []string{"channel", "origin"} {
		if !cols[c] {
			if _, err := tx.ExecContext(ctx, `ALTER TABLE documents ADD COLUMN `+c+` TEXT NOT NULL DEFAULT ''`); err != nil {
				return err
			}
		}
	}
	return nil
}

// Migrations lists the applied schema versions.
func (s *Journal) Migrations(ctx context.Context) ([]journal.Migration, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT version, name, applied FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	defer rows.Close()
	var out []journal.Migration
	for rows.Next() {
		var m journal.Migration
		var at int64
		if err := rows.Scan(&m.Version, &m.Name, &at); err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		m.Applied, m.Now = time.UnixMicro(at).UTC(), s.applied[m.Version]
		out = append(out, m)
	}
	return out, rows.Err()
}

// Prune deletes the events older than before of terminal documents, in
// batches so that other writers wait for one short transaction at most.
func (s *Journal) Prune(ctx context.Context, before time.Time) (int, error) {
	total := 0
	for {
		res, err := s.db.ExecContext(ctx, `DELETE FROM events WHERE seq IN (
			SELECT e.seq FROM events e JOIN documents d ON d.id = e.doc_id
			WHERE e.time < ? AND d.state IN (?, ?, ?, ?) LIMIT 5000)`,
			before.UnixMicro(), journal.StateDelivered, journal.StateFailed, journal.StateDuplicate, journal.StateSplit)
		if err != nil {
			return total, fmt.Errorf("journal: prune: %w", err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
		if n < 5000 {
			return total, nil
		}
	}
}

// Close closes the database.
func (s *Journal) Close() error { return s.db.Close() }

// Ping checks that the database answers.
func (s *Journal) Ping(ctx context.Context) error {
	var one int
	return s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Create inserts doc unless a document with its ID exists; then it returns
// the existing one and created=false. This is what makes intake idempotent.
func (s *Journal) Create(ctx context.Context, doc *journal.Document) (existing *journal.Document, created bool, err error) {
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
	case !errors.Is(err, journal.ErrNotFound):
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
func (s *Journal) Get(ctx context.Context, id string) (*journal.Document, error) {
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
		var e journal.Event
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
func (s *Journal) Update(ctx context.Context, id string, ev journal.Event, fn func(*journal.Document) error) (*journal.Document, error) {
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
func (s *Journal) List(ctx context.Context, f journal.Filter) ([]journal.Document, error) {
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
func (s *Journal) Unfinished(ctx context.Context) ([]journal.Document, error) {
	return queryDocs(ctx, s.db, `SELECT `+docColumns+` FROM documents WHERE state IN (?, ?) ORDER BY created`, journal.StateReceived, journal.StateProcessing)
}

// ByInvoiceKey returns the documents carrying the invoice key, oldest first.
func (s *Journal) ByInvoiceKey(ctx context.Context, key string) ([]journal.Document, error) {
	if key == "" {
		return nil, nil
	}
	return queryDocs(ctx, s.db, `SELECT `+docColumns+` FROM documents WHERE invoice_key = ? ORDER BY created`, key)
}

// ClaimInvoiceKeys records that document id carries the invoice keys, with
// facts describing the invoice, and returns the documents that claimed any
// of the keys before id first did, oldest first; failed documents are left
// out. It is one transaction: of two documents claiming a key at the same
// time exactly one sees the other. Claiming again under the same id adds
// new keys but keeps its place, so a retried step sees the same documents.
func (s *Journal) ClaimInvoiceKeys(ctx context.Context, id string, keys []string, facts []byte) ([]journal.InvoiceClaim, error) {
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
	args = append(args, id, journal.StateFailed, id)
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("journal: invoice keys: %w", err)
	}
	var out []journal.InvoiceClaim
	for rows.Next() {
		var c journal.InvoiceClaim
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
func (s *Journal) Counts(ctx context.Context) (map[string]int, error) {
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

const docColumns = `id, source_name, profile, state, kind, format, pages, step, work_path, target, error, duplicate_of, fields, invoice_key, created, updated, channel, origin, batch, parts`

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

type scanner interface{ Scan(dest ...any) error }

func scanDoc(r scanner) (*journal.Document, error) {
	var d journal.Document
	var target, fields, origin, batch, parts string
	var created, updated int64
	if err := r.Scan(&d.ID, &d.SourceName, &d.Profile, &d.State, &d.Kind, &d.Format, &d.Pages, &d.Step, &d.WorkPath,
		&target, &d.Error, &d.DuplicateOf, &fields, &d.InvoiceKey, &created, &updated, &d.Channel, &origin, &batch, &parts); err != nil {
		return nil, err
	}
	if err := journal.DecodeBatch(&d, batch, parts); err != nil {
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

func getDoc(ctx context.Context, q querier, id string) (*journal.Document, error) {
	d, err := scanDoc(q.QueryRowContext(ctx, `SELECT `+docColumns+` FROM documents WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", journal.ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return d, nil
}

func queryDocs(ctx context.Context, q querier, query string, args ...any) ([]journal.Document, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	defer rows.Close()
	var out []journal.Document
	for rows.Next() {
		d, err := scanDoc(rows)
		if err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		out = append(out, *d)
	}
	return out, rows.Err()
}

func putDoc(ctx context.Context, q querier, d *journal.Document, insert bool) error {
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
	batch, parts, err := journal.EncodeBatch(d)
	if err != nil {
		return err
	}
	args := []any{d.SourceName, d.Profile, d.State, d.Kind, d.Format, d.Pages, d.Step, d.WorkPath, target, d.Error,
		d.DuplicateOf, fields, d.InvoiceKey, d.Created.UnixMicro(), d.Updated.UnixMicro(), d.Channel, origin, batch, parts, d.ID}
	if insert {
		_, err = q.ExecContext(ctx, `INSERT INTO documents (source_name, profile, state, kind, format, pages, step, work_path, target, error,
			duplicate_of, fields, invoice_key, created, updated, channel, origin, batch, parts, id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, args...)
	} else {
		_, err = q.ExecContext(ctx, `UPDATE documents SET source_name=?, profile=?, state=?, kind=?, format=?, pages=?, step=?, work_path=?,
			target=?, error=?, duplicate_of=?, fields=?, invoice_key=?, created=?, updated=?, channel=?, origin=?, batch=?, parts=? WHERE id=?`, args...)
	}
	if err != nil {
		return fmt.Errorf("journal: store %s: %w", d.ID, err)
	}
	return nil
}

func putEvent(ctx context.Context, q querier, id string, e journal.Event) error {
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
func (s *Journal) MailboxState(ctx context.Context, account, folder string) (uidValidity, lastUID uint32, err error) {
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
func (s *Journal) SetMailboxState(ctx context.Context, account, folder string, uidValidity, lastUID uint32) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO mailboxes (account, folder, uidvalidity, last_uid) VALUES (?, ?, ?, ?)
		ON CONFLICT (account, folder) DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid`,
		account, folder, uidValidity, lastUID)
	if err != nil {
		return fmt.Errorf("journal: mailbox state: %w", err)
	}
	return nil
}
