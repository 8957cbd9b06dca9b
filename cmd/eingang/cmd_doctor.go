package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/dms/targets"
	"github.com/eingang/eingang/internal/mail"
	"github.com/eingang/eingang/internal/office"
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
	note := func(name, text string) {
		fmt.Fprintf(stdout, "note  %-34s %s\n", name, text)
	}
	cfg, err := loadConfig(*cfgPath)
	report("configuration "+*cfgPath, err)
	if err != nil {
		fmt.Fprintln(stdout, "\n"+doctorSummary(failed))
		return 1
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	log := newLogger(io.Discard, cfg.Log)

	// Nothing is created here: doctor reports what serve would find.
	for _, dir := range []struct{ key, path string }{{"paths.work", cfg.Paths.Work}, {"paths.done", cfg.Paths.Done}, {"paths.error", cfg.Paths.Error}} {
		name := fmt.Sprintf("folder %s (%s)", dir.key, dir.path)
		if missing(dir.path) {
			// serve creates these itself; it needs a writable parent.
			report(name+" can be created", creatable(dir.path))
			continue
		}
		report(name+" writable", writable(dir.path))
	}
	for i, p := range cfg.Profiles {
		name := fmt.Sprintf("profile %s: folder %s", p.Name, p.Folder)
		switch {
		case missing(p.Folder) && p.Create:
			note(name, "does not exist yet; serve creates it (create: true)")
			report(name+" can be created", creatable(p.Folder))
		case missing(p.Folder):
			report(name, fmt.Errorf("does not exist: create it, correct %s, or set create: true for the profile", profileFolderKey(i, p)))
			continue
		default:
			report(name+" writable", writable(p.Folder))
		}
		report(fmt.Sprintf("profile %s: same filesystem as paths.work", p.Name), sameFS(p.Folder, cfg.Paths.Work))
	}

	if cfg.Journal.Driver == "sqlite" && missing(cfg.Journal.DSN) {
		// Opening it would create it; serve does that.
		report("journal "+cfg.Journal.DSN+" can be created", creatable(cfg.Journal.DSN))
	} else {
		text, err := checkJournal(ctx, cfg.Journal)
		report("journal "+cfg.Journal.Where(), err)
		if text != "" {
			note("journal", text)
		}
	}

	if cfg.Redis.Embedded() {
		note("redis", "none configured; serve starts an embedded in-memory Redis (not durable)")
	} else {
		r, err := workers.ConnectRedis(cfg.Redis, log)
		if err == nil {
			err = workers.Ping(ctx, r)
			r.Close()
		}
		report("redis", err)
	}

	for _, acct := range cfg.Mail.Accounts {
		acct = acct.WithDefaults()
		name := fmt.Sprintf("mail account %s: login and folders", acct.Name)
		pw, tok, err := mail.Credentials(ctx, acct, os.Getenv)
		if err != nil {
			report(name, err)
			continue
		}
		notes, err := mail.New(mail.Options{Account: acct, Password: pw, Token: tok}).Check(ctx)
		report(name, err)
		for _, n := range notes {
			note("mail account "+acct.Name, n)
		}
	}

	_, closeOCR, err := newRecognizer(cfg, log)
	if err == nil {
		closeOCR()
	}
	report("tesseract with languages "+cfg.OCR.Languages, err)
	// A note, not a failure: only Word, ODT and RTF documents need it.
	if err := office.New(cfg.Intake.Soffice.Path, cfg.Intake.Soffice.Timeout, log).Available(); err != nil {
		note("libreoffice "+cfg.Intake.Soffice.Path, "not found: Word, ODT and RTF documents will fail (set intake.soffice.path or run scripts/deps.sh)")
	} else {
		report("libreoffice "+cfg.Intake.Soffice.Path+" (Word, ODT, RTF)", nil)
	}

	names := make([]string, 0, len(cfg.Targets))
	for n := range cfg.Targets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		// One target at a time, so that one that cannot be built (a key
		// missing) does not hide whether the others answer.
		if tc := cfg.Targets[n]; tc.Type == "archive" && missing(tc.Dir) {
			// The archive's check would create its folder; delivering does.
			report("target "+n+" folder "+tc.Dir+" can be created", creatable(tc.Dir))
			continue
		}
		t, err := targets.Build(n, cfg.Targets[n])
		if err == nil {
			if p, ok := t.(dms.Pinger); ok {
				err = p.Ping(ctx)
			}
		}
		report("target "+n+" reachable", err)
		if h := demoTargetHint(cfg, n); err != nil && h != "" {
			fmt.Fprintf(stdout, "      %s\n", h)
		}
	}
	fmt.Fprintln(stdout, "\n"+doctorSummary(failed))
	if failed > 0 {
		return 1
	}
	return 0
}

// doctorSummary is the last line of doctor's list.
func doctorSummary(failed int) string {
	switch failed {
	case 0:
		return "all checks passed"
	case 1:
		return "1 check failed"
	}
	return fmt.Sprintf("%d checks failed", failed)
}

// demoInstance is the instance name of config/demo.yaml.
const demoInstance = "eingang-demo"

// demoTargetHint explains, for the demo configuration, why its d.3 target
// fails when doctor runs on its own: the target is the fake that `make
// run` starts, and `make run` makes a fresh API key for it in
// EINGANG_D3_API_KEY.
func demoTargetHint(cfg *config.Config, target string) string {
	if cfg.Instance != demoInstance || cfg.Targets[target].Type != "d3" {
		return ""
	}
	return "expected outside 'make run': it starts this d.3 fake (eingang dms-sim d3) and sets EINGANG_D3_API_KEY for it. Only profiles delivering to target " + target + " need it."
}

// missing reports whether path does not exist (other stat errors are left
// to the check that follows).
func missing(path string) bool {
	_, err := os.Stat(path)
	return errors.Is(err, fs.ErrNotExist)
}

// creatable checks that a missing folder could be created: its nearest
// existing parent is a writable folder.
func creatable(dir string) error {
	parent := existingAncestor(filepath.Dir(filepath.Clean(dir)))
	if err := writable(parent); err != nil {
		return fmt.Errorf("parent folder %s: %w", parent, err)
	}
	return nil
}

// writable checks that dir is a folder a file can be written to; it
// creates nothing but a temporary file, removed at once.
func writable(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a folder", dir)
	}
	f, err := os.CreateTemp(dir, ".doctor-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// sameFS matters because claiming and finishing are renames, which are
// atomic only within one filesystem. A folder that does not exist yet is
// judged by its nearest existing parent, where serve would create it.
func sameFS(a, b string) error {
	var sa, sb syscall.Stat_t
	if err := syscall.Stat(existingAncestor(a), &sa); err != nil {
		return err
	}
	if err := syscall.Stat(existingAncestor(b), &sb); err != nil {
		return err
	}
	if sa.Dev != sb.Dev {
		ab, _ := filepath.Abs(a)
		bb, _ := filepath.Abs(b)
		return fmt.Errorf("%s and %s are on different filesystems; renames would not be atomic", ab, bb)
	}
	return nil
}

// existingAncestor is path itself or its nearest parent that exists.
func existingAncestor(path string) string {
	p := filepath.Clean(path)
	for missing(p) && p != filepath.Dir(p) {
		p = filepath.Dir(p)
	}
	return p
}
