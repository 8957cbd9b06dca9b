package pdf

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/eingang/eingang/internal/testenv"
)

// TestRepairedByQPDF: a PDF whose page tree lacks /Count (pdfcpu refuses
// it, poppler and qpdf read it) is opened through qpdf's repair; a file
// that nothing can read stays corrupt.
func TestRepairedByQPDF(t *testing.T) {
	needTool(t, "qpdf")
	peers := filepath.Join(testenv.Corpus(t, "scans"), "..", "peers", "paperless-ngx", "src", "documents", "tests", "samples", "invalid_pdf.pdf")
	if _, err := os.Stat(peers); err != nil {
		t.Skipf("peers corpus not present: %v", err)
	}
	doc, err := Open(context.Background(), peers, testLimits)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if len(doc.Pages) != 2 {
		t.Errorf("%d pages, poppler reads 2", len(doc.Pages))
	}
	out := filepath.Join(t.TempDir(), "out.pdf")
	if err := doc.WriteSearchable(out, make([]*TextLayer, len(doc.Pages)), Meta{}); err != nil {
		t.Fatal(err)
	}
	if err := doc.VerifyOutput(context.Background(), out, make([]*TextLayer, len(doc.Pages))); err != nil {
		t.Errorf("repaired copy does not show what the original shows: %v", err)
	}
	_, err = OpenBytes(context.Background(), []byte("%PDF-1.4\n%%EOF\n"), "", testLimits)
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("unreadable PDF: %v, want ErrCorrupt", err)
	}
}
