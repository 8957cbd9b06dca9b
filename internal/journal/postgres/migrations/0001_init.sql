CREATE TABLE documents (
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
	created      TIMESTAMPTZ NOT NULL,
	updated      TIMESTAMPTZ NOT NULL,
	channel      TEXT NOT NULL DEFAULT '',
	origin       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX documents_state ON documents(state, updated);
CREATE INDEX documents_updated ON documents(updated);
CREATE INDEX documents_created ON documents(created);
CREATE INDEX documents_state_created ON documents(state, created);
CREATE INDEX documents_invoice_key ON documents(invoice_key) WHERE invoice_key <> '';
CREATE TABLE events (
	seq     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	doc_id  TEXT NOT NULL,
	step    TEXT NOT NULL,
	time    TIMESTAMPTZ NOT NULL,
	outcome TEXT NOT NULL,
	detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_doc ON events(doc_id, seq);
CREATE TABLE invoice_keys (
	seq    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	key    TEXT NOT NULL,
	doc_id TEXT NOT NULL,
	facts  TEXT NOT NULL DEFAULT '',
	UNIQUE (key, doc_id)
);
CREATE INDEX invoice_keys_doc ON invoice_keys(doc_id, seq);
-- One row per invoice key, whose lock serialises the claims of the key
-- across connections and nodes: the second claimer waits for the first to
-- commit and then sees its claim (see ClaimInvoiceKeys).
CREATE TABLE invoice_key_owners (
	key    TEXT PRIMARY KEY,
	doc_id TEXT NOT NULL
);
CREATE TABLE mailboxes (
	account     TEXT NOT NULL,
	folder      TEXT NOT NULL,
	uidvalidity BIGINT NOT NULL,
	last_uid    BIGINT NOT NULL,
	PRIMARY KEY (account, folder)
);
