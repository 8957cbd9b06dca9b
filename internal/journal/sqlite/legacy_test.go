package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// legacySchema is the DDL OpenSQLite ran before versioned migrations (its
// schema constant, then the columns of mail intake by ALTER TABLE): the
// var/journal.db of every installation so far.
const legacySchema = `
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
ALTER TABLE documents ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE documents ADD COLUMN origin TEXT NOT NULL DEFAULT '';
`

func legacyDB(t *testing.T, ddl string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "journal.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ddl); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLegacyJournalMigrates opens a journal the previous code created:
// it becomes version 1 unchanged (then version 2 is applied), and every
// record stays.
func TestLegacyJournalMigrates(t *testing.T) {
	ctx := context.Background()
	path := legacyDB(t, legacySchema+`
		INSERT INTO documents (id, source_name, profile, state, fields, invoice_key, created, updated, channel, origin)
			VALUES ('old', 'RE-1.pdf', 'rechnung', 'delivered', '{"invoice_number":"R-1"}', 'k1', 1000000, 2000000, 'mail', '{"from":"a@b.example"}');
		INSERT INTO events (doc_id, step, time, outcome, detail) VALUES ('old', 'intake', 1000000, 'ok', ''), ('old', 'deliver', 2000000, 'ok', 'archive');
		INSERT INTO invoice_keys (key, doc_id, facts) VALUES ('k1', 'old', '{"n":1}');
		INSERT INTO mailboxes (account, folder, uidvalidity, last_uid) VALUES ('rechnung', 'INBOX', 7, 42);`)
	for i := range 2 {
		j, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := j.Migrations(ctx)
		if err != nil || len(ms) != 3 || ms[0].Version != 1 || ms[2].Version != 3 || ms[0].Now != (i == 0) {
			t.Errorf("open %d: migrations %+v, %v", i, ms, err)
		}
		d, err := j.Get(ctx, "old")
		if err != nil || d.SourceName != "RE-1.pdf" || d.Fields["invoice_number"] != "R-1" || d.Channel != "mail" ||
			d.Origin["from"] != "a@b.example" || len(d.Events) != 2 || d.Events[1].Detail != "archive" || d.Created.UnixMicro() != 1000000 {
			t.Errorf("open %d: old document %+v, %v", i, d, err)
		}
		got, err := j.ClaimInvoiceKeys(ctx, "new", []string{"k1"}, nil)
		if err != nil || len(got) != 1 || got[0].DocID != "old" || string(got[0].Facts) != `{"n":1}` {
			t.Errorf("open %d: claims %+v, %v", i, got, err)
		}
		if v, u, err := j.MailboxState(ctx, "rechnung", "INBOX"); err != nil || v != 7 || u != 42 {
			t.Errorf("open %d: mailbox %d %d %v", i, v, u, err)
		}
		j.Close()
	}
}

// TestPreMailJournalGetsChannelColumns opens a journal from before mail
// intake, without the channel and origin columns.
func TestPreMailJournalGetsChannelColumns(t *testing.T) {
	path := legacyDB(t, `CREATE TABLE documents (id TEXT PRIMARY KEY, source_name TEXT NOT NULL, profile TEXT NOT NULL, state TEXT NOT NULL,
		kind TEXT NOT NULL DEFAULT '', format TEXT NOT NULL DEFAULT '', pages INTEGER NOT NULL DEFAULT 0, step TEXT NOT NULL DEFAULT '',
		work_path TEXT NOT NULL DEFAULT '', target TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '', duplicate_of TEXT NOT NULL DEFAULT '',
		fields TEXT NOT NULL DEFAULT '', invoice_key TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL, updated INTEGER NOT NULL);
		INSERT INTO documents (id, source_name, profile, state, created, updated) VALUES ('old', 'a.pdf', 'post', 'delivered', 1, 1)`)
	for range 2 { // opening twice must not fail on the existing columns
		j, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		d, err := j.Get(context.Background(), "old")
		j.Close()
		if err != nil || d.SourceName != "a.pdf" || d.Channel != "" {
			t.Fatalf("old document: %+v, %v", d, err)
		}
	}
}
