package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/intake"
	"github.com/eingang/eingang/internal/journal"
)

type recordingQueue struct {
	mu    sync.Mutex
	steps []string
}

func (q *recordingQueue) Enqueue(ctx context.Context, id, step string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.steps = append(q.steps, id[:8]+":"+step)
	return nil
}

func newTestPipeline(t *testing.T) (*Pipeline, *journal.SQLite, string) {
	t.Helper()
	root := t.TempDir()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
paths: {work: %[1]s/work, done: %[1]s/done, error: %[1]s/error}
targets: {archive: {type: archive, dir: %[1]s/archive}}
profiles: [{name: post, folder: %[1]s/inbox, kind: post, target: archive}]
`, root)), nil)
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.OpenSQLite(context.Background(), filepath.Join(root, "j.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return New(Options{Config: cfg, Journal: j}), j, root
}

func claim(t *testing.T, p *Pipeline, root, name, content string) intake.Claim {
	t.Helper()
	src := filepath.Join(root, name)
	if err := os.WriteFile(src, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := intake.ClaimFile(src, filepath.Join(p.ClaimDir(), "post"), "post")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Offering the same claimed file again (crash recovery) must not create a
// second document or a duplicate record.
func TestHandleClaimIsIdempotent(t *testing.T) {
	p, j, root := newTestPipeline(t)
	q := &recordingQueue{}
	in := p.Intake(q)
	ctx := context.Background()
	c := claim(t, p, root, "a.pdf", "%PDF-1.4 a\n%%EOF")
	for i := 0; i < 3; i++ {
		if err := in.HandleClaim(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	docs, _ := j.List(ctx, journal.Filter{})
	if len(docs) != 1 || docs[0].State != journal.StateReceived {
		t.Fatalf("docs = %+v", docs)
	}
	if len(q.steps) != 3 || !strings.HasSuffix(q.steps[0], ":ingest") {
		t.Errorf("enqueued %v (each offer re-enqueues; the queue dedups by task id)", q.steps)
	}
}

// A failed document dropped again is retried, not recorded as a duplicate.
func TestDroppingAFailedDocumentRetriesIt(t *testing.T) {
	p, j, root := newTestPipeline(t)
	q := &recordingQueue{}
	in := p.Intake(q)
	ctx := context.Background()
	c := claim(t, p, root, "r.pdf", "%PDF-1.4 r\n%%EOF")
	if err := in.HandleClaim(ctx, c); err != nil {
		t.Fatal(err)
	}
	docs, _ := j.List(ctx, journal.Filter{})
	id := docs[0].ID
	cause := errors.New("DMS rejected it")
	if err := p.Fail(ctx, id, StepDeliver, cause, "Das Zielsystem hat das Dokument abgelehnt."); err != nil {
		t.Fatal(err)
	}
	// Failing again changes nothing (the handler may run twice).
	if err := p.Fail(ctx, id, StepDeliver, cause, "anders"); err != nil {
		t.Fatal(err)
	}
	reason, err := os.ReadFile(filepath.Join(root, "error", "r.pdf.error.txt"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(reason)
	if !strings.HasPrefix(text, "Das Zielsystem hat das Dokument abgelehnt.") || !strings.Contains(text, id) ||
		!strings.Contains(text, "DMS rejected it") || strings.Contains(text, "anders") {
		t.Errorf("reason file:\n%s", text)
	}
	if errs, _ := filepath.Glob(filepath.Join(root, "error", "*")); len(errs) != 2 {
		t.Errorf("error folder: %v", errs)
	}
	// The clerk drops the original again.
	c2 := claim(t, p, root, "r.pdf", "%PDF-1.4 r\n%%EOF")
	if err := in.HandleClaim(ctx, c2); err != nil {
		t.Fatal(err)
	}
	d, _ := j.Get(ctx, id)
	if d.State != journal.StateReceived || d.Step != StepIngest || d.WorkPath != c2.Path || d.Error != "" {
		t.Errorf("after re-drop: %+v", d)
	}
	all, _ := j.List(ctx, journal.Filter{})
	if len(all) != 1 {
		t.Errorf("re-drop created %d records", len(all))
	}
}

func TestBrokenFilesGetTheirOwnRecords(t *testing.T) {
	p, j, root := newTestPipeline(t)
	in := p.Intake(&recordingQueue{})
	ctx := context.Background()
	for _, n := range []string{"leer1.pdf", "leer2.pdf"} {
		c := claim(t, p, root, n, "")
		c.Problem = intake.ErrEmpty
		if err := in.HandleClaim(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	failed, _ := j.List(ctx, journal.Filter{State: journal.StateFailed})
	if len(failed) != 2 {
		t.Fatalf("%d failed records, want 2", len(failed))
	}
	for _, n := range []string{"leer1.pdf", "leer2.pdf"} {
		b, err := os.ReadFile(filepath.Join(root, "error", n+".error.txt"))
		if err != nil || !strings.Contains(string(b), "Die Datei ist leer.") {
			t.Errorf("%s: %s %v", n, b, err)
		}
	}
}

func TestMoveUniqueKeepsBothFiles(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 3; i++ {
		src := filepath.Join(t.TempDir(), "x.pdf")
		os.WriteFile(src, []byte{byte(i)}, 0o644)
		if _, err := moveUnique(src, dir, "x.pdf"); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"x.pdf", "x (2).pdf", "x (3).pdf"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s missing", n)
		}
	}
}
