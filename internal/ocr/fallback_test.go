package ocr

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/pdf"
	"github.com/eingang/eingang/internal/testenv"
)

// TestUndecodableImagesAreRendered takes the peers files whose page images
// this reader cannot size (their image dictionaries have no /Height, which
// poppler tolerates): they were refused as corrupt, now the pages are
// rendered, recognised and verified like any other. The input is given as
// a relative path, as `eingang ocr` gets it from a shell.
func TestUndecodableImagesAreRendered(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(t), "..", "shared", "corpus", "peers", "paperless-ngx", "src", "documents", "tests", "samples", "barcodes")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("peers corpus not present: %v", err)
	}
	e := newTestEngine(t)
	for _, name := range []string{"barcode-fax-image.pdf", "many-qr-codes.pdf"} {
		t.Run(name, func(t *testing.T) {
			doc, err := pdf.Open(context.Background(), filepath.Join(dir, name), pdf.Limits{})
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			for _, p := range doc.Pages {
				if p.Image != nil {
					t.Fatalf("page %d: expected no directly decodable image in this file", p.Number)
				}
			}
			t.Chdir(dir)
			out := filepath.Join(t.TempDir(), "out.pdf")
			res, err := e.Process(context.Background(), name, out)
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			if len(res.Pages) != len(doc.Pages) {
				t.Errorf("%d pages in the result, %d in the input", len(res.Pages), len(doc.Pages))
			}
			text := checkOutput(t, out)
			if len(strings.Fields(text)) == 0 {
				t.Errorf("no text recognised")
			}
		})
	}
}

// TestCorruptImageWithoutRendererIsRefused keeps the refusal where no
// renderer can help: an image input (no PDF on disk for poppler) whose
// samples cannot be decoded.
func TestCorruptImageWithoutRendererIsRefused(t *testing.T) {
	in := filepath.Join(t.TempDir(), "broken.jpg")
	// A JPEG start-of-image and a frame header promising 64×64 pixels,
	// then nothing: the header reads, the samples do not.
	data := []byte{0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x40, 0x00, 0x40, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xD9}
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := newTestEngine(t).Process(context.Background(), in, filepath.Join(t.TempDir(), "out.pdf"))
	if err == nil {
		t.Fatal("a JPEG without image data was accepted")
	}
	if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupportedFormat) {
		t.Errorf("error %v, want corrupt or unsupported", err)
	}
	if clerkMessage(err) == "" {
		t.Errorf("no German reason for %v", err)
	}
}

// TestType3WithoutUnicode: a page whose text is drawn with a Type 3 font
// without /ToUnicode (pdftotext emits control characters for it; such a
// file once stayed "processing" for the whole retry window) finishes at
// once, and since its "text" cannot be read, the page is recognised
// instead of kept as a text page. The fixture is hand-written: five box
// glyphs under codes 1–5.
func TestType3WithoutUnicode(t *testing.T) {
	e := newTestEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := e.Process(ctx, filepath.Join("testdata", "type3-no-tounicode.pdf"), filepath.Join(t.TempDir(), "out.pdf"))
	if err != nil {
		t.Fatalf("Process: %v", err)
	}
	if got := res.Pages[0].Source; got != "ocr" {
		t.Errorf("page source %q, want ocr: control characters were taken as the page's text", got)
	}
	for _, r := range res.Text() {
		if r < 0x20 && r != '\n' && r != '\f' && r != '\t' {
			t.Errorf("control character %U in the text", r)
		}
	}
}
