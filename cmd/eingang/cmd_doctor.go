package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/workers"
)

// cmdDoctor checks everything eingang needs and prints a readable list.
func cmdDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("eingang doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: eingang doctor [--config FILE]\n\nChecks the configuration, Redis, Tesseract and its languages, folder\npermissions and the reachability of every target. Exits 1 if any check fails.\n\nFlags:")
		fs.PrintDefaults()
	}
	if code, done := parseFlags(fs, args); done {
		return code
	}
	failed := 0
	report := func(name string, err error) {
		if err != nil {
			failed++
			fmt.Fprintf(stdout, "FAIL  %-34s %v\n", name, err)
			return
		}
		fmt.Fprintf(stdout, "ok    %s\n", name)
	}
	cfg, err := loadConfig(*cfgPath)
	report("configuration "+*cfgPath, err)
	if err != nil {
		fmt.Fprintf(stdout, "\n1 check failed\n")
		return 1
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	log := newLogger(io.Discard, cfg.Log)

	for _, dir := range []struct{ key, path string }{{"paths.work", cfg.Paths.Work}, {"paths.done", cfg.Paths.Done}, {"paths.error", cfg.Paths.Error}} {
		report(fmt.Sprintf("folder %s (%s) writable", dir.key, dir.path), writable(dir.path))
	}
	for _, p := range cfg.Profiles {
		report(fmt.Sprintf("profile %s: folder %s writable", p.Name, p.Folder), writable(p.Folder))
		report(fmt.Sprintf("profile %s: same filesystem as paths.work", p.Name), sameFS(p.Folder, cfg.Paths.Work))
	}

	j, err := journal.OpenSQLite(ctx, cfg.Journal.DSN)
	if err == nil {
		err = j.Ping(ctx)
		j.Close()
	}
	report("journal "+cfg.Journal.DSN, err)

	if cfg.Redis.Embedded() {
		fmt.Fprintln(stdout, "note  redis: none configured; serve starts an embedded in-memory Redis (not durable)")
	} else {
		r, err := workers.ConnectRedis(cfg.Redis, log)
		if err == nil {
			err = workers.Ping(ctx, r)
			r.Close()
		}
		report("redis", err)
	}

	_, closeOCR, err := newRecognizer(cfg, log)
	if err == nil {
		closeOCR()
	}
	report("tesseract with languages "+cfg.OCR.Languages, err)

	targets, err := buildTargets(cfg)
	report("targets configured", err)
	names := make([]string, 0, len(targets))
	for n := range targets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if p, ok := targets[n].(dms.Pinger); ok {
			report("target "+n+" reachable", p.Ping(ctx))
		}
	}
	if failed > 0 {
		fmt.Fprintf(stdout, "\n%d check(s) failed\n", failed)
		return 1
	}
	fmt.Fprintln(stdout, "\nall checks passed")
	return 0
}

func writable(dir string) error {
	if err := os.MkdirAll(dir, 0o770); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".doctor-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// sameFS matters because claiming and finishing are renames, which are
// atomic only within one filesystem.
func sameFS(a, b string) error {
	var sa, sb syscall.Stat_t
	if err := syscall.Stat(a, &sa); err != nil {
		return err
	}
	if err := os.MkdirAll(b, 0o770); err != nil {
		return err
	}
	if err := syscall.Stat(b, &sb); err != nil {
		return err
	}
	if sa.Dev != sb.Dev {
		ab, _ := filepath.Abs(a)
		bb, _ := filepath.Abs(b)
		return fmt.Errorf("%s and %s are on different filesystems; renames would not be atomic", ab, bb)
	}
	return nil
}
