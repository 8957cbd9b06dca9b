package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/hibiken/asynqmon"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/httpapi"
	"github.com/eingang/eingang/internal/intake"
	"github.com/eingang/eingang/internal/pipeline"
	"github.com/eingang/eingang/internal/upload"
	"github.com/eingang/eingang/workers"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runDaemon(ctx, "serve", args, stdout, stderr, true, true)
}

func cmdWatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runDaemon(ctx, "watch", args, stdout, stderr, true, false)
}

func cmdWork(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runDaemon(ctx, "work", args, stdout, stderr, false, true)
}

var daemonHelp = map[string]string{
	"serve": "Run watchers, workers and the HTTP API (status, metrics, queue UI) in one process.",
	"watch": "Run only the hot-folder watchers; they register files and enqueue them into Redis.\nNeeds redis.url: the embedded Redis lives only inside one process.",
	"work":  "Run only the workers; they consume the queue in Redis.\nNeeds redis.url: the embedded Redis lives only inside one process.",
}

// httpOff is the --http value that switches the listener off.
const httpOff = "off"

// runDaemon runs the watchers and/or the workers until ctx ends (SIGTERM).
func runDaemon(ctx context.Context, name string, args []string, stdout, stderr io.Writer, watch, work bool) int {
	fs := flag.NewFlagSet("eingang "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	httpAddr := fs.String("http", "", "address of the HTTP listener: /healthz, /readyz, /metrics and, with http.api, the API and queue UI (default http.addr; "+httpOff+" for none)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: eingang %s [--config FILE] [--http ADDR]\n\n%s\n\nFlags:\n", name, daemonHelp[name])
		fs.PrintDefaults()
	}
	if code, done := parseFlags(fs, args); done {
		return code
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if name != "serve" && cfg.Redis.Embedded() {
		fmt.Fprintf(stderr, "eingang %s: redis.url must be set: watch and work run in separate processes and share the queue through Redis (use 'eingang serve' for a single process)\n", name)
		return 1
	}
	// Every role listens on http.addr: probes and scrapers need each
	// process, not only the one that serves the API.
	addr := cfg.HTTP.Addr
	switch *httpAddr {
	case "":
	case httpOff:
		addr = ""
	default:
		addr = *httpAddr
	}
	// Start-up order: everything that can refuse the start is checked
	// before anything is recovered, watched or run, so that a start that
	// fails leaves no trace. The listener comes first: a second serve on
	// the same configuration stops at the busy port before it re-enqueues
	// what the running one is processing.
	var ln net.Listener
	if addr != "" {
		if ln, err = listenHTTP(addr, *httpAddr != ""); err != nil {
			fmt.Fprintln(stderr, "eingang:", err)
			return 1
		}
		defer ln.Close()
	}
	if watch {
		if err := prepareProfileFolders(cfg); err != nil {
			fmt.Fprintln(stderr, "eingang:", err)
			return 1
		}
	}
	a, err := openApp(ctx, cfg, stderr, appParts{ocr: work})
	if err != nil {
		fmt.Fprintln(stderr, "eingang:", err)
		return 1
	}
	defer a.close()
	log := a.log
	if err := checkServices(ctx, a, work); err != nil {
		fmt.Fprintln(stderr, "eingang:", err)
		return 1
	}
	// One watcher of Redis reports an outage once and its end once; the
	// watchers leave files in the hot folders meanwhile.
	in := a.pipe.Intake(a.enq)
	healthCtx, stopHealth := context.WithCancel(context.Background())
	healthDone := make(chan struct{})
	// After an outage, queue again what the journal holds as unfinished
	// (tasks that still exist keep their ids and are not doubled; a step
	// already done is skipped by the journal).
	requeue := func(ctx context.Context) {
		if n, err := in.Recover(ctx); err != nil {
			log.Warn("re-enqueue after the Redis outage failed; the next start does it", "err", err)
		} else if n > 0 {
			log.Info("re-enqueued unfinished documents after the Redis outage", "count", n)
		}
	}
	go func() { defer close(healthDone); a.redis.Watch(healthCtx, requeue) }()
	defer func() { stopHealth(); <-healthDone }()

	n, err := in.Recover(ctx)
	if err != nil {
		log.Error("recovery failed", "err", err)
		return 1
	}
	if n > 0 {
		log.Info("re-enqueued unfinished documents", "count", n)
	}

	var wg sync.WaitGroup
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	// Retention (journal.keep_events) runs in every role: on several
	// nodes the prunes just find less to delete.
	wg.Go(func() { pruneEvents(watchCtx, a.journal, cfg.Journal.KeepEvents, time.Hour, log) })
	if watch {
		pollers, closeMail, err := mailPollers(a, in)
		if err != nil {
			fmt.Fprintln(stderr, "eingang:", err)
			return 1
		}
		defer closeMail()
		runMailPollers(watchCtx, a, pollers, &wg)
		var folders []intake.Folder
		for _, p := range cfg.Profiles {
			folders = append(folders, intake.Folder{Profile: p.Name, Path: p.Folder})
		}
		w := intake.NewWatcher(folders, intake.Options{
			StabilityDelay: cfg.Intake.StabilityDelay,
			RescanInterval: cfg.Intake.RescanInterval,
			MaxFileSize:    cfg.Intake.MaxFileSize,
			IgnorePatterns: cfg.Intake.IgnorePatterns,
			ClaimDir:       a.pipe.ClaimDir(),
			Paused:         func() bool { return !a.redis.Reachable() },
		}, in, log.With("component", "intake"))
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Run(watchCtx); err != nil {
				log.Error("watcher stopped", "err", err)
			}
		}()
	}

	var srvErr = make(chan error, 1)
	var stopWorkers func()
	if work {
		srv := workers.NewServer(a.redis, workers.ServerOptions{
			Concurrency: cfg.Workers.Concurrency, ShutdownTimeout: cfg.Workers.ShutdownTimeout,
			Retry: a.retry, Logger: log,
		})
		h := workers.NewHandler(workers.HandlerOptions{
			Runner: a.pipe, Enqueuer: a.enq, Events: a.journal, Faults: a.faults,
			Observer: a.metrics, StepTimeout: cfg.Workers.StepTimeout, Logger: log,
		})
		if err := srv.Start(h.Mux()); err != nil {
			log.Error("cannot start workers", "err", err)
			return 1
		}
		stopWorkers = srv.Shutdown
	}

	var httpSrv *http.Server
	if ln != nil {
		opts := httpapi.Options{
			Users:          cfg.HTTP.Users,
			Documents:      a.journal,
			Checks:         readinessChecks(a, role{name: name, watch: watch, work: work}),
			Metrics:        promhttp.HandlerFor(a.metrics.Registry, promhttp.HandlerOpts{}),
			Profiles:       profileNames(cfg),
			ArchiveDirs:    archiveDirs(cfg),
			TrustedHeader:  cfg.HTTP.TrustedHeader,
			TrustedProxies: cfg.HTTP.TrustedProxies,
			Explain:        pipeline.Explain,
			Logger:         log,
		}
		if cfg.HTTP.API {
			mon := asynqmon.New(asynqmon.Options{RootPath: "/monitoring", RedisConnOpt: a.redis.Opt, ReadOnly: cfg.HTTP.MonitoringReadOnly})
			defer mon.Close()
			opts.Monitoring = mon
			opts.Uploads = upload.New(cfg, a.journal, in, a.pipe.ClaimDir())
			// The status page's clerk actions re-enter the pipeline as a
			// new drop would, through the same intake.
			opts.Actions = in
		}
		handler := httpapi.New(opts)
		if !cfg.HTTP.API {
			handler = probesOnly(handler)
		}
		httpSrv = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				srvErr <- err
			}
		}()
		base := "http://" + ln.Addr().String()
		fmt.Fprintf(stdout, "eingang %s running (%s)\n", name, version)
		if watch {
			for _, p := range cfg.Profiles {
				fmt.Fprintf(stdout, "  drop files for profile %-10s into %s\n", p.Name, p.Folder)
			}
			for _, m := range cfg.Mail.Accounts {
				fmt.Fprintf(stdout, "  mail account %-14s %s (profile %s)\n", m.Name, m.URL, m.Profile)
			}
		}
		if cfg.HTTP.API {
			fmt.Fprintf(stdout, "  status page: %s/status/\n", base)
			fmt.Fprintf(stdout, "  status API:  %s/api/v1/documents\n", base)
			fmt.Fprintf(stdout, "  queue UI:    %s/monitoring/\n", base)
		}
		fmt.Fprintf(stdout, "  metrics:     %s/metrics\n", base)
		fmt.Fprintf(stdout, "  readiness:   %s/readyz\n", base)
		if a.redis.Embedded() {
			fmt.Fprintf(stdout, "  queue:       embedded in-memory Redis at %s (not durable; set redis.url for production)\n", a.redis.Addr())
		}
	} else {
		log.Info("running", "command", name, "version", version)
	}

	select {
	case <-ctx.Done():
	case err := <-srvErr:
		log.Error("http server failed", "err", err)
	}
	log.Info("shutting down: intake stops, running tasks get workers.shutdown_timeout to finish", "timeout", cfg.Workers.ShutdownTimeout)
	// Intake first, so that no file is claimed that no worker will take.
	stopWatch()
	wg.Wait()
	if stopWorkers != nil {
		stopWorkers()
	}
	if httpSrv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = httpSrv.Shutdown(sctx)
		cancel()
	}
	log.Info("stopped")
	return 0
}

// probesOnly restricts h to what a listener with http.api: false serves:
// what probes and scrapers ask for, and nothing that shows documents.
// Everything else is 404.
func probesOnly(h http.Handler) http.Handler {
	mux := http.NewServeMux()
	for _, p := range []string{"GET /healthz", "GET /readyz", "GET /metrics"} {
		mux.Handle(p, h)
	}
	return mux
}

// profileNames lists the configured profiles, for the status page's filter.
// archiveDirs are the folders of the archive targets, from which the
// status page serves delivered PDFs and reports.
func archiveDirs(cfg *config.Config) map[string]string {
	dirs := map[string]string{}
	for name, t := range cfg.Targets {
		if t.Type == "archive" && t.Dir != "" {
			dirs[name] = t.Dir
		}
	}
	return dirs
}

func profileNames(cfg *config.Config) []string {
	names := make([]string, len(cfg.Profiles))
	for i, p := range cfg.Profiles {
		names[i] = p.Name
	}
	return names
}
