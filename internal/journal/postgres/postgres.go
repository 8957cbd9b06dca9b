// Package postgres is the journal for several nodes: one PostgreSQL
// database shared by every watch, work and serve process. State changes
// are row-locked transactions, so no update is lost whichever node makes
// it, and the claims of an invoice key are serialised by a unique key.
package postgres

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/journal"
)

// Journal is a journal in a PostgreSQL database.
type Journal struct {
	pool    *pgxpool.Pool
	applied map[int]bool
}

var _ journal.Store = (*Journal)(nil)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLock is the key of the advisory lock held while migrating, so
// that of several nodes starting at once one migrates and the others wait
// and find the schema current. The value is arbitrary but fixed ("eingang"
// in ASCII).
const migrationLock = 0x65696e67616e67

// Open connects to the database dsn names and brings its schema up to
// date. A non-empty password replaces the DSN's (it is kept out of the
// DSN, in a file or variable). Errors never contain the password.
func Open(ctx context.Context, dsn, password string) (*Journal, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err) // pgconn redacts the password
	}
	if password != "" {
		cfg.ConnConfig.Password = password
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	j := &Journal{pool: pool}
	if err := j.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("journal: migrate database %s on %s: %w", cfg.ConnConfig.Database, cfg.ConnConfig.Host, err)
	}
	return j, nil
}

// Check connects to the database dsn names and returns how many schema
// versions are not applied yet, changing nothing (for eingang doctor).
func Check(ctx context.Context, dsn, password string) (pending int, err error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return 0, fmt.Errorf("journal: %w", err)
	}
	if password != "" {
		cfg.Password = password
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return 0, fmt.Errorf("journal: %w", err)
	}
	defer conn.Close(ctx)
	scripts, err := journal.Scripts(migrationFiles, "migrations")
	if err != nil {
		return 0, err
	}
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, fmt.Errorf("journal: %w", err)
	}
	have := 0
	if exists {
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&have); err != nil {
			return 0, fmt.Errorf("journal: %w", err)
		}
	}
	return max(len(scripts)-have, 0), nil
}

// migrate applies the missing schema versions, each in its own
// transaction, under a session advisory lock.
func (s *Journal) migrate(ctx context.Context) error {
	scripts, err := journal.Scripts(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		return err
	}
	defer func() {
		// A lost connection releases the lock anyway; so does this with a
		// context of its own, when ctx is already done.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		conn.Exec(uctx, `SELECT pg_advisory_unlock($1)`, int64(migrationLock))
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TIMESTAMPTZ NOT NULL)`); err != nil {
		return err
	}
	rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return err
	}
	have, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return err
	}
	s.applied = map[int]bool{}
	for _, sc := range scripts {
		if slices.Contains(have, sc.Version) {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			// Without arguments Exec uses the simple protocol, which runs
			// the file's several statements.
			if _, err := tx.Exec(ctx, sc.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES ($1, $2, now())`, sc.Version, sc.Name)
			return err
		})
		if err != nil {
			return fmt.Errorf("version %d (%s): %w", sc.Version, sc.Name, err)
		}
		s.applied[sc.Version] = true
	}
	return nil
}

// Migrations lists the applied schema versions.
func (s *Journal) Migrations(ctx context.Context) ([]journal.Migration, error) {
	rows, err := s.pool.Query(ctx, `SELECT version, name, applied FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (journal.Migration, error) {
		var m journal.Migration
		err := r.Scan(&m.Version, &m.Name, &m.Applied)
		m.Applied, m.Now = m.Applied.UTC(), s.applied[m.Version]
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return out, nil
}

// Close closes the connection pool.
func (s *Journal) Close() error {
	s.pool.Close()
	return nil
}

// Ping checks that the database answers.
func (s *Journal) Ping(ctx context.Context) error {
	var one int
	if err := s.pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return nil
}

// Round trips, not the server's work, dominate the journal's cost per
// document (a dozen statements of microseconds each), so every method
// sends its statements in as few pipelined batches as its logic allows:
// Create, Get and ClaimInvoiceKeys one, Update two (fn runs between).

// Create inserts doc unless a document with its ID exists; then it returns
// the existing one and created=false. One statement: the events are
// inserted only with the document, and a concurrent insert of the same id
// waits on the primary key and then does nothing.
func (s *Journal) Create(ctx context.Context, doc *journal.Document) (existing *journal.Document, created bool, err error) {
	now := time.Now().UTC()
	if doc.Created.IsZero() {
		doc.Created = now
	}
	doc.Updated = now
	args, err := docArgs(doc)
	if err != nil {
		return nil, false, err
	}
	steps, times, outcomes, details := make([]string, len(doc.Events)), make([]time.Time, len(doc.Events)),
		make([]string, len(doc.Events)), make([]string, len(doc.Events))
	for i, e := range doc.Events {
		if e.Time.IsZero() {
			e.Time = now
		}
		steps[i], times[i], outcomes[i], details[i] = e.Step, e.Time, e.Outcome, e.Detail
	}
	n := len(args)
	args = append(args, steps, times, outcomes, details)
	var inserted int
	err = s.pool.QueryRow(ctx, fmt.Sprintf(`WITH d AS (
			INSERT INTO documents (`+docColumns+`) VALUES (`+placeholders(n)+`) ON CONFLICT (id) DO NOTHING RETURNING id),
		-- A data-modifying WITH runs even when unreferenced.
		e AS (
			INSERT INTO events (doc_id, step, time, outcome, detail)
			SELECT d.id, x.step, x.time, x.outcome, x.detail
			FROM d, unnest($%d::text[], $%d::timestamptz[], $%d::text[], $%d::text[]) WITH ORDINALITY AS x(step, time, outcome, detail, n)
			ORDER BY x.n)
		SELECT count(*) FROM d`, n+1, n+2, n+3, n+4), args...).Scan(&inserted)
	if err != nil {
		// Not run again here: whether a lost reply committed is unknown,
		// and the caller must not take its own document for an older one.
		s.lost(err)
		return nil, false, fmt.Errorf("journal: store %s: %w", doc.ID, err)
	}
	if inserted == 0 {
		existing, err = getDoc(ctx, s.pool, doc.ID, false)
		return existing, false, err
	}
	return nil, true, nil
}

// Get returns the document with its events.
func (s *Journal) Get(ctx context.Context, id string) (*journal.Document, error) {
	return retryLost(ctx, s, func() (*journal.Document, error) { return s.get(ctx, id) })
}

func (s *Journal) get(ctx context.Context, id string) (*journal.Document, error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT `+docColumns+` FROM documents WHERE id = $1`, id)
	b.Queue(`SELECT step, time, outcome, detail FROM events WHERE doc_id = $1 ORDER BY seq`, id)
	br := s.pool.SendBatch(ctx, b)
	defer br.Close()
	d, err := scanDoc(br.QueryRow())
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", journal.ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	d.Events, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (journal.Event, error) {
		var e journal.Event
		err := r.Scan(&e.Step, &e.Time, &e.Outcome, &e.Detail)
		e.Time = e.Time.UTC()
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if err := br.Close(); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return d, nil
}

// Update applies fn to the current document and stores the result, adding
// ev (when ev.Step is set) in the same transaction. The row is read FOR
// UPDATE: a concurrent Update of the document, from any node, waits until
// this one commits and then reads its result.
func (s *Journal) Update(ctx context.Context, id string, ev journal.Event, fn func(*journal.Document) error) (*journal.Document, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	// A connection still in a transaction (a failed ROLLBACK) is closed
	// by the pool, never handed out again.
	defer conn.Release()
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	b.Queue(`SELECT `+docColumns+` FROM documents WHERE id = $1 FOR UPDATE`, id)
	br := conn.SendBatch(ctx, b)
	_, err = br.Exec()
	var d *journal.Document
	if err == nil {
		d, err = scanDoc(br.QueryRow())
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		rollback(ctx, conn)
		s.lost(err)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("%w: %s", journal.ErrNotFound, id)
		}
		return nil, fmt.Errorf("journal: %w", err)
	}
	if fn != nil {
		if err := fn(d); err != nil {
			rollback(ctx, conn)
			return nil, err
		}
	}
	d.Updated = time.Now().UTC()
	args, err := docArgs(d)
	if err != nil {
		rollback(ctx, conn)
		return nil, err
	}
	b = &pgx.Batch{}
	b.Queue(`UPDATE documents SET (`+docColumns+`) = (`+placeholders(len(args))+`) WHERE id = $1`, args...)
	if ev.Step != "" {
		if ev.Time.IsZero() {
			ev.Time = d.Updated
		}
		b.Queue(insertEvent, id, ev.Step, ev.Time, ev.Outcome, ev.Detail)
	}
	b.Queue(`COMMIT`)
	// In the pipeline a failed statement skips the rest, COMMIT too.
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		rollback(ctx, conn)
		s.lost(err)
		return nil, fmt.Errorf("journal: store %s: %w", id, err)
	}
	return d, nil
}

// rollback ends the transaction on conn, also when ctx is done.
func rollback(ctx context.Context, conn *pgxpool.Conn) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	conn.Exec(rctx, `ROLLBACK`)
}

// List returns documents, newest first, without their events.
func (s *Journal) List(ctx context.Context, f journal.Filter) ([]journal.Document, error) {
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		for _, v := range a {
			args = append(args, v)
			cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(args)), 1)
		}
		where = append(where, cond)
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
		add(`created >= ?`, f.Since)
	}
	if !f.Until.IsZero() {
		add(`created < ?`, f.Until)
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q)
		// fields holds the invoice number and the sender among the rest.
		add(`(source_name ILIKE ? ESCAPE '\' OR id LIKE ? ESCAPE '\' OR fields ILIKE ? ESCAPE '\')`, "%"+esc+"%", strings.ToLower(esc)+"%", "%"+esc+"%")
	}
	q := `SELECT ` + docColumns + ` FROM documents`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	order := `updated`
	if f.ByArrival {
		order = `created`
	}
	args = append(args, limit, max(f.Offset, 0))
	q += fmt.Sprintf(` ORDER BY %s DESC, id LIMIT $%d OFFSET $%d`, order, len(args)-1, len(args))
	return retryLost(ctx, s, func() ([]journal.Document, error) { return queryDocs(ctx, s.pool, q, args...) })
}

// Unfinished returns the documents that are neither delivered, failed nor
// duplicates, oldest first.
func (s *Journal) Unfinished(ctx context.Context) ([]journal.Document, error) {
	return retryLost(ctx, s, func() ([]journal.Document, error) {
		return queryDocs(ctx, s.pool, `SELECT `+docColumns+` FROM documents WHERE state IN ($1, $2) ORDER BY created`,
			journal.StateReceived, journal.StateProcessing)
	})
}

// ByInvoiceKey returns the documents carrying the invoice key, oldest first.
func (s *Journal) ByInvoiceKey(ctx context.Context, key string) ([]journal.Document, error) {
	if key == "" {
		return nil, nil
	}
	return retryLost(ctx, s, func() ([]journal.Document, error) {
		return queryDocs(ctx, s.pool, `SELECT `+docColumns+` FROM documents WHERE invoice_key = $1 ORDER BY created`, key)
	})
}

// ClaimInvoiceKeys records that document id carries the invoice keys and
// returns the documents that claimed any of them before.
//
// Under READ COMMITTED two transactions inserting their claims at once
// would not see each other; so each first locks the keys' rows in
// invoice_key_owners (inserting them when new — the primary key makes a
// concurrent inserter wait for the first to commit), in sorted order
// against deadlocks. The claim's sequence number is drawn after the locks,
// and the query after them sees every claim committed before.
func (s *Journal) ClaimInvoiceKeys(ctx context.Context, id string, keys []string, facts []byte) ([]journal.InvoiceClaim, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	// The claim of a document is the same however often it is made.
	return retryLost(ctx, s, func() ([]journal.InvoiceClaim, error) {
		b := &pgx.Batch{}
		b.Queue(`BEGIN`)
		for _, k := range sorted {
			b.Queue(`INSERT INTO invoice_key_owners (key, doc_id) VALUES ($1, $2)
				ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key`, k, id)
		}
		for _, k := range sorted {
			b.Queue(`INSERT INTO invoice_keys (key, doc_id, facts) VALUES ($1, $2, $3)
				ON CONFLICT (key, doc_id) DO UPDATE SET facts = EXCLUDED.facts`, k, id, string(facts))
		}
		b.Queue(`UPDATE invoice_keys SET facts = $1 WHERE doc_id = $2`, string(facts), id)
		b.Queue(`SELECT k.doc_id, COALESCE(MIN(d.source_name), ''), MIN(d.created), MIN(k.facts), MIN(k.seq) AS first
			FROM invoice_keys k LEFT JOIN documents d ON d.id = k.doc_id
			WHERE k.key = ANY($1) AND k.doc_id <> $2
				AND COALESCE(d.state, '') <> $3
				AND k.seq < (SELECT MIN(seq) FROM invoice_keys WHERE doc_id = $2)
			GROUP BY k.doc_id ORDER BY first`, sorted, id, journal.StateFailed)
		b.Queue(`COMMIT`)
		conn, err := s.pool.Acquire(ctx)
		if err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		defer conn.Release()
		br := conn.SendBatch(ctx, b)
		out, err := readClaims(br, 2+2*len(sorted))
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			rollback(ctx, conn)
			return nil, fmt.Errorf("journal: claim invoice keys for %s: %w", id, err)
		}
		return out, nil
	})
}

// readClaims reads the results of ClaimInvoiceKeys's batch: skip
// statements, then the claims.
func readClaims(br pgx.BatchResults, skip int) ([]journal.InvoiceClaim, error) {
	for range skip {
		if _, err := br.Exec(); err != nil {
			return nil, err
		}
	}
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (journal.InvoiceClaim, error) {
		var c journal.InvoiceClaim
		var created *time.Time
		var facts string
		var first int64
		err := r.Scan(&c.DocID, &c.SourceName, &created, &facts, &first)
		// As the sqlite adapter: a claim without a document has the zero
		// Unix time.
		c.Created, c.Facts = time.UnixMicro(0).UTC(), []byte(facts)
		if created != nil {
			c.Created = created.UTC()
		}
		return c, err
	})
}

// Counts returns the number of documents per state.
func (s *Journal) Counts(ctx context.Context) (map[string]int, error) {
	return retryLost(ctx, s, func() (map[string]int, error) { return s.counts(ctx) })
}

func (s *Journal) counts(ctx context.Context) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT state, COUNT(*) FROM documents GROUP BY state`)
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
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return out, nil
}

// MailboxState returns the UIDVALIDITY and the last UID handled of an
// account's folder (zeros when it was never read).
func (s *Journal) MailboxState(ctx context.Context, account, folder string) (uidValidity, lastUID uint32, err error) {
	var v, u int64
	err = s.pool.QueryRow(ctx, `SELECT uidvalidity, last_uid FROM mailboxes WHERE account = $1 AND folder = $2`, account, folder).Scan(&v, &u)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("journal: mailbox state: %w", err)
	}
	return uint32(v), uint32(u), nil
}

// SetMailboxState records the UIDVALIDITY and last UID handled of an
// account's folder.
func (s *Journal) SetMailboxState(ctx context.Context, account, folder string, uidValidity, lastUID uint32) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO mailboxes (account, folder, uidvalidity, last_uid) VALUES ($1, $2, $3, $4)
		ON CONFLICT (account, folder) DO UPDATE SET uidvalidity = EXCLUDED.uidvalidity, last_uid = EXCLUDED.last_uid`,
		account, folder, int64(uidValidity), int64(lastUID))
	if err != nil {
		return fmt.Errorf("journal: mailbox state: %w", err)
	}
	return nil
}

// Prune deletes the events older than before of terminal documents, in
// batches, so that no transaction holds many row locks for long.
func (s *Journal) Prune(ctx context.Context, before time.Time) (int, error) {
	const batch = 5000
	total := 0
	for {
		tag, err := s.pool.Exec(ctx, `DELETE FROM events WHERE seq IN (
			SELECT e.seq FROM events e JOIN documents d ON d.id = e.doc_id
			WHERE e.time < $1 AND d.state = ANY($2) LIMIT $3)`, before, journal.TerminalStates, batch)
		if err != nil {
			return total, fmt.Errorf("journal: prune: %w", err)
		}
		total += int(tag.RowsAffected())
		if tag.RowsAffected() < batch {
			return total, nil
		}
	}
}

// docColumns starts with id, which Update's WHERE id = $1 relies on.
const docColumns = `id, source_name, profile, state, kind, format, pages, step, work_path, target, error, duplicate_of, fields, invoice_key, created, updated, channel, origin, batch, parts`

func placeholders(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", i)
	}
	return b.String()
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func scanDoc(r pgx.Row) (*journal.Document, error) {
	var d journal.Document
	var target, fields, origin, batch, parts string
	if err := r.Scan(&d.ID, &d.SourceName, &d.Profile, &d.State, &d.Kind, &d.Format, &d.Pages, &d.Step, &d.WorkPath,
		&target, &d.Error, &d.DuplicateOf, &fields, &d.InvoiceKey, &d.Created, &d.Updated, &d.Channel, &origin, &batch, &parts); err != nil {
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
	d.Created, d.Updated = d.Created.UTC(), d.Updated.UTC()
	return &d, nil
}

func getDoc(ctx context.Context, q querier, id string, forUpdate bool) (*journal.Document, error) {
	sql := `SELECT ` + docColumns + ` FROM documents WHERE id = $1`
	if forUpdate {
		sql += ` FOR UPDATE`
	}
	d, err := scanDoc(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", journal.ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return d, nil
}

func queryDocs(ctx context.Context, q querier, sql string, args ...any) ([]journal.Document, error) {
	rows, err := q.Query(ctx, sql, args...)
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
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return out, nil
}

// docArgs are the values of docColumns, in order.
func docArgs(d *journal.Document) ([]any, error) {
	enc := func(v any, empty bool) (string, error) {
		if empty {
			return "", nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("journal: %w", err)
		}
		return string(b), nil
	}
	target, err := enc(d.Target, d.Target == nil)
	if err != nil {
		return nil, err
	}
	fields, err := enc(d.Fields, len(d.Fields) == 0)
	if err != nil {
		return nil, err
	}
	origin, err := enc(d.Origin, len(d.Origin) == 0)
	if err != nil {
		return nil, err
	}
	batch, parts, err := journal.EncodeBatch(d)
	if err != nil {
		return nil, err
	}
	return []any{d.ID, d.SourceName, d.Profile, d.State, d.Kind, d.Format, d.Pages, d.Step, d.WorkPath, target, d.Error,
		d.DuplicateOf, fields, d.InvoiceKey, d.Created, d.Updated, d.Channel, origin, batch, parts}, nil
}

const insertEvent = `INSERT INTO events (doc_id, step, time, outcome, detail) VALUES ($1, $2, $3, $4, $5)`

// retryLost runs a read, or a statement whose repetition changes nothing,
// again when its connection died under it. After
// the database server restarts, every connection of the pool is cut, and
// the pool learns it only when it next uses each one (it pings only those
// idle for over a second); so the first loss resets the whole pool, and
// the call runs again on a fresh connection, a few times while the server
// is still coming up. That spares the status page and the API an error
// for a restart that is over. Other writes are left to the queue's retry,
// which knows the step; they reset the pool too (see lost).
func retryLost[T any](ctx context.Context, s *Journal, read func() (T, error)) (T, error) {
	v, err := read()
	for _, wait := range []time.Duration{0, 200 * time.Millisecond, time.Second} {
		if err == nil || !s.lost(err) {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(wait):
		}
		v, err = read()
	}
	return v, err
}

// lost reports whether err means the connection was lost, and if so drops
// every connection of the pool: a lost connection almost always means
// the server went away, and then the idle ones are dead as well.
func (s *Journal) lost(err error) bool {
	if err == nil || !connectionLost(err) {
		return false
	}
	s.pool.Reset()
	return true
}

// connectionLost reports whether err means the connection, not the
// statement, failed: the server shut it down (SQLSTATE class 57P:
// admin or crash shutdown, cannot connect now), or it broke before or
// while the statement was sent.
func connectionLost(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "57P")
	}
	var ne net.Error
	return pgconn.SafeToRetry(err) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}
