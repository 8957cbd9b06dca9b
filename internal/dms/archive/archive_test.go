package archive

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/dms"
)

const id = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

var march9 = time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)

func TestDeliverWritesLayoutAndIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(t.TempDir(), "doc.pdf")
	os.WriteFile(src, []byte("%PDF-1.4 test"), 0o644)
	att := filepath.Join(t.TempDir(), "pages.json")
	os.WriteFile(att, []byte(`[]`), 0o644)
	tg := New("archive", dir)
	doc := &dms.Document{ID: id, SourceName: "Rechnung.pdf", Profile: "rechnung", Kind: "rechnung", Pages: 2, PDFPath: src,
		Text: "Rechnung Nr. 4711", Received: march9,
		Metadata: map[string]string{"invoice_number": "4711"}, Attachments: []dms.Attachment{{Name: "pages.json", Path: att}}}
	rec, err := tg.Deliver(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, "2026", "03", "2026-03-09_Rechnung_9f86d081884c")
	if b, _ := os.ReadFile(base + ".pdf"); string(b) != "%PDF-1.4 test" {
		t.Error("pdf not copied")
	}
	if b, _ := os.ReadFile(base + ".txt"); string(b) != "Rechnung Nr. 4711" {
		t.Error("text not written")
	}
	if b, _ := os.ReadFile(base + ".pages.json"); string(b) != "[]" {
		t.Error("attachment not copied")
	}
	var meta Metadata
	b, _ := os.ReadFile(base + ".json")
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	if meta.ID != id || meta.SHA256 != id || meta.SourceName != "Rechnung.pdf" || meta.Pages != 2 || meta.Fields["invoice_number"] != "4711" ||
		meta.Kind != "rechnung" || len(meta.Attachments) != 1 || meta.Attachments[0] != "2026-03-09_Rechnung_9f86d081884c.pages.json" {
		t.Errorf("meta = %+v", meta)
	}
	if rec.Ref != "2026/03/2026-03-09_Rechnung_9f86d081884c" || rec.Existing || !strings.HasSuffix(rec.URL, "/2026/03/2026-03-09_Rechnung_9f86d081884c.pdf") {
		t.Errorf("receipt = %+v", rec)
	}
	// Again, also under another source name (a failed document dropped
	// again as a renamed copy): the earlier delivery is found, nothing new
	// is written.
	os.WriteFile(src, []byte("changed"), 0o644)
	doc.SourceName = "Rechnung (Kopie).pdf"
	rec2, err := tg.Deliver(context.Background(), doc)
	if err != nil || !rec2.Existing || rec2.Ref != rec.Ref || rec2.URL != rec.URL {
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

// Another document whose id starts with the same 12 digits, with the same
// name on the same day, is a delivery of its own: the whole id decides.
func TestSameShortIDOtherDocument(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(t.TempDir(), "doc.pdf")
	os.WriteFile(src, []byte("%PDF-1.4 test"), 0o644)
	tg := New("archive", dir)
	month := filepath.Join(dir, "2026", "03")
	os.MkdirAll(month, 0o755)
	other := id[:shortID] + strings.Repeat("0", 64-shortID)
	os.WriteFile(filepath.Join(month, "2026-03-09_Brief_"+id[:shortID]+".json"), []byte(`{"id":"`+other+`"}`), 0o644)
	rec, err := tg.Deliver(context.Background(), &dms.Document{ID: id, SourceName: "Anderer Brief.pdf", PDFPath: src, Received: march9})
	if err != nil || rec.Existing || rec.Ref != "2026/03/2026-03-09_Anderer Brief_9f86d081884c" {
		t.Fatalf("receipt %+v, %v", rec, err)
	}
}

// Archives written before file names carried the source name hold
// <id>.json; delivering such a document again finds it.
func TestFindsDeliveryUnderOldName(t *testing.T) {
	dir := t.TempDir()
	month := filepath.Join(dir, "2026", "03")
	os.MkdirAll(month, 0o755)
	os.WriteFile(filepath.Join(month, id+".json"), []byte(`{"id":"`+id+`"}`), 0o644)
	rec, err := New("archive", dir).Deliver(context.Background(), &dms.Document{ID: id, SourceName: "Rechnung.pdf", Received: march9})
	if err != nil || !rec.Existing || rec.Ref != "2026/03/"+id {
		t.Fatalf("receipt %+v, %v", rec, err)
	}
}

func TestFileName(t *testing.T) {
	tests := []struct {
		source, want string
	}{
		{"Rechnung.pdf", "2026-03-09_Rechnung_9f86d081884c"},
		{"Scan 0042.TIF", "2026-03-09_Scan 0042_9f86d081884c"},
		{"Bescheid Müller, Grundsteuer.pdf", "2026-03-09_Bescheid Müller, Grundsteuer_9f86d081884c"},
		{`a:b*c?"d"<e>|f\g.pdf`, "2026-03-09_a_b_c__d__e__f_g_9f86d081884c"},
		{"tab\tand\nnewline  spaces.pdf", "2026-03-09_tab and newline spaces_9f86d081884c"},
		{"endet mit Punkt..pdf", "2026-03-09_endet mit Punkt_9f86d081884c"},
		{".pdf", "2026-03-09_dokument_9f86d081884c"},
		{"", "2026-03-09_dokument_9f86d081884c"},
		{"ohne-endung", "2026-03-09_ohne-endung_9f86d081884c"},
		{strings.Repeat("ä", 80) + ".pdf", "2026-03-09_" + strings.Repeat("ä", maxStem) + "_9f86d081884c"},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			got := FileName(march9, tt.source, id)
			if got != tt.want {
				t.Errorf("FileName(%q) = %q, want %q", tt.source, got, tt.want)
			}
			if n := len(got + ".validation-report.xml"); n > 255 {
				t.Errorf("%d bytes with the longest attachment suffix", n)
			}
		})
	}
}

func TestRejectsBadID(t *testing.T) {
	_, err := New("archive", t.TempDir()).Deliver(context.Background(), &dms.Document{ID: "../../etc/passwd"})
	if !dms.IsRejected(err) {
		t.Fatalf("want a rejection, got %v", err)
	}
}
