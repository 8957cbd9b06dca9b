package intake

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type recorder struct {
	mu     sync.Mutex
	claims []Claim
}

func (r *recorder) HandleClaim(ctx context.Context, c Claim) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.claims = append(r.claims, c)
	return nil
}

func (r *recorder) names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, c := range r.claims {
		out = append(out, c.SourceName)
	}
	return out
}

const okPDF = "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\nstartxref\n9\n%%EOF\n"

func newTestWatcher(t *testing.T, delay time.Duration) (*Watcher, *recorder, string, *time.Time) {
	t.Helper()
	root := t.TempDir()
	in := filepath.Join(root, "inbox")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	w := NewWatcher([]Folder{{Profile: "post", Path: in}}, Options{
		StabilityDelay: delay, RescanInterval: time.Hour, ClaimDir: filepath.Join(root, "work", "claims"), MaxFileSize: 1 << 20,
	}, rec, slog.New(slog.NewTextHandler(io.Discard, nil)))
	now := time.Now()
	w.now = func() time.Time { return now }
	return w, rec, in, &now
}

func TestIgnored(t *testing.T) {
	for name, want := range map[string]bool{
		"scan.pdf": false, "Rechnung 2024.tif": false,
		".hidden.pdf": true, "scan.pdf.tmp": true, "scan.PART": true, "~$brief.docx": true,
		"Thumbs.db": true, "x.pdf.error.txt": true, "upload.crdownload": true,
	} {
		if got := Ignored(name, nil); got != want {
			t.Errorf("Ignored(%q) = %v, want %v", name, got, want)
		}
	}
	if !Ignored("batch.lock", []string{"*.lock"}) {
		t.Error("extra pattern not applied")
	}
}

// TestStability drives the clock by hand: a file is claimed only after its
// size and mtime stayed the same for the delay.
func TestStability(t *testing.T) {
	w, rec, in, now := newTestWatcher(t, 5*time.Second)
	p := filepath.Join(in, "a.pdf")
	// mtime in the "future" of the fake clock so that age does not count.
	write := func(s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		mt := now.Add(time.Hour)
		os.Chtimes(p, mt, mt)
	}
	write(okPDF[:20])
	ctx := context.Background()
	if n := w.Scan(ctx); n != 1 || len(rec.names()) != 0 {
		t.Fatalf("first sight: pending %d claims %v", n, rec.names())
	}
	*now = now.Add(3 * time.Second)
	write(okPDF) // grows: the clock starts again
	mt := now.Add(2 * time.Hour)
	os.Chtimes(p, mt, mt)
	w.Scan(ctx)
	*now = now.Add(4 * time.Second)
	if w.Scan(ctx); len(rec.names()) != 0 {
		t.Fatal("claimed before the delay passed since the last change")
	}
	*now = now.Add(2 * time.Second)
	w.Scan(ctx)
	if got := rec.names(); len(got) != 1 || got[0] != "a.pdf" {
		t.Fatalf("claims = %v, want [a.pdf]", got)
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Error("file still in the inbox after the claim")
	}
	c := rec.claims[0]
	if c.Problem != nil || !strings.HasPrefix(c.Path, filepath.Join(filepath.Dir(in), "work", "claims", "post")) {
		t.Errorf("claim = %+v", c)
	}
	if b, _ := os.ReadFile(c.Path); string(b) != okPDF {
		t.Error("claimed file content changed")
	}
}

// An old file (left from before a restart) is taken at once.
func TestOldFilesNeedNoWait(t *testing.T) {
	w, rec, in, now := newTestWatcher(t, 5*time.Second)
	p := writeFile(t, in, "old.pdf", []byte(okPDF))
	old := now.Add(-time.Minute)
	os.Chtimes(p, old, old)
	w.Scan(context.Background())
	if len(rec.names()) != 1 {
		t.Fatalf("claims = %v", rec.names())
	}
}

// A stable file that fails its content check is given a grace period (it may
// be written with holes) and then claimed with its problem.
func TestCorruptFileClaimedWithProblem(t *testing.T) {
	w, rec, in, now := newTestWatcher(t, 2*time.Second)
	p := writeFile(t, in, "bad.pdf", []byte("%PDF-1.4 garbage without end"))
	mt := now.Add(time.Hour)
	os.Chtimes(p, mt, mt)
	ctx := context.Background()
	w.Scan(ctx)
	*now = now.Add(3 * time.Second)
	if w.Scan(ctx); len(rec.names()) != 0 {
		t.Fatal("corrupt file claimed without grace period")
	}
	*now = now.Add(5 * time.Second)
	w.Scan(ctx)
	if len(rec.claims) != 1 || !errors.Is(rec.claims[0].Problem, ErrIncomplete) {
		t.Fatalf("claims = %+v", rec.claims)
	}
}

func TestIgnoredAndTooLarge(t *testing.T) {
	w, rec, in, now := newTestWatcher(t, time.Second)
	writeFile(t, in, "scan.pdf.tmp", []byte(okPDF))
	writeFile(t, in, ".DS_Store", []byte("x"))
	big := writeFile(t, in, "big.pdf", make([]byte, 2<<20))
	old := now.Add(-time.Hour)
	os.Chtimes(big, old, old)
	w.Scan(context.Background())
	if len(rec.claims) != 1 || rec.claims[0].SourceName != "big.pdf" || !errors.Is(rec.claims[0].Problem, ErrTooLarge) {
		t.Fatalf("claims = %+v", rec.claims)
	}
	if _, err := os.Stat(filepath.Join(in, "scan.pdf.tmp")); err != nil {
		t.Error("temporary file was touched")
	}
}

// Two watchers racing for the same folder: exactly one gets each file.
func TestClaimIsExclusive(t *testing.T) {
	root := t.TempDir()
	src := writeFile(t, root, "x.pdf", []byte(okPDF))
	var wins int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := ClaimFile(src, filepath.Join(root, "claims"), "post"); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d watchers claimed the file, want 1", wins)
	}
}

func TestRecoverOffersLeftovers(t *testing.T) {
	root := t.TempDir()
	c, err := ClaimFile(writeFile(t, root, "Brief 1.pdf", []byte(okPDF)), filepath.Join(root, "claims", "post"), "post")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	if err := Recover(context.Background(), filepath.Join(root, "claims"), rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.claims) != 1 || rec.claims[0].Path != c.Path || rec.claims[0].SourceName != "Brief 1.pdf" || rec.claims[0].Profile != "post" {
		t.Fatalf("recovered %+v, want %+v", rec.claims, c)
	}
}

// Run picks up files through fsnotify well before the rescan interval.
func TestRunPicksUpQuickly(t *testing.T) {
	w, rec, in, _ := newTestWatcher(t, 200*time.Millisecond)
	w.now = time.Now
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	time.Sleep(100 * time.Millisecond)
	writeFile(t, in, "new.pdf", []byte(okPDF))
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && len(rec.names()) == 0 {
		time.Sleep(50 * time.Millisecond)
	}
	if len(rec.names()) != 1 {
		t.Fatal("file not picked up within 5 s although the rescan interval is an hour")
	}
}

// A mail or upload claim keeps its channel and origin through a crash
// between claim and registration: Recover reads them from the sidecar,
// and an orphaned sidecar is cleaned up.
func TestRecoverKeepsClaimMeta(t *testing.T) {
	dir := t.TempDir()
	claims := filepath.Join(dir, "claims")
	src := filepath.Join(dir, "RE-1.pdf")
	if err := os.WriteFile(src, []byte("%PDF-1.4\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	meta := ClaimMeta{Channel: "mail", Origin: map[string]string{"account": "rechnung", "message_id": "<1@x>"}, Metadata: map[string]string{"eingangskanal": "mail"}}
	c, err := ClaimFileAs(src, filepath.Join(claims, "rechnung"), "rechnung", meta)
	if err != nil {
		t.Fatal(err)
	}
	orphan := filepath.Join(claims, "rechnung", "123_gone.pdf"+claimMetaSuffix)
	if err := os.WriteFile(orphan, []byte(`{"channel":"upload"}`), 0o640); err != nil {
		t.Fatal(err)
	}
	var got []Claim
	h := handlerFunc(func(_ context.Context, c Claim) error { got = append(got, c); return nil })
	if err := Recover(context.Background(), claims, h); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Path != c.Path || got[0].Channel != "mail" || got[0].Origin["message_id"] != "<1@x>" || got[0].Metadata["eingangskanal"] != "mail" {
		t.Fatalf("recovered %+v", got)
	}
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Errorf("orphaned sidecar not removed: %v", err)
	}
	RemoveClaimMeta(c.Path)
	if _, err := os.Stat(c.Path + claimMetaSuffix); !os.IsNotExist(err) {
		t.Errorf("sidecar still there after RemoveClaimMeta")
	}
}

type handlerFunc func(context.Context, Claim) error

func (f handlerFunc) HandleClaim(ctx context.Context, c Claim) error { return f(ctx, c) }
