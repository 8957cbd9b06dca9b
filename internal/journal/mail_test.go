package journal

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

func TestChannelAndOriginAreKept(t *testing.T) {
	j := open(t)
	ctx := context.Background()
	d := &Document{ID: "m1", SourceName: "RE-1.pdf", Profile: "rechnung", State: StateReceived, Channel: "mail",
		Origin: map[string]string{"account": "rechnung", "from": "a@lieferant.example", "message_id": "<1@x>"}}
	if _, _, err := j.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Update(ctx, "m1", Event{}, func(d *Document) error { d.State = StateProcessing; return nil }); err != nil {
		t.Fatal(err)
	}
	got, err := j.Get(ctx, "m1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Channel != "mail" || got.Origin["from"] != "a@lieferant.example" || got.Origin["message_id"] != "<1@x>" {
		t.Errorf("got channel %q origin %v", got.Channel, got.Origin)
	}
}

func TestOldJournalGetsChannelColumns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	// The documents table as versions before mail intake created it.
	if _, err := db.Exec(`CREATE TABLE documents (id TEXT PRIMARY KEY, source_name TEXT NOT NULL, profile TEXT NOT NULL, state TEXT NOT NULL,
		kind TEXT NOT NULL DEFAULT '', format TEXT NOT NULL DEFAULT '', pages INTEGER NOT NULL DEFAULT 0, step TEXT NOT NULL DEFAULT '',
		work_path TEXT NOT NULL DEFAULT '', target TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '', duplicate_of TEXT NOT NULL DEFAULT '',
		fields TEXT NOT NULL DEFAULT '', invoice_key TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL, updated INTEGER NOT NULL);
		INSERT INTO documents (id, source_name, profile, state, created, updated) VALUES ('old', 'a.pdf', 'post', 'delivered', 1, 1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for range 2 { // opening twice must not fail on the existing columns
		j, err := OpenSQLite(context.Background(), path)
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

func TestMailboxState(t *testing.T) {
	j := open(t)
	ctx := context.Background()
	if v, u, err := j.MailboxState(ctx, "rechnung", "INBOX"); err != nil || v != 0 || u != 0 {
		t.Fatalf("unknown mailbox: %d %d %v", v, u, err)
	}
	for _, st := range [][2]uint32{{7, 10}, {7, 12}, {9, 0}} {
		if err := j.SetMailboxState(ctx, "rechnung", "INBOX", st[0], st[1]); err != nil {
			t.Fatal(err)
		}
		v, u, err := j.MailboxState(ctx, "rechnung", "INBOX")
		if err != nil || v != st[0] || u != st[1] {
			t.Fatalf("after set %v: %d %d %v", st, v, u, err)
		}
	}
	if v, _, _ := j.MailboxState(ctx, "other", "INBOX"); v != 0 {
		t.Errorf("state leaked to another account")
	}
}
