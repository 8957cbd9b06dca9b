package ocr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/ocr/ocrtest"
	"github.com/eingang/eingang/internal/testenv"
	"github.com/eingang/eingang/internal/testenv/minipdf"
)

// TestWaitPageTimeout checks the per-page bound without a slow page: a
// job a worker has started but never finishes.
func TestWaitPageTimeout(t *testing.T) {
	e := &Engine{cfg: Config{PageTimeout: 50 * time.Millisecond}, log: slog.New(slog.DiscardHandler)}
	j := &job{ctx: context.Background(), started: make(chan struct{}), done: make(chan pageResult, 1)}
	close(j.started)
	start := time.Now()
	r := e.wait(context.Background(), j)
	if !errors.Is(r.err, ErrPageTimeout) || !isPermanent(r.err) {
		t.Fatalf("err = %v, want ErrPageTimeout", r.err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("wait took %s", d)
	}
	// A job still queued (not started) is bounded by the caller's context.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	q := &job{ctx: ctx, started: make(chan struct{}), done: make(chan pageResult, 1)}
	if r := e.wait(ctx, q); !errors.Is(r.err, context.DeadlineExceeded) {
		t.Fatalf("queued job: err = %v", r.err)
	}
}

// TestProcessRasterFallback covers a page whose image does not fill it:
// it is rendered with pdftoppm, recognised, and the text lands on the
// image's place on the page.
func TestProcessRasterFallback(t *testing.T) {
	scans := testenv.Corpus(t, "scans")
	tr := loadTruth(t, "scan-0031")
	dir := t.TempDir()
	if out, err := exec.Command("pdfimages", "-j", filepath.Join(scans, tr.File), filepath.Join(dir, "img")).CombinedOutput(); err != nil {
		t.Fatalf("pdfimages: %v %s", err, out)
	}
	jpg, err := os.ReadFile(filepath.Join(dir, "img-000.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(jpg))
	if err != nil {
		t.Fatal(err)
	}
	// The scan drawn at 80 % on an A4 page with a frame around it.
	iw := 0.8 * 595
	ih := iw * float64(cfg.Height) / float64(cfg.Width)
	content := fmt.Sprintf("0 0 0 RG 10 10 575 822 re S q %.2f 0 0 %.2f 60 80 cm /Im0 Do Q", iw, ih)
	pdf := minipdf.Assemble(minipdf.Header, 1, []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 5 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n%s\nendstream", cfg.Width, cfg.Height, len(jpg), jpg),
	})
	in := filepath.Join(dir, "framed.pdf")
	os.WriteFile(in, pdf, 0o644)

	e := newTestEngine(t)
	out := filepath.Join(dir, "out.pdf")
	res, err := e.Process(context.Background(), in, out)
	if err != nil {
		t.Fatal(err)
	}
	p := res.Pages[0]
	if p.Source != "ocr" || p.ImageSHA256 != "" || p.Width != 2480 || p.Height != 3509 {
		t.Errorf("page info %+v, want a 300 dpi rendering of A4", p)
	}
	text := checkOutput(t, out)
	if c := ocrtest.CER(text, tr.Pages[0].ReferenceTextRaw); c > 0.35 {
		t.Errorf("CER %.3f of the rendered page", c)
	}
	if num := tr.Fields["invoice_number"]; !strings.Contains(text, num) {
		t.Errorf("invoice number %q not found", num)
	}
	// The first word sits inside the image area (x 60…536 pt), not at the
	// page edge.
	bb, err := exec.Command("pdftotext", "-q", "-bbox", out, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(bb), `<word xMin="`)
	if i < 0 {
		t.Fatal("no words")
	}
	var xMin float64
	fmt.Sscanf(string(bb[i+len(`<word xMin="`):]), "%f", &xMin)
	if xMin < 60 || xMin > 536 {
		t.Errorf("first word at x %.1f pt, outside the image", xMin)
	}
}
