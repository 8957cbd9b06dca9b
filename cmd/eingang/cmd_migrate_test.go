package main

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/journal/sqlite"
	"github.com/eingang/eingang/internal/testenv"
)

func TestMigrate(t *testing.T) {
	tests := []struct {
		name    string
		journal func(t *testing.T) // sets the journal by environment overrides
	}{
		{"sqlite", func(t *testing.T) {}}, // writeConfig's journal.db
		{"postgres", func(t *testing.T) {
			u, err := url.Parse(testenv.StartPostgres(t))
			if err != nil {
				t.Fatal(err)
			}
			// The private cluster trusts loopback; the password is there
			// to be kept out of the output.
			u.User = url.UserPassword(u.User.Username(), "s3cret")
			t.Setenv("EINGANG_JOURNAL_DRIVER", "postgres")
			t.Setenv("EINGANG_JOURNAL_DSN", u.String())
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _ := writeConfig(t, "")
			tc.journal(t)
			code, out, errs := runCLI(t, "migrate", "--config", cfg)
			if code != 0 || !strings.Contains(out, "0001 init") || !strings.Contains(out, "applied now") ||
				!strings.Contains(out, "applied 3 migration(s); schema at version 3") {
				t.Fatalf("first migrate: exit %d\n%s%s", code, out, errs)
			}
			code, out, errs = runCLI(t, "migrate", "--config", cfg)
			if code != 0 || strings.Contains(out, "applied now") || !strings.Contains(out, "schema up to date at version 3") {
				t.Fatalf("second migrate: exit %d\n%s%s", code, out, errs)
			}
			if strings.Contains(out+errs, "s3cret") {
				t.Errorf("output shows the password:\n%s%s", out, errs)
			}
		})
	}
}

func TestMigrateBadJournal(t *testing.T) {
	cfg, _ := writeConfig(t, "")
	t.Setenv("EINGANG_JOURNAL_DRIVER", "postgres")
	t.Setenv("EINGANG_JOURNAL_DSN", "postgres://e:s3cret@127.0.0.1:1/none?connect_timeout=2")
	code, out, errs := runCLI(t, "migrate", "--config", cfg)
	if code != 1 || !strings.Contains(errs, "journal (postgres://e:xxxxx@127.0.0.1:1/none") || strings.Contains(out+errs, "s3cret") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
}

// TestPruneEvents runs the retention loop until it has pruned the old
// event of a finished document; the unfinished document keeps its.
func TestPruneEvents(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	j, err := sqlite.Open(ctx, t.TempDir()+"/j.db")
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	old := time.Now().Add(-48 * time.Hour)
	for id, state := range map[string]string{"done": journal.StateDelivered, "open": journal.StateProcessing} {
		if _, _, err := j.Create(ctx, &journal.Document{ID: id, SourceName: id, Profile: "p", State: state,
			Events: []journal.Event{{Step: "intake", Time: old, Outcome: "ok"}}}); err != nil {
			t.Fatal(err)
		}
	}
	loopCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		pruneEvents(loopCtx, j, 24*time.Hour, 10*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	for {
		d, err := j.Get(ctx, "done")
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Events) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the old event was never pruned")
		case <-time.After(10 * time.Millisecond):
		}
	}
	stop()
	<-done
	if d, _ := j.Get(ctx, "open"); len(d.Events) != 1 {
		t.Errorf("the unfinished document lost its events: %+v", d)
	}
}

// TestDoctorJournalPostgres: doctor reaches a PostgreSQL journal, names
// the migrations pending and applies none of them.
func TestDoctorJournalPostgres(t *testing.T) {
	cfg, _ := writeConfig(t, "")
	t.Setenv("EINGANG_JOURNAL_DRIVER", "postgres")
	t.Setenv("EINGANG_JOURNAL_DSN", testenv.StartPostgres(t))
	doctor := func() string {
		t.Helper()
		_, out, _ := runCLI(t, "doctor", "--config", cfg)
		if !strings.Contains(out, "ok    journal postgres://") {
			t.Fatalf("doctor does not report the journal ok:\n%s", out)
		}
		return out
	}
	for i := range 2 { // the second run finds what the first left: nothing applied
		if out := doctor(); !strings.Contains(out, "3 schema migration(s) pending") {
			t.Fatalf("doctor run %d:\n%s", i, out)
		}
	}
	if code, out, errs := runCLI(t, "migrate", "--config", cfg); code != 0 {
		t.Fatalf("migrate: %s%s", out, errs)
	}
	if out := doctor(); strings.Contains(out, "pending") {
		t.Errorf("after migrate:\n%s", out)
	}
}
