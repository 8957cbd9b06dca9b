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
	"github.com/eingang/eingang/internal/journal/sqlite"
)

type recordingQueue struct {
	mu    sync.Mutex
	steps []string
	tasks []Task
}

func (q *recordingQueue) Enqueue(ctx context.Context, t Task) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.steps = append(q.steps, t.ID[:8]+":"+t.Step)
	q.tasks = append(q.tasks, t)
	return nil
}

// countingObserver records intake rejections by profile and reason.
type countingObserver struct {
	nopObserver
	rejected map[string]int
}

func (o *countingObserver) IntakeRejected(profile, reason string) {
	o.rejected[profile+"/"+reason]++
}

func newTestPipeline(t *testing.T) (*Pipeline, *sqlite.Journal, string) {
	t.Helper()
	return newObservedPipeline(t, nil)
}

func newObservedPipeline(t *testing.T, obs Observer) (*Pipeline, *sqlite.Journal, string) {
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
	j, err := sqlite.Open(context.Background(), filepath.Join(root, "j.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return New(Options{Config: cfg, Journal: j, Observer: obs}), j, root
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
	// The queue UI lists tasks by payload: every one names file and profile.
	for _, task := range q.tasks {
		if task.SourceName != "a.pdf" || task.Profile != "post" || task.ID != docs[0].ID {
			t.Errorf("task %+v does not name its file and profile", task)
		}
	}
	// So does every task re-enqueued from the journal after a restart.
	q.tasks = nil
	if _, err := in.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if len(q.tasks) == 0 {
		t.Fatal("recovery enqueued nothing")
	}
	for _, task := range q.tasks {
		if task.SourceName != "a.pdf" || task.Profile != "post" || task.Step != StepIngest {
			t.Errorf("recovered task %+v does not name its file and profile", task)
		}
	}
}

// Files refused by the content check never become tasks; they are counted
// per profile and reason, and their journal record says why.
func TestIntakeRejectionsAreCounted(t *testing.T) {
	obs := &countingObserver{rejected: map[string]int{}}
	p, j, root := newObservedPipeline(t, obs)
	q := &recordingQueue{}
	in := p.Intake(q)
	ctx := context.Background()
	cases := []struct {
		name, content string
		problem       error
		reason        string
	}{
		{"leer.pdf", "", intake.ErrEmpty, "empty"},
		{"brief.docx", "PK\x03\x04", intake.ErrUnsupported, "unsupported"},
		{"kaputt.pdf", "%PDF-1.4 cut", fmt.Errorf("%w: PDF has no end-of-file marker", intake.ErrIncomplete), "damaged"},
		{"kaputt2.pdf", "%PDF-1.4 also cut", fmt.Errorf("%w: PDF has no trailer", intake.ErrIncomplete), "damaged"},
	}
	for _, c := range cases {
		cl := claim(t, p, root, c.name, c.content)
		cl.Problem = c.problem
		if err := in.HandleClaim(ctx, cl); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]int{"post/empty": 1, "post/unsupported": 1, "post/damaged": 2}
	if fmt.Sprint(obs.rejected) != fmt.Sprint(want) {
		t.Errorf("counted %v, want %v", obs.rejected, want)
	}
	if len(q.tasks) != 0 {
		t.Errorf("refused files became tasks: %+v", q.tasks)
	}
	failed, _ := j.List(ctx, journal.Filter{State: journal.StateFailed})
	if len(failed) != len(cases) {
		t.Fatalf("%d failed records, want %d", len(failed), len(cases))
	}
	for _, d := range failed {
		for _, c := range cases {
			if d.SourceName == c.name && d.Fields[FieldIntakeRejected] != c.reason {
				t.Errorf("%s: fields %v, want %s=%s", c.name, d.Fields, FieldIntakeRejected, c.reason)
			}
		}
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
