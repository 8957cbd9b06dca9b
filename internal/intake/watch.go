// Package intake watches the hot folders of the scan station and claims
// files that are complete. Directory listings are the source of truth;
// fsnotify events only make pick-up faster, because network shares (SMB,
// NFS) deliver no events at all.
package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/eingang/eingang/internal/fsutil"
)

// Folder is one watched hot folder.
type Folder struct {
	Profile string
	Path    string
}

// Claim is a file taken out of a hot folder: moved into the work area, where
// no other watcher can see it.
type Claim struct {
	Profile string
	// SourceName is the file's name in the hot folder.
	SourceName string
	// Path is where the file lies now, inside the work area.
	Path string
	// Problem is set when the file is stable but failed its content check
	// (corrupt, empty, unsupported); the handler sends it to the error folder.
	Problem error
	// Channel is folder (the default), mail or upload; Origin describes
	// where the file came from (see journal.Document.Origin), Metadata are
	// extra values for the target (from a mail account's rules).
	Channel  string
	Origin   map[string]string
	Metadata map[string]string
}

// Handler receives claimed files. An error leaves the file in the work area;
// Recover offers it again at the next start.
type Handler interface {
	HandleClaim(ctx context.Context, c Claim) error
}

// Options tune the watcher.
type Options struct {
	// StabilityDelay: size and mtime must stay unchanged this long.
	StabilityDelay time.Duration
	// RescanInterval: full listing of every folder.
	RescanInterval time.Duration
	// MaxFileSize: larger files are claimed with a problem.
	MaxFileSize int64
	// IgnorePatterns are extra shell patterns of names to leave alone.
	IgnorePatterns []string
	// ClaimDir is the work area for claimed files; it must be on the same
	// filesystem as the folders.
	ClaimDir string
	// Paused, when set and true, makes a scan claim nothing: files stay in
	// the hot folders, where they are safe, while the queue cannot take
	// them (Redis unreachable). The next scan after it turns false takes
	// them.
	Paused func() bool
}

// Watcher watches folders and hands stable, complete files to a Handler.
type Watcher struct {
	folders []Folder
	opt     Options
	h       Handler
	log     *slog.Logger
	now     func() time.Time

	mu      sync.Mutex
	tracked map[string]*observation
}

type observation struct {
	size    int64
	mtime   time.Time
	since   time.Time // when size/mtime were last seen to change
	problem error     // content check failure seen while stable
}

// NewWatcher returns a watcher; Run starts it.
func NewWatcher(folders []Folder, opt Options, h Handler, log *slog.Logger) *Watcher {
	if opt.RescanInterval <= 0 {
		opt.RescanInterval = 30 * time.Second
	}
	return &Watcher{folders: folders, opt: opt, h: h, log: log, now: time.Now, tracked: map[string]*observation{}}
}

// Ignored reports whether a file name is one the scan station is still
// writing or that is not a document: hidden files, temporary files of
// scanners, copy tools and Office, and the operator's own patterns.
func Ignored(name string, extra []string) bool {
	lower := strings.ToLower(name)
	switch {
	case strings.HasPrefix(name, "."), strings.HasPrefix(name, "~$"), strings.HasPrefix(name, "~"),
		strings.HasSuffix(lower, ".tmp"), strings.HasSuffix(lower, ".part"), strings.HasSuffix(lower, ".partial"),
		strings.HasSuffix(lower, ".crdownload"), strings.HasSuffix(lower, ".filepart"), strings.HasSuffix(lower, "~"),
		lower == "thumbs.db", lower == "desktop.ini", strings.HasSuffix(lower, ".error.txt"):
		return true
	}
	for _, p := range extra {
		if ok, _ := filepath.Match(p, name); ok {
			return true
		}
	}
	return false
}

// Run watches until ctx is done. It lists every folder at once (so files
// left from before a restart are taken), then on every fsnotify event, on
// every rescan tick, and often while files are waiting to become stable.
//
// Run does not create the folders: a mistyped folder created here would
// be watched while the scan station drops files into the real one. The
// command checks them (and creates those its profile allows) before.
func (w *Watcher) Run(ctx context.Context) error {
	if err := os.MkdirAll(w.opt.ClaimDir, 0o770); err != nil {
		return fmt.Errorf("intake: claim dir: %w", err)
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		w.log.Warn("file notifications unavailable, relying on rescans", "err", err)
	} else {
		defer fw.Close()
		for _, f := range w.folders {
			if err := fw.Add(f.Path); err != nil {
				w.log.Warn("cannot watch folder, relying on rescans", "profile", f.Profile, "folder", f.Path, "err", err)
			}
		}
	}
	var events <-chan fsnotify.Event
	var errs <-chan error
	if fw != nil {
		events, errs = fw.Events, fw.Errors
	}
	rescan := time.NewTicker(w.opt.RescanInterval)
	defer rescan.Stop()
	// Poll while files are settling: the last write may come without an
	// event (network shares) and stability is a matter of time passing.
	settle := w.opt.StabilityDelay / 2
	if settle < 100*time.Millisecond {
		settle = 100 * time.Millisecond
	}
	poll := time.NewTimer(0)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev := <-events:
			if ev.Op&(fsnotify.Create|fsnotify.Write|fsnotify.Rename|fsnotify.Chmod) != 0 {
				resetTimer(poll, 50*time.Millisecond)
			}
		case err := <-errs:
			// Overflow means lost events: the next listing catches up.
			w.log.Warn("file notification error, rescanning", "err", err)
			resetTimer(poll, 0)
		case <-rescan.C:
			resetTimer(poll, 0)
		case <-poll.C:
			if pending := w.Scan(ctx); pending > 0 {
				resetTimer(poll, settle)
			}
		}
	}
}

func resetTimer(t *time.Timer, d time.Duration) {
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
	t.Reset(d)
}

// Scan lists every folder once, claims what is ready and returns how many
// files are still settling.
func (w *Watcher) Scan(ctx context.Context) int {
	if w.opt.Paused != nil && w.opt.Paused() {
		return 0
	}
	seen := map[string]bool{}
	pending := 0
	for _, f := range w.folders {
		entries, err := os.ReadDir(f.Path)
		if err != nil {
			w.log.Error("cannot list folder", "profile", f.Profile, "folder", f.Path, "err", err)
			continue
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
		for _, e := range entries {
			if ctx.Err() != nil {
				return pending
			}
			if !e.Type().IsRegular() || Ignored(e.Name(), w.opt.IgnorePatterns) {
				continue
			}
			path := filepath.Join(f.Path, e.Name())
			seen[path] = true
			ready, problem := w.observe(path)
			if !ready {
				pending++
				continue
			}
			w.claim(ctx, f, path, problem)
		}
	}
	w.mu.Lock()
	for p := range w.tracked {
		if !seen[p] {
			delete(w.tracked, p)
		}
	}
	w.mu.Unlock()
	return pending
}

// observe decides whether the file is ready: unchanged for the stability
// delay and passing its content check. A file that keeps failing the
// content check while unchanged for three times the delay is handed over
// with its problem, so that corrupt files end in the error folder instead of
// sitting in the inbox forever.
func (w *Watcher) observe(path string) (ready bool, problem error) {
	st, err := os.Stat(path)
	if err != nil {
		return false, nil
	}
	now := w.now()
	w.mu.Lock()
	o, ok := w.tracked[path]
	if !ok || o.size != st.Size() || !o.mtime.Equal(st.ModTime()) {
		o = &observation{size: st.Size(), mtime: st.ModTime(), since: now}
		w.tracked[path] = o
	}
	stableFor := now.Sub(o.since)
	w.mu.Unlock()
	// The modification time itself counts too: a file that was already
	// old when first seen (left from before a restart) need not wait.
	if age := now.Sub(st.ModTime()); age > stableFor {
		stableFor = age
	}
	if stableFor < w.opt.StabilityDelay {
		return false, nil
	}
	if w.opt.MaxFileSize > 0 && st.Size() > w.opt.MaxFileSize {
		return true, fmt.Errorf("%w: %d bytes, more than the configured maximum of %d", ErrTooLarge, st.Size(), w.opt.MaxFileSize)
	}
	_, err = Detect(path)
	if err == nil {
		return true, nil
	}
	grace := 3 * w.opt.StabilityDelay
	if grace < 3*time.Second {
		grace = 3 * time.Second
	}
	if stableFor < grace && !errors.Is(err, ErrUnsupported) {
		return false, nil
	}
	return true, err
}

// ErrTooLarge is reported for files above Options.MaxFileSize.
var ErrTooLarge = errors.New("file too large")

func (w *Watcher) claim(ctx context.Context, f Folder, path string, problem error) {
	c, err := ClaimFile(path, filepath.Join(w.opt.ClaimDir, f.Profile), f.Profile)
	w.mu.Lock()
	delete(w.tracked, path)
	w.mu.Unlock()
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			w.log.Error("cannot claim file", "profile", f.Profile, "file", filepath.Base(path), "err", err)
		}
		return
	}
	c.Problem = problem
	if err := w.h.HandleClaim(ctx, c); err != nil {
		w.log.Error("claimed file not registered; it stays in the work area until the next start", "profile", f.Profile, "file", c.SourceName, "err", err)
	}
}

// ClaimFile moves path into dir with an atomic rename, so that exactly one
// of several watchers gets it. The new name keeps the original one after a
// unique prefix.
func ClaimFile(path, dir, profile string) (Claim, error) {
	if err := os.MkdirAll(dir, 0o770); err != nil {
		return Claim{}, err
	}
	name := filepath.Base(path)
	dst := filepath.Join(dir, fmt.Sprintf("%d_%s", time.Now().UnixNano(), name))
	if err := os.Rename(path, dst); err != nil {
		return Claim{}, err
	}
	return Claim{Profile: profile, SourceName: name, Path: dst}, nil
}

// ClaimMeta is what a claim from a mail or an upload carries besides the
// file: it must survive a crash between claim and registration, or the
// recovered document would lose where it came from.
type ClaimMeta struct {
	Channel  string            `json:"channel"`
	Origin   map[string]string `json:"origin,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// claimMetaSuffix names the sidecar of a claimed file that keeps its
// ClaimMeta until the journal holds it.
const claimMetaSuffix = ".claim.json"

// ClaimFileAs is ClaimFile for a file of another channel. The sidecar with
// meta is written before the file is claimed, so Recover finds it with
// the file; RemoveClaimMeta drops it once the document is registered.
func ClaimFileAs(path, dir, profile string, meta ClaimMeta) (Claim, error) {
	if err := os.MkdirAll(dir, 0o770); err != nil {
		return Claim{}, err
	}
	name := filepath.Base(path)
	dst := filepath.Join(dir, fmt.Sprintf("%d_%s", time.Now().UnixNano(), name))
	b, err := json.Marshal(meta)
	if err != nil {
		return Claim{}, err
	}
	if err := fsutil.WriteFile(dst+claimMetaSuffix, b, 0o640); err != nil {
		return Claim{}, err
	}
	if err := os.Rename(path, dst); err != nil {
		os.Remove(dst + claimMetaSuffix)
		return Claim{}, err
	}
	return Claim{Profile: profile, SourceName: name, Path: dst, Channel: meta.Channel, Origin: meta.Origin, Metadata: meta.Metadata}, nil
}

// RemoveClaimMeta drops the sidecar of a claimed file once the journal
// holds what it said (the registration is done).
func RemoveClaimMeta(claimed string) {
	_ = os.Remove(claimed + claimMetaSuffix)
}

// SourceNameOf recovers the original name from a claimed path.
func SourceNameOf(claimed string) string {
	base := filepath.Base(claimed)
	if _, rest, ok := strings.Cut(base, "_"); ok {
		return rest
	}
	return base
}

// Recover offers every file left in the claim area (a crash between claim
// and registration) to the handler again.
func Recover(ctx context.Context, claimDir string, h Handler) error {
	profiles, err := os.ReadDir(claimDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, p := range profiles {
		if !p.IsDir() {
			continue
		}
		files, err := os.ReadDir(filepath.Join(claimDir, p.Name()))
		if err != nil {
			return err
		}
		for _, f := range files {
			if !f.Type().IsRegular() {
				continue
			}
			path := filepath.Join(claimDir, p.Name(), f.Name())
			if strings.HasSuffix(path, claimMetaSuffix) {
				if _, err := os.Stat(strings.TrimSuffix(path, claimMetaSuffix)); errors.Is(err, fs.ErrNotExist) {
					os.Remove(path) // its file is registered and gone, or was never claimed
				}
				continue
			}
			c := Claim{Profile: p.Name(), SourceName: SourceNameOf(path), Path: path}
			if b, err := os.ReadFile(path + claimMetaSuffix); err == nil {
				var m ClaimMeta
				if json.Unmarshal(b, &m) == nil {
					c.Channel, c.Origin, c.Metadata = m.Channel, m.Origin, m.Metadata
				}
			}
			if _, err := Detect(path); err != nil {
				c.Problem = err
			}
			if err := h.HandleClaim(ctx, c); err != nil {
				return fmt.Errorf("intake: recover %s: %w", f.Name(), err)
			}
		}
	}
	return nil
}
