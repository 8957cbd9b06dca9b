package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/batch/batchtest"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/pdf"
	"github.com/eingang/eingang/internal/testenv"
	"github.com/eingang/eingang/internal/transfervermerk"
)

// TestBatchScanSplit drops one generated batch (separator sheets, blank
// duplex backs) into a stapel profile of a running serve: the batch ends
// split and lists its parts, each part is delivered to the archive on
// its own with its place in the batch, and its Transfervermerk lists the
// batch pages left out of it.
func TestBatchScanSplit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary with OCR")
	}
	var b batchtest.Batch
	for _, x := range batchtest.Load(t) {
		if x.Name == "batch-04" {
			b = x
		}
	}
	if b.Name == "" {
		t.Fatal("no batch-04 among the generated batches")
	}
	var imgs []*pdf.Image
	for _, p := range b.Pages {
		data, err := os.ReadFile(p.File)
		if err != nil {
			t.Fatal(err)
		}
		read := pdf.ReadJPEG
		if strings.HasSuffix(p.File, ".png") {
			read = pdf.ReadPNG
		}
		im, err := read(data, pdf.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		imgs = append(imgs, im)
	}
	redis := testenv.StartRedis(t)
	in := newInstanceWith(t, redis.URL(), `  - name: stapel
    folder: %[1]s/inbox/stapel
    create: true
    kind: post
    target: archive
    scan_protocol: {operator: "Erika Musterfrau", org_unit: "Scanstelle", scanner: "Fujitsu fi-7160", workstation: "SCAN-01", procedure: "Posteingang", procedure_version: "1.0", dpi: 200, colour_mode: gray, duplex: true}
    batch: {separators: true, blank_pages: remove, max_pages_per_document: 50}
`)
	in.start()
	folder := filepath.Join(in.root, "inbox", "stapel")
	os.MkdirAll(folder, 0o755)
	tmp := filepath.Join(in.root, "stapel.pdf")
	if err := os.WriteFile(tmp, pdf.ImagesToPDF(imgs), 0o644); err != nil {
		t.Fatal(err)
	}
	copyFile(t, tmp, filepath.Join(folder, "stapel.pdf"))
	final := in.waitFinal(1+len(b.Docs), 3*time.Minute)
	bd := final["stapel.pdf"]
	if bd.State != journal.StateSplit || len(bd.Parts) != len(b.Docs) {
		t.Fatalf("batch: state %q parts %v (%s)", bd.State, bd.Parts, bd.Error)
	}
	if done, _ := filepath.Glob(filepath.Join(in.root, "done", "*", "stapel.pdf")); len(done) != 1 {
		t.Errorf("original in done/: %v", done)
	}
	want := b.Want()
	for i, id := range bd.Parts {
		var d journal.Document
		in.api("/api/v1/documents/"+id, &d)
		if d.State != journal.StateDelivered || d.Batch == nil || d.Batch.ID != bd.ID || d.Batch.Part != i+1 {
			t.Fatalf("part %d: state %q batch %+v (%s)", i+1, d.State, d.Batch, d.Error)
		}
		if d.Pages != len(want[i]) {
			t.Errorf("part %d: %d pages, want %d", i+1, d.Pages, len(want[i]))
		}
		rec, err := transfervermerk.Read(archived(t, in.root, id, ".pdf"))
		if err != nil {
			t.Fatalf("part %d: %v", i+1, err)
		}
		if rec.Batch == nil || rec.Batch.ID != bd.ID || len(rec.Batch.RemovedPages) == 0 {
			t.Errorf("part %d: Transfervermerk batch %+v", i+1, rec.Batch)
		}
		for _, r := range rec.Batch.RemovedPages {
			if k := b.Pages[r.BatchPage-1].Kind; k != batchtest.Blank && k != batchtest.Separator {
				t.Errorf("part %d: removed batch page %d is %s", i+1, r.BatchPage, k)
			}
		}
	}
}
