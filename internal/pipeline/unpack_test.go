package pipeline

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/journal"
)

// TestZIPIsUnpackedIntoTheHotFolder: a ZIP dropped into a hot folder puts
// its files into that folder as new files (each then a document of its
// own) and is itself finished and moved to done/; running the step again
// (asynq is at-least-once) changes nothing.
func TestZIPIsUnpackedIntoTheHotFolder(t *testing.T) {
	p, j, root := newTestPipeline(t)
	inbox := p.cfg.Profiles[0].Folder
	if err := os.MkdirAll(inbox, 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, n := range []string{"März/RE-1.pdf", "RE-2.pdf", "__MACOSX/._RE-2.pdf"} {
		w, _ := zw.Create(n)
		w.Write([]byte("%PDF-1.4 " + n + "\n%%EOF\n"))
	}
	zw.Close()
	q := &recordingQueue{}
	c := claim(t, p, root, "Rechnungen.zip", b.String())
	ctx := context.Background()
	if err := p.Intake(q).HandleClaim(ctx, c); err != nil {
		t.Fatal(err)
	}
	id := q.tasks[0].ID
	next, err := p.Run(ctx, StepIngest, id)
	if err != nil || next != StepUnpack {
		t.Fatalf("ingest: next %q, %v", next, err)
	}
	for range 2 {
		if next, err = p.Run(ctx, StepUnpack, id); err != nil || next != "" {
			t.Fatalf("unpack: next %q, %v", next, err)
		}
	}
	d, err := j.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != journal.StateDelivered || d.Format != "zip" || d.Target == nil || d.Target.Target != "unpacked" {
		t.Errorf("archive record %+v", d)
	}
	var events []string
	for _, e := range d.Events {
		events = append(events, e.Step+": "+e.Detail)
	}
	if !strings.Contains(strings.Join(events, "\n"), "2 files into the hot folder") {
		t.Errorf("events do not list the files:\n%s", strings.Join(events, "\n"))
	}
	ents, _ := os.ReadDir(inbox)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if strings.Join(names, "|") != "Rechnungen.zip__RE-1.pdf|Rechnungen.zip__RE-2.pdf" {
		t.Errorf("hot folder holds %q", names)
	}
	done, _ := filepath.Glob(filepath.Join(p.cfg.Paths.Done, "*", "Rechnungen.zip"))
	if len(done) != 1 {
		t.Errorf("archive not moved to done/: %v", done)
	}
}
