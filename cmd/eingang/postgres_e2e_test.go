package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/journal/postgres"
	"github.com/eingang/eingang/internal/testenv"
)

// TestServeOnPostgres runs the real binary on a PostgreSQL journal: two
// e-invoices are delivered, the same invoice sent again (other bytes) is
// flagged as its duplicate, and the journal holds their events.
func TestServeOnPostgres(t *testing.T) {
	redis := testenv.StartRedis(t)
	dsn := testenv.StartPostgres(t)
	t.Setenv("EINGANG_JOURNAL_DRIVER", "postgres")
	t.Setenv("EINGANG_JOURNAL_DSN", dsn)
	in := newInstance(t, redis.URL())
	in.start()
	if strings.Contains(in.output.String(), "journal.db") {
		t.Errorf("serve used the SQLite journal:\n%s", in.output.String())
	}
	ubl := einvoices(t, func(e manifestEntry) bool { return e.Expect == "valid" && strings.HasPrefix(e.Kind, "ubl") }, 1)[0]
	cii := einvoices(t, func(e manifestEntry) bool {
		return e.Expect == "valid" && e.Kind == "cii" && e.Fields["invoice_number"] != ubl.Fields["invoice_number"]
	}, 1)[0]
	if err := os.MkdirAll(in.inbox(), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, ubl.File, filepath.Join(in.inbox(), "ubl.xml"))
	copyFile(t, cii.File, filepath.Join(in.inbox(), "cii.xml"))
	first := in.waitFinal(2, 2*time.Minute)
	orig, err := os.ReadFile(ubl.File)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(in.inbox(), "ubl-nochmal.xml.tmp"), append(orig, []byte("\n<!-- erneut gesendet -->\n")...), 0o644)
	os.Rename(filepath.Join(in.inbox(), "ubl-nochmal.xml.tmp"), filepath.Join(in.inbox(), "ubl-nochmal.xml"))
	final := in.waitFinal(3, 2*time.Minute)
	for _, name := range []string{"ubl.xml", "cii.xml"} {
		if d := first[name]; d.State != "delivered" || d.Fields["duplicate_invoice_of"] != "" {
			t.Errorf("%s: %s, fields %v", name, d.State, d.Fields)
		}
	}
	if again := final["ubl-nochmal.xml"]; again.Fields["duplicate_invoice_of"] != first["ubl.xml"].ID {
		t.Errorf("the resent invoice is not flagged as the duplicate of the first: %+v", again.Fields)
	}
	ctx := context.Background()
	j, err := postgres.Open(ctx, dsn, "")
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	d, err := j.Get(ctx, first["ubl.xml"].ID)
	if err != nil || d.State != "delivered" || len(d.Events) < 3 {
		t.Fatalf("journal in PostgreSQL: %+v, %v", d, err)
	}
}
