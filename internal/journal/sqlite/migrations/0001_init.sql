-- The schema as eingang created it before versioned migrations; IF NOT
-- EXISTS lets such a journal take this version unchanged (the columns of
-- mail intake, added later by ALTER TABLE, are added by the code applying
-- this version when an old journal lacks them).
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
	updated      INTEGER NOT NULL,
	channel      TEXT NOT NULL DEFAULT '',
	origin       TEXT NOT NULL DEFAULT ''
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
