package pdf

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
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

// TestBrokenContentFilterRendered: a page whose content stream cannot be
// decoded (declared FlateDecode, plain bytes inside) is one poppler still
// draws, so it is rendered for recognition instead of refused as corrupt;
// without the original file to render from, it stays corrupt.
func TestBrokenContentFilterRendered(t *testing.T) {
	needTool(t, "pdftoppm")
	path := filepath.Join("testdata", "broken-content-filter.pdf")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Open(context.Background(), path, testLimits)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if len(doc.Pages) != 1 || doc.Pages[0].Image != nil || doc.Pages[0].ShowsText {
		t.Fatalf("pages %+v, want one page to render", doc.Pages)
	}
	out := filepath.Join(t.TempDir(), "out.pdf")
	if err := doc.WriteSearchable(out, make([]*TextLayer, 1), Meta{}); err != nil {
		t.Fatal(err)
	}
	if err := doc.VerifyOutput(context.Background(), out, make([]*TextLayer, 1)); err != nil {
		t.Errorf("output does not show what the original shows: %v", err)
	}
	if _, err := OpenBytes(context.Background(), data, "", testLimits); !errors.Is(err, ErrCorrupt) {
		t.Errorf("without a file to render: %v, want ErrCorrupt", err)
	}
}

// TestRedrawnByPoppler: a trailer that neither pdfcpu nor qpdf can parse
// (an array that never closes) leaves them no root; poppler finds the
// catalog by scanning and draws the page, so the file is opened through
// poppler's rewrite and keeps its text.
func TestRedrawnByPoppler(t *testing.T) {
	needTool(t, "qpdf")
	needTool(t, "pdftocairo")
	path := filepath.Join("testdata", "unclosed-trailer.pdf")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := qpdfRepair(context.Background(), data); err == nil {
		t.Fatal("qpdf repairs the fixture; it no longer tests the fallback")
	}
	doc, err := Open(context.Background(), path, testLimits)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if len(doc.Pages) != 1 || !doc.Pages[0].ShowsText {
		t.Fatalf("pages %+v, want one page with text", doc.Pages)
	}
	out := filepath.Join(t.TempDir(), "out.pdf")
	if err := doc.WriteSearchable(out, make([]*TextLayer, 1), Meta{}); err != nil {
		t.Fatal(err)
	}
	if got := pdftotext(t, out); !strings.Contains(got, "Eingang") {
		t.Errorf("text of the output %q, want the page's word", got)
	}
}

// TestPageTreeRepairedByQPDF: pdfcpu reads a file without startxref whose
// page tree object lacks its endobj, but finds no page in what it rebuilt;
// the page analysis then goes to qpdf's reconstruction, which viewers agree
// with, instead of calling the file corrupt.
func TestPageTreeRepairedByQPDF(t *testing.T) {
	needTool(t, "qpdf")
	path := filepath.Join("testdata", "no-startxref.pdf")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readContext(data, testLimits); err != nil {
		t.Fatalf("pdfcpu no longer reads the fixture (%v); it no longer tests the page analysis", err)
	}
	doc, err := Open(context.Background(), path, testLimits)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if len(doc.Pages) != 1 || !doc.Pages[0].ShowsText {
		t.Fatalf("pages %+v, want one page with text", doc.Pages)
	}
	out := filepath.Join(t.TempDir(), "out.pdf")
	if err := doc.WriteSearchable(out, make([]*TextLayer, 1), Meta{}); err != nil {
		t.Fatal(err)
	}
	if err := doc.VerifyOutput(context.Background(), out, make([]*TextLayer, 1)); err != nil {
		t.Errorf("output does not show what the original shows: %v", err)
	}
}
