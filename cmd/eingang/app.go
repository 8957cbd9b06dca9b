package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/dms/targets"
	"github.com/eingang/eingang/internal/fault"
	"github.com/eingang/eingang/internal/intake"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/metrics"
	"github.com/eingang/eingang/internal/pipeline"
	"github.com/eingang/eingang/internal/sign"
	"github.com/eingang/eingang/workers"
)

// app holds the parts every long-running command shares, wired from the
// configuration. Nothing here is global: commands build one and close it.
type app struct {
	cfg     *config.Config
	log     *slog.Logger
	journal journal.Store
	redis   *workers.Redis
	enq     *workers.Enqueuer
	retry   workers.RetryPolicy
	faults  *fault.Rules
	targets map[string]dms.Target
	pipe    *pipeline.Pipeline
	metrics *metrics.Metrics
	closers []func()
}

// appParts selects what a command needs.
type appParts struct {
	ocr bool // start the Tesseract pool (workers)
}

// defaultConfigPath is the configuration read when neither --config nor
// EINGANG_CONFIG names one, relative to the working directory.
const defaultConfigPath = "config/eingang.yaml"

// configFlag adds the --config flag every command shares. EINGANG_CONFIG
// sets its default, so that a service unit need not repeat the flag.
func configFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("EINGANG_CONFIG")
	if def == "" {
		def = defaultConfigPath
	}
	return fs.String("config", def, "configuration file (default from env EINGANG_CONFIG, else "+defaultConfigPath+")")
}

func newLogger(w io.Writer, c config.Log) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// loadConfig loads the configuration at path with the process's
// environment overrides. A missing file is what a new user meets first, so
// its message says which file was looked for, why that one, and the ways
// on: --config, the example configuration and the demo.
func loadConfig(path string) (*config.Config, error) {
	cfg, err := config.Load(path, os.Environ())
	if !errors.Is(err, os.ErrNotExist) {
		return cfg, err
	}
	from := "from --config"
	switch {
	case path != "" && path == os.Getenv("EINGANG_CONFIG"):
		from = "from EINGANG_CONFIG"
	case path == defaultConfigPath:
		from = "the default"
	}
	// A relative path depends on where eingang was started, which is the
	// usual reason it is not found.
	if wd, werr := os.Getwd(); werr == nil && !filepath.IsAbs(path) {
		from += ", looked for in " + wd
	}
	return nil, &missingConfigError{path: path, from: from, err: err}
}

// missingConfigError is loadConfig's message for a configuration file that
// does not exist; it still matches os.ErrNotExist.
type missingConfigError struct {
	path, from string
	err        error
}

func (e *missingConfigError) Error() string {
	return fmt.Sprintf("config: %s does not exist (%s): name the file with --config FILE or EINGANG_CONFIG, "+
		"start one from config/eingang.example.yaml, or run the demo with make run", e.path, e.from)
}

func (e *missingConfigError) Unwrap() error { return e.err }

func openApp(ctx context.Context, cfg *config.Config, stderr io.Writer, parts appParts) (a *app, err error) {
	if cfg.Workers.Concurrency == 0 {
		cfg.Workers.Concurrency = runtime.NumCPU()
	}
	a = &app{cfg: cfg, log: newLogger(stderr, cfg.Log), faults: newFaults()}
	// "return nil, err" sets a to nil before this runs; what was opened
	// must still be closed.
	opened := a
	defer func() {
		if err != nil {
			opened.close()
		}
	}()
	for _, dir := range []string{cfg.Paths.Work, cfg.Paths.Done, cfg.Paths.Error} {
		if err := os.MkdirAll(dir, 0o770); err != nil {
			return nil, fmt.Errorf("paths: %w", err)
		}
	}
	a.journal, err = openJournal(ctx, cfg.Journal)
	if err != nil {
		return nil, err
	}
	j := a.journal // the closers must not refer to a (see above)
	a.closers = append(a.closers, func() { j.Close() })
	a.redis, err = workers.ConnectRedis(cfg.Redis, a.log)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, a.redis.Close)
	a.retry = workers.RetryPolicy{Base: 10 * time.Second, Max: cfg.Workers.MaxRetryDelay, Window: cfg.Workers.RetryWindow}
	a.enq = workers.NewEnqueuer(a.redis, a.retry.MaxRetry(), cfg.Workers.StepTimeout+time.Minute)
	enq := a.enq
	a.closers = append(a.closers, func() { enq.Close() })
	a.targets, err = targets.BuildAll(cfg, a.log)
	if err != nil {
		return nil, err
	}
	a.metrics = metrics.New(a.journal, queueCollector(a.redis))
	a.metrics.ExpectIntakeRejections(profileNames(cfg), intake.RejectReasons())
	var rec pipeline.Recognizer
	if parts.ocr {
		r, closeOCR, err := newRecognizer(cfg, a.log)
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, closeOCR)
		rec = r
	}
	classifier, err := newClassifier(cfg.Classification)
	if err != nil {
		return nil, err
	}
	var sealer pipeline.Sealer
	if cfg.Sign.PKCS12 != "" || cfg.Sign.PKCS11.Module != "" {
		// Loaded once; a wrong password or an expired certificate stops the
		// start instead of failing every document.
		s, err := sign.NewSealer(cfg.Sign)
		if err != nil {
			return nil, fmt.Errorf("sign: %w", err)
		}
		sealer = s
	}
	a.pipe = pipeline.New(pipeline.Options{
		Sealer: sealer, Office: newOfficeConverter(cfg, a.log),
		Config: cfg, Journal: a.journal, Recognizer: rec, Targets: a.targets,
		Observer: a.metrics, Faults: a.faults, Logger: a.log,
		Classifier: classifier, Invoices: a.journal, Enqueuer: a.enq,
	})
	return a, nil
}

// close releases everything in reverse order of opening.
func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

// parseFlags parses and turns --help into exit code 0.
func parseFlags(fs *flag.FlagSet, args []string) (exit int, done bool) {
	if err := parseArgs(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, true
		}
		return 2, true
	}
	return 0, false
}
