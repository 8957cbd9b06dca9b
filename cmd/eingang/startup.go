package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/dms/d3"
	"github.com/eingang/eingang/internal/dms/fabasoft"
	"github.com/eingang/eingang/internal/httpapi"
	"github.com/eingang/eingang/workers"
)

// listenHTTP binds the HTTP listener. It is the first thing a daemon does:
// a second `eingang serve` on the same configuration must fail here,
// before it recovers and re-enqueues what the running one is processing.
// fromFlag says whether the address came from --http rather than http.addr.
func listenHTTP(addr string, fromFlag bool) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	key, change := "http.addr", "set another address in http.addr (or EINGANG_HTTP_ADDR, or --http)"
	if fromFlag {
		key, change = "--http", "choose another address with --http"
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("%s: %s is already in use — is another eingang process (serve, watch, work) running with this configuration? Stop it, or %s", key, addr, change)
	}
	return nil, fmt.Errorf("%s: cannot listen on %s: %w (%s)", key, addr, err, change)
}

// profileFolderKey names a profile's folder the way configuration errors do.
func profileFolderKey(i int, p config.Profile) string {
	return fmt.Sprintf("profiles[%d] (%s).folder", i, p.Name)
}

// missingFolderError says how to fix a profile folder that does not exist.
func missingFolderError(i int, p config.Profile) error {
	return fmt.Errorf("%s: %s does not exist; create it, correct the path, or set create: true for the profile to let eingang create it", profileFolderKey(i, p), p.Folder)
}

// prepareProfileFolders checks that every profile's hot folder exists and
// creates it only where the profile says create: true. A mistyped folder
// created silently would be watched while the scan station drops files
// into the real one, where they would wait forever.
func prepareProfileFolders(cfg *config.Config) error {
	var errs []error
	for i, p := range cfg.Profiles {
		st, err := os.Stat(p.Folder)
		switch {
		case errors.Is(err, fs.ErrNotExist) && p.Create:
			if err := os.MkdirAll(p.Folder, 0o770); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", profileFolderKey(i, p), err))
			}
		case errors.Is(err, fs.ErrNotExist):
			errs = append(errs, missingFolderError(i, p))
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", profileFolderKey(i, p), err))
		case !st.IsDir():
			errs = append(errs, fmt.Errorf("%s: %s is not a folder", profileFolderKey(i, p), p.Folder))
		}
	}
	return errors.Join(errs...)
}

// startupTimeout bounds each start-up check, so that an unreachable service
// stops the start with its name instead of hanging it.
const startupTimeout = 20 * time.Second

// checkServices makes sure the journal and Redis answer, and, for commands
// that deliver, that no target refuses eingang, before anything is
// recovered, watched or run. A start that cannot work fails with the one
// thing to fix instead of failing every document afterwards; a target that
// is merely unreachable is reported and retried.
func checkServices(ctx context.Context, a *app, targets bool) error {
	check := func(what string, f func(context.Context) error) error {
		cctx, cancel := context.WithTimeout(ctx, startupTimeout)
		defer cancel()
		if err := f(cctx); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	if err := check("journal ("+a.cfg.Journal.Where()+")", a.journal.Ping); err != nil {
		return err
	}
	if err := check("redis at "+a.redis.Where()+" is unreachable", func(ctx context.Context) error {
		if err := workers.Ping(ctx, a.redis); err != nil {
			// Ping says "redis: …"; the label says that already.
			if inner := errors.Unwrap(err); inner != nil {
				return inner
			}
			return err
		}
		return nil
	}); err != nil {
		return err
	}
	if !targets {
		return nil
	}
	names := make([]string, 0, len(a.targets))
	for n := range a.targets {
		names = append(names, n)
	}
	sort.Strings(names)
	var errs []error
	for _, n := range names {
		p, ok := a.targets[n].(dms.Pinger)
		if !ok {
			continue
		}
		err := check("targets."+n+" is not reachable", p.Ping)
		if err == nil {
			continue
		}
		// A DMS that is down or slow is what the retries are for: a
		// restart during its maintenance window must not stop intake (the
		// documents wait in the queue). One that refuses eingang (key,
		// repository) will refuse every document: that stops the start.
		// For a document a refused login is transient (it waits until the
		// key is fixed); at start it is the one thing to fix.
		if !a.faults.Classify(err).Permanent && !errors.Is(err, d3.ErrUnauthorized) && !errors.Is(err, fabasoft.ErrAuth) {
			a.log.Warn("target not reachable at start; deliveries to it wait and are retried", "target", n, "err", err)
			continue
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// quietRedisLog replaces go-redis's logger, which prints every failed
// dial, several lines a second while Redis is down. eingang reports an
// outage itself, once when it starts and once when it ends
// (workers.Redis.Watch), and /readyz answers 503 meanwhile.
type quietRedisLog struct{}

func (quietRedisLog) Printf(context.Context, string, ...any) {}

// role says what a daemon runs, and so what its readiness depends on.
type role struct {
	name        string // serve, watch or work
	watch, work bool
}

// readinessChecks are the checks behind /readyz for a role. Every role
// needs the journal, Redis and the shared storage (paths: claims, done,
// error); watch (and serve) need the hot folders, work the targets it
// delivers to. A role is not ready for what it does not do: a work node
// is not taken out of service because a scan share it never reads is
// gone. serve leaves the targets out although it delivers too: it is the
// node that carries the API (behind a Service or a load balancer), which
// must stay reachable while a DMS is in its maintenance window — its
// deliveries wait and are retried meanwhile.
func readinessChecks(a *app, r role) []httpapi.Check {
	checks := []httpapi.Check{
		{Name: "journal", Func: a.journal.Ping},
		{Name: "redis", Func: func(ctx context.Context) error { return workers.Ping(ctx, a.redis) }},
		{Name: "storage", Func: newDirCheck(a.cfg.Paths.Work, a.cfg.Paths.Done, a.cfg.Paths.Error).check},
	}
	if r.watch {
		dirs := make([]string, len(a.cfg.Profiles))
		for i, p := range a.cfg.Profiles {
			dirs[i] = p.Folder
		}
		checks = append(checks, httpapi.Check{Name: "folders", Func: newDirCheck(dirs...).check})
	}
	if r.work && r.name == "work" {
		checks = append(checks, httpapi.Check{Name: "targets", Func: func(ctx context.Context) error { return pingTargets(ctx, a.targets) }})
	}
	return checks
}

// pingTargets asks every target that can be asked. Unlike the start-up
// check, a target that is merely down counts here too: readiness says
// whether this node can deliver now, not whether it may start.
func pingTargets(ctx context.Context, ts map[string]dms.Target) error {
	names := make([]string, 0, len(ts))
	for n := range ts {
		names = append(names, n)
	}
	sort.Strings(names)
	var errs []error
	for _, n := range names {
		if p, ok := ts[n].(dms.Pinger); ok {
			if err := p.Ping(ctx); err != nil {
				errs = append(errs, fmt.Errorf("targets.%s: %w", n, err))
			}
		}
	}
	return errors.Join(errs...)
}

// dirCheck reports folders that are missing or not folders. A stat on a
// hard-mounted NFS share whose server is gone blocks in the kernel and
// cannot be cancelled: the check then answers with the probe's deadline,
// and probes that come meanwhile wait for the same stat instead of
// starting more, so that blocked goroutines do not pile up.
type dirCheck struct {
	dirs []string
	stat func(string) (os.FileInfo, error)
	mu   sync.Mutex
	cur  *dirRun // the stat in flight, nil when none
}

// dirRun is one round of stats; err is set before done is closed.
type dirRun struct {
	done chan struct{}
	err  error
}

func newDirCheck(dirs ...string) *dirCheck { return &dirCheck{dirs: dirs, stat: os.Stat} }

func (c *dirCheck) check(ctx context.Context) error {
	c.mu.Lock()
	r := c.cur
	if r == nil {
		r = &dirRun{done: make(chan struct{})}
		c.cur = r
		go func() {
			var errs []error
			for _, d := range c.dirs {
				st, err := c.stat(d)
				switch {
				case err != nil:
					errs = append(errs, err)
				case !st.IsDir():
					errs = append(errs, fmt.Errorf("%s is not a folder", d))
				}
			}
			r.err = errors.Join(errs...)
			c.mu.Lock()
			c.cur = nil
			c.mu.Unlock()
			close(r.done)
		}()
	}
	c.mu.Unlock()
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return fmt.Errorf("no answer from the storage (%s): %w", strings.Join(c.dirs, ", "), ctx.Err())
	}
}
