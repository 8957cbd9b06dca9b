package pipeline_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/classify"
	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/dms/archive"
	"github.com/eingang/eingang/internal/einvoice/einvoicetest"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/journal/sqlite"
	"github.com/eingang/eingang/internal/pipeline"
)

// newEInvoiceStack is an installation like the demo: invoices go to the
// Kämmerei, unsure documents to review, delivery into the archive.
func newEInvoiceStack(t *testing.T) *dupStack {
	t.Helper()
	root := t.TempDir()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
paths: {work: %[1]s/work, done: %[1]s/done, error: %[1]s/error}
targets: {archive: {type: archive, dir: %[1]s/archive}}
profiles: [{name: rechnung, folder: %[1]s/inbox, kind: rechnung, target: archive, invalid_einvoice: deliver}]
classification:
  routes:
    kaemmerei: {office: Kämmerei, location: Rechnungseingang, workflow: rechnungsworkflow}
    review: {office: Poststelle, location: Klärung}
  kind_routes: {Rechnung: kaemmerei, Gutschrift: kaemmerei}
  review_route: review
`, root)), nil)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := classify.New(cfg.Classification, nil)
	if err != nil {
		t.Fatal(err)
	}
	j, err := sqlite.Open(context.Background(), filepath.Join(root, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	p := pipeline.New(pipeline.Options{Config: cfg, Journal: j, Classifier: cl, Invoices: j,
		Targets: map[string]dms.Target{"archive": archive.New("archive", filepath.Join(root, "archive"))}, Logger: slog.New(slog.DiscardHandler)})
	return &dupStack{p: p, j: j, root: root}
}

// writeTemp writes data as name in a fresh folder and returns the path.
func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestInvalidEInvoiceReviewReason: an invalid e-invoice delivered under
// invalid_einvoice: deliver is marked for review, and review_reason says
// that it is invalid and why; a valid one is not marked.
func TestInvalidEInvoiceReviewReason(t *testing.T) {
	valid := einvoicetest.UBL(einvoicetest.Options{Lines: 2, ID: "RV-OK-1"})
	// Without a buyer reference (Leitweg-ID) an XRechnung is invalid (BR-DE-15).
	invalid := bytes.Replace(einvoicetest.UBL(einvoicetest.Options{Lines: 2, ID: "RV-BAD-1"}),
		[]byte("<cbc:BuyerReference>04011000-1234512345-06</cbc:BuyerReference>"), nil, 1)
	if bytes.Equal(invalid, einvoicetest.UBL(einvoicetest.Options{Lines: 2, ID: "RV-BAD-1"})) {
		t.Fatal("the test invoice has no buyer reference to remove")
	}
	s := newEInvoiceStack(t)
	ok := s.drop(t, writeTemp(t, "gueltig.xml", valid))
	bad := s.drop(t, writeTemp(t, "ungueltig.xml", invalid))

	if ok.State != journal.StateDelivered || ok.Fields["einvoice_valid"] != "true" {
		t.Fatalf("valid e-invoice: %s %v", ok.State, ok.Fields)
	}
	if ok.Fields["needs_review"] != "" || ok.Fields["review_reason"] != "" {
		t.Errorf("valid e-invoice marked for review: %q", ok.Fields["review_reason"])
	}
	if bad.State != journal.StateDelivered || bad.Fields["einvoice_valid"] != "false" {
		t.Fatalf("invalid e-invoice: %s %v", bad.State, bad.Fields)
	}
	why := bad.Fields["review_reason"]
	if bad.Fields["needs_review"] != "true" || !strings.HasPrefix(why, "Die E-Rechnung ist laut Prüfung nach XRechnung/EN 16931 ungültig") ||
		!strings.Contains(why, "BR-DE-15") {
		t.Errorf("invalid e-invoice: needs_review %q, review_reason %q", bad.Fields["needs_review"], why)
	}
	// It still goes where invoices go: the Kämmerei rejects it formally.
	if bad.Fields["route"] != "kaemmerei" {
		t.Errorf("invalid e-invoice routed to %q", bad.Fields["route"])
	}
}

// TestEInvoiceInTheArchive: an XML-only e-invoice is archived under its
// date, source name and short id, and its readable PDF names the file it
// came as.
func TestEInvoiceInTheArchive(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	s := newEInvoiceStack(t)
	d := s.drop(t, writeTemp(t, "RE 4711 Müller.xml", einvoicetest.UBL(einvoicetest.Options{Lines: 1, ID: "AR-1"})))
	if d.State != journal.StateDelivered || d.Target == nil {
		t.Fatalf("%s: %+v", d.State, d.Target)
	}
	name := d.Created.Format("2006-01-02") + "_RE 4711 Müller_" + d.ID[:12]
	if want := d.Created.Format("2006/01/") + name; d.Target.Ref != want {
		t.Errorf("ref %q, want %q", d.Target.Ref, want)
	}
	base := filepath.Join(s.root, "archive", filepath.FromSlash(d.Target.Ref))
	for _, ext := range []string{".pdf", ".txt", ".json", ".invoice.xml"} {
		if _, err := os.Stat(base + ext); err != nil {
			t.Errorf("archive: %v", err)
		}
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", base+".pdf", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	if text := string(out); !strings.Contains(text, "„RE 4711 Müller.xml“") || !strings.Contains(text, "€") {
		t.Errorf("the visual does not name its file or has no € amounts:\n%s", text)
	}
}
