package archive

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/dms"
)

const id = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

func TestDeliverWritesLayoutAndIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(t.TempDir(), "doc.pdf")
	os.WriteFile(src, []byte("%PDF-1.4 test"), 0o644)
	att := filepath.Join(t.TempDir(), "pages.json")
	os.WriteFile(att, []byte(`[]`), 0o644)
	tg := New("archive", dir)
	doc := &dms.Document{ID: id, SourceName: "Rechnung.pdf", Profile: "rechnung", Kind: "rechnung", Pages: 2, PDFPath: src,
		Text: "Rechnung Nr. 4711", Received: time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC),
		Metadata: map[string]string{"invoice_number": "4711"}, Attachments: []dms.Attachment{{Name: "pages.json", Path: att}}}
	rec, err := tg.Deliver(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, "2026", "03", id)
	if b, _ := os.ReadFile(base + ".pdf"); string(b) != "%PDF-1.4 test" {
		t.Error("pdf not copied")
	}
	if b, _ := os.ReadFile(base + ".txt"); string(b) != "Rechnung Nr. 4711" {
		t.Error("text not written")
	}
	var meta Metadata
	b, _ := os.ReadFile(base + ".json")
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	if meta.SHA256 != id || meta.SourceName != "Rechnung.pdf" || meta.Pages != 2 || meta.Fields["invoice_number"] != "4711" || meta.Kind != "rechnung" {
		t.Errorf("meta = %+v", meta)
	}
	if rec.Ref != "2026/03/"+id || rec.Existing {
		t.Errorf("receipt = %+v", rec)
	}
	// Again: nothing new is written.
	os.WriteFile(src, []byte("changed"), 0o644)
	rec2, err := tg.Deliver(context.Background(), doc)
	if err != nil || !rec2.Existing || rec2.Ref != rec.Ref {
		t.Fatalf("second delivery: %+v %v", rec2, err)
	}
	if b, _ := os.ReadFile(base + ".pdf"); string(b) != "%PDF-1.4 test" {
		t.Error("second delivery overwrote the archived copy")
	}
	files, _ := os.ReadDir(filepath.Dir(base))
	if len(files) != 4 {
		t.Errorf("archive holds %d files, want pdf, txt, json and one attachment", len(files))
	}
}

func TestRejectsBadID(t *testing.T) {
	_, err := New("archive", t.TempDir()).Deliver(context.Background(), &dms.Document{ID: "../../etc/passwd"})
	if !dms.IsRejected(err) {
		t.Fatalf("want a rejection, got %v", err)
	}
}
