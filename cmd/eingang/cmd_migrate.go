package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/journal/postgres"
	"github.com/eingang/eingang/internal/journal/sqlite"
)

// openJournal opens the journal journal.driver names and brings its schema
// up to date (every opener migrates; the adapters make concurrent starts
// safe).
func openJournal(ctx context.Context, c config.Journal) (journal.Store, error) {
	switch c.Driver {
	case "postgres":
		pw, err := c.Password(os.Getenv)
		if err != nil {
			return nil, err
		}
		j, err := postgres.Open(ctx, c.DSN, pw)
		if err != nil {
			return nil, err // a nil *Journal must not become a non-nil Store
		}
		return j, nil
	default:
		j, err := sqlite.Open(ctx, c.DSN)
		if err != nil {
			return nil, err
		}
		return j, nil
	}
}

// checkJournal is doctor's look at the journal: it connects and pings
// but, unlike openJournal, migrates nothing on PostgreSQL (doctor creates
// nothing); pending versions are named instead.
func checkJournal(ctx context.Context, c config.Journal) (note string, err error) {
	if c.Driver != "postgres" {
		j, err := openJournal(ctx, c)
		if err != nil {
			return "", err
		}
		defer j.Close()
		return "", j.Ping(ctx)
	}
	pw, err := c.Password(os.Getenv)
	if err != nil {
		return "", err
	}
	n, err := postgres.Check(ctx, c.DSN, pw)
	if err != nil || n == 0 {
		return "", err
	}
	return fmt.Sprintf("%d schema migration(s) pending; eingang migrate or the first start applies them", n), nil
}

// pruneEvents deletes, every interval until ctx ends, the events of
// finished documents older than journal.keep_events (nothing when it is
// 0). Running it on several nodes at once is harmless: a deleted event is
// deleted once.
func pruneEvents(ctx context.Context, j journal.Store, keep, interval time.Duration, log *slog.Logger) {
	if keep <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := j.Prune(ctx, time.Now().Add(-keep))
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Warn("pruning old journal events failed; retried later", "err", err)
		case n > 0:
			log.Info("pruned old journal events", "count", n, "keep_events", keep)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// cmdMigrate applies the journal's missing schema migrations and lists
// the versions. serve, watch and work migrate at start as well; this is
// for doing it ahead of a rollout, or checking.
func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("eingang migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: eingang migrate [--config FILE]\n\nBrings the journal's schema (journal.driver, journal.dsn) up to date and\nprints its versions. Safe while other nodes run or start.\n\nFlags:")
		fs.PrintDefaults()
	}
	if code, done := parseFlags(fs, args); done {
		return code
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "eingang:", err)
		return 1
	}
	j, err := openJournal(ctx, cfg.Journal)
	if err != nil {
		fmt.Fprintf(stderr, "eingang: journal (%s): %v\n", cfg.Journal.Where(), err)
		return 1
	}
	defer j.Close()
	ms, err := j.Migrations(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "eingang: journal (%s): %v\n", cfg.Journal.Where(), err)
		return 1
	}
	fmt.Fprintf(stdout, "journal %s (%s)\n", cfg.Journal.Where(), cfg.Journal.Driver)
	now := 0
	for _, m := range ms {
		state := "present"
		if m.Now {
			state, now = "applied now", now+1
		}
		fmt.Fprintf(stdout, "  %04d %-20s %s (%s)\n", m.Version, m.Name, state, m.Applied.Local().Format(time.DateTime))
	}
	if now == 0 {
		fmt.Fprintf(stdout, "schema up to date at version %d\n", ms[len(ms)-1].Version)
	} else {
		fmt.Fprintf(stdout, "applied %d migration(s); schema at version %d\n", now, ms[len(ms)-1].Version)
	}
	return 0
}
