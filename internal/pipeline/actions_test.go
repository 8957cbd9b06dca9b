package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/fields"
	"github.com/eingang/eingang/internal/intake"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/journal/sqlite"
)

// failedDoc registers a file and fails it at deliver, as a DMS refusal
// would; it returns the document id.
func failedDoc(t *testing.T, p *Pipeline, in *Intake, root, name, content string) string {
	t.Helper()
	ctx := context.Background()
	c := claim(t, p, root, name, content)
	id, err := in.Register(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Fail(ctx, id, StepDeliver, errors.New("DMS rejected it"), "Das Zielsystem hat das Dokument abgelehnt."); err != nil {
		t.Fatal(err)
	}
	return id
}

func lastEvent(t *testing.T, j *sqlite.Journal, id string) journal.Event {
	t.Helper()
	d, err := j.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return d.Events[len(d.Events)-1]
}

func actionEvents(t *testing.T, j *sqlite.Journal, id string) []journal.Event {
	t.Helper()
	d, err := j.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []journal.Event
	for _, e := range d.Events {
		if e.Step == "action" {
			out = append(out, e)
		}
	}
	return out
}

// Retry takes the original back from the error folder, removes its reason
// file and queues it like a newly dropped file; a second click finds the
// document no longer failed and changes nothing.
func TestRetryTakesTheOriginalBack(t *testing.T) {
	p, j, root := newTestPipeline(t)
	q := &recordingQueue{}
	in := p.Intake(q)
	ctx := context.Background()
	id := failedDoc(t, p, in, root, "r.pdf", "%PDF-1.4 r\n%%EOF")
	d, _ := j.Get(ctx, id)
	if d.WorkPath != filepath.Join(root, "error", "r.pdf") {
		t.Fatalf("Fail recorded WorkPath %q", d.WorkPath)
	}
	q.tasks = nil
	if err := in.Retry(ctx, id, "poststelle"); err != nil {
		t.Fatal(err)
	}
	d, _ = j.Get(ctx, id)
	if d.State != journal.StateReceived || d.Step != StepIngest || d.Error != "" || d.SourceName != "r.pdf" {
		t.Errorf("after retry: state %s step %s error %q name %q", d.State, d.Step, d.Error, d.SourceName)
	}
	if !strings.HasPrefix(d.WorkPath, p.ClaimDir()) {
		t.Errorf("retried file at %s, not in the claims folder", d.WorkPath)
	}
	if left, _ := filepath.Glob(filepath.Join(root, "error", "*")); len(left) != 0 {
		t.Errorf("error folder still holds %v", left)
	}
	if len(q.tasks) != 1 || q.tasks[0] != (Task{ID: id, Step: StepIngest, SourceName: "r.pdf", Profile: "post"}) {
		t.Errorf("queued %+v", q.tasks)
	}
	ev := actionEvents(t, j, id)
	if len(ev) != 1 || ev[0].Outcome != "retry" || !strings.Contains(ev[0].Detail, "user=poststelle") {
		t.Errorf("action events %+v", ev)
	}
	// Double click.
	if err := in.Retry(ctx, id, "poststelle"); !errors.Is(err, ErrNotFailed) {
		t.Errorf("second retry: %v, want ErrNotFailed", err)
	}
	if len(q.tasks) != 1 || len(actionEvents(t, j, id)) != 1 {
		t.Errorf("second retry queued or journaled again: %d tasks", len(q.tasks))
	}
}

// A clerk removed the file from the error folder, or put another file of
// the same name there: retry says so and changes nothing.
func TestRetryWithoutTheOriginal(t *testing.T) {
	p, j, root := newTestPipeline(t)
	q := &recordingQueue{}
	in := p.Intake(q)
	ctx := context.Background()
	id := failedDoc(t, p, in, root, "weg.pdf", "%PDF-1.4 weg\n%%EOF")
	orig := filepath.Join(root, "error", "weg.pdf")
	if err := os.Remove(orig); err != nil {
		t.Fatal(err)
	}
	q.tasks = nil
	for _, content := range []string{"", "%PDF-1.4 anderer Inhalt\n%%EOF"} {
		if content != "" {
			os.WriteFile(orig, []byte(content), 0o644)
		}
		err := in.Retry(ctx, id, "poststelle")
		if !errors.Is(err, ErrOriginalGone) {
			t.Fatalf("retry: %v, want ErrOriginalGone", err)
		}
		if _, clerk, ok := Explain(err); !ok || !strings.Contains(clerk, "nicht mehr im Fehlerordner") {
			t.Errorf("clerk message %q", clerk)
		}
	}
	if d, _ := j.Get(ctx, id); d.State != journal.StateFailed || len(q.tasks) != 0 {
		t.Errorf("state %s, %d tasks", d.State, len(q.tasks))
	}
	if _, err := os.Stat(orig); err != nil {
		t.Error("the other file was taken")
	}
}

// Only paths inside the error folder are taken back, whatever the journal
// says.
func TestRetryStaysInTheErrorFolder(t *testing.T) {
	p, j, root := newTestPipeline(t)
	in := p.Intake(&recordingQueue{})
	ctx := context.Background()
	id := failedDoc(t, p, in, root, "x.pdf", "%PDF-1.4 x\n%%EOF")
	outside := filepath.Join(root, "x.pdf")
	os.Rename(filepath.Join(root, "error", "x.pdf"), outside)
	if _, err := j.Update(ctx, id, journal.Event{}, func(d *journal.Document) error {
		d.WorkPath, d.SourceName = outside, "../x.pdf"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := in.Retry(ctx, id, "poststelle"); !errors.Is(err, ErrOriginalGone) {
		t.Errorf("retry of a path outside the error folder: %v", err)
	}
	if _, err := os.Stat(outside); err != nil {
		t.Error("file outside the error folder was moved")
	}
}

// A file refused at intake that is still broken stays where it is; the
// attempt is journaled with the user.
func TestRetryOfAStillBrokenFile(t *testing.T) {
	p, j, root := newTestPipeline(t)
	q := &recordingQueue{}
	in := p.Intake(q)
	ctx := context.Background()
	c := claim(t, p, root, "leer.pdf", "")
	c.Problem = intake.ErrEmpty
	id, err := in.Register(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	err = in.Retry(ctx, id, "poststelle")
	if !errors.Is(err, ErrStillBroken) {
		t.Fatalf("retry: %v", err)
	}
	if d, _ := j.Get(ctx, id); d.State != journal.StateFailed || len(q.tasks) != 0 {
		t.Errorf("state %s, tasks %v", d.State, q.tasks)
	}
	if ev := lastEvent(t, j, id); ev.Step != "action" || !strings.Contains(ev.Detail, "user=poststelle") || !strings.Contains(ev.Detail, "empty") {
		t.Errorf("last event %+v", ev)
	}
	for _, n := range []string{"leer.pdf", "leer.pdf.error.txt"} {
		if _, err := os.Stat(filepath.Join(root, "error", n)); err != nil {
			t.Errorf("%s gone from the error folder", n)
		}
	}
}

// Marking a review item as checked sets who and when, once.
func TestMarkChecked(t *testing.T) {
	p, j, _ := newTestPipeline(t)
	in := p.Intake(&recordingQueue{})
	ctx := context.Background()
	add := func(id, state string, f map[string]string) {
		t.Helper()
		if _, _, err := j.Create(ctx, &journal.Document{ID: id, SourceName: id + ".pdf", Profile: "post", State: state, Fields: f}); err != nil {
			t.Fatal(err)
		}
	}
	add("review", journal.StateDelivered, map[string]string{fields.NeedsReview: "true", fields.ReviewWhy: "Summe stimmt nicht"})
	add("plain", journal.StateDelivered, map[string]string{"x": "y"})
	add("failed", journal.StateFailed, map[string]string{fields.NeedsReview: "true"})
	if err := in.MarkChecked(ctx, "review", "kaemmerei"); err != nil {
		t.Fatal(err)
	}
	d, _ := j.Get(ctx, "review")
	if d.Fields[fields.ReviewCheckedBy] != "kaemmerei" || d.Fields[fields.ReviewCheckedAt] == "" {
		t.Errorf("fields %v", d.Fields)
	}
	if ev := lastEvent(t, j, "review"); ev.Step != "action" || ev.Outcome != "checked" || ev.Detail != "user=kaemmerei" {
		t.Errorf("event %+v", ev)
	}
	for _, tc := range []struct {
		id   string
		want error
	}{{"review", ErrAlreadyChecked}, {"plain", ErrNoReview}, {"failed", ErrNoReview}, {"nope", journal.ErrNotFound}} {
		if err := in.MarkChecked(ctx, tc.id, "andere"); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.id, err, tc.want)
		}
	}
	if n := len(actionEvents(t, j, "review")); n != 1 {
		t.Errorf("%d action events after the second click", n)
	}
	if d, _ := j.Get(ctx, "review"); d.Fields[fields.ReviewCheckedBy] != "kaemmerei" {
		t.Error("second click changed who checked")
	}
}

// A file refused at intake that passes now (the limit was raised, the
// clerk repaired it in the error folder) becomes a document of its content;
// the refused record points there.
func TestRetryOfARepairedRefusedFile(t *testing.T) {
	p, j, root := newTestPipeline(t)
	q := &recordingQueue{}
	in := p.Intake(q)
	ctx := context.Background()
	c := claim(t, p, root, "gross.pdf", "")
	c.Problem = intake.ErrEmpty
	id, err := in.Register(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	good := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\nstartxref\n0\n%%EOF\n")
	if err := os.WriteFile(filepath.Join(root, "error", "gross.pdf"), good, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := intake.Detect(filepath.Join(root, "error", "gross.pdf")); err != nil {
		t.Fatalf("fixture not accepted by the content check: %v", err)
	}
	if err := in.Retry(ctx, id, "poststelle"); err != nil {
		t.Fatal(err)
	}
	old, _ := j.Get(ctx, id)
	if old.State != journal.StateDuplicate || old.DuplicateOf == "" || old.DuplicateOf == id {
		t.Fatalf("refused record after retry: state %s, duplicate of %q", old.State, old.DuplicateOf)
	}
	doc, err := j.Get(ctx, old.DuplicateOf)
	if err != nil || doc.State != journal.StateReceived || doc.SourceName != "gross.pdf" {
		t.Fatalf("new document: %+v %v", doc, err)
	}
	if len(q.tasks) != 1 || q.tasks[0].ID != doc.ID || q.tasks[0].Step != StepIngest {
		t.Errorf("queued %+v", q.tasks)
	}
	if _, err := os.Stat(filepath.Join(root, "error", "gross.pdf.error.txt")); !os.IsNotExist(err) {
		t.Errorf("reason file still there: %v", err)
	}
}
