// Package tesscli produces a layout.Document by running the tesseract and
// pdftoppm command-line tools. It is the stand-in for internal/ocr in
// development tools (bench/extract, eingang inspect) while the OCR engine
// is not available; the workers use internal/ocr.
//
// PDF pages are rasterised at 300 dpi in grayscale (TIFF pages go to
// Tesseract as they are), orientation is detected by Tesseract (pages fed
// upside down), and the TSV result is cached by file hash so that repeated
// runs are fast.
package tesscli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/eingang/eingang/internal/layout"
)

// ErrUnsupported is returned for files that are neither PDF nor TIFF.
var ErrUnsupported = errors.New("tesscli: unsupported file type")

// Runner runs the tools.
type Runner struct {
	// CacheDir holds TSV results by file hash; empty disables caching.
	CacheDir string
	// Lang is the Tesseract language list, e.g. "deu".
	Lang string
}

// New returns a Runner caching under cacheDir.
func New(cacheDir string) *Runner { return &Runner{CacheDir: cacheDir, Lang: "deu"} }

// Layout OCRs every page of a PDF or TIFF file.
func (r *Runner) Layout(ctx context.Context, path string) (layout.Document, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return layout.Document{}, fmt.Errorf("tesscli: %w", err)
	}
	sum := sha256.Sum256(data)
	key := hex.EncodeToString(sum[:12])
	switch {
	case bytes.HasPrefix(data, []byte("%PDF")):
		n, err := pdfPages(ctx, path)
		if err != nil {
			return layout.Document{}, err
		}
		var doc layout.Document
		for p := 1; p <= n; p++ {
			tsv, err := r.cached(fmt.Sprintf("%s-p%d.tsv", key, p), func() ([]byte, error) { return r.pdfPage(ctx, path, p) })
			if err != nil {
				return layout.Document{}, err
			}
			d, err := layout.ParseTSV(bytes.NewReader(tsv), 300)
			if err != nil {
				return layout.Document{}, err
			}
			pg := layout.Page{DPI: 300}
			if len(d.Pages) > 0 {
				pg = d.Pages[0]
			}
			pg.Number = p
			doc.Pages = append(doc.Pages, pg)
		}
		upright(&doc)
		return doc, nil
	case bytes.HasPrefix(data, []byte("II*\x00")) || bytes.HasPrefix(data, []byte("MM\x00*")):
		tsv, err := r.cached(key+"-tif.tsv", func() ([]byte, error) { return r.tesseract(ctx, path) })
		if err != nil {
			return layout.Document{}, err
		}
		doc, err := layout.ParseTSV(bytes.NewReader(tsv), 300)
		if err != nil {
			return layout.Document{}, err
		}
		upright(&doc)
		return doc, nil
	}
	return layout.Document{}, ErrUnsupported
}

func (r *Runner) cached(name string, run func() ([]byte, error)) ([]byte, error) {
	if r.CacheDir == "" {
		return run()
	}
	p := filepath.Join(r.CacheDir, name)
	if b, err := os.ReadFile(p); err == nil {
		return b, nil
	}
	b, err := run()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(r.CacheDir, 0o755); err == nil {
		_ = os.WriteFile(p, b, 0o644)
	}
	return b, nil
}

func (r *Runner) pdfPage(ctx context.Context, path string, n int) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "tesscli-")
	if err != nil {
		return nil, fmt.Errorf("tesscli: %w", err)
	}
	defer os.RemoveAll(tmp)
	base := filepath.Join(tmp, "page")
	num := strconv.Itoa(n)
	// A scanner PDF holds one image per page; taking it out unchanged is
	// much faster than rendering the page and loses nothing.
	if err := exec.CommandContext(ctx, "pdfimages", "-f", num, "-l", num, "-all", path, base).Run(); err == nil {
		imgs, _ := filepath.Glob(base + "-*")
		if len(imgs) == 1 && (strings.HasSuffix(imgs[0], ".jpg") || strings.HasSuffix(imgs[0], ".png") || strings.HasSuffix(imgs[0], ".tif")) {
			return r.tesseract(ctx, imgs[0])
		}
		for _, f := range imgs {
			os.Remove(f)
		}
	}
	cmd := exec.CommandContext(ctx, "pdftoppm", "-r", "300", "-gray", "-png", "-f", num, "-l", num, "-singlefile", path, base)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("tesscli: rasterise page %d: %w: %s", n, err, clip(out))
	}
	return r.tesseract(ctx, base+".png")
}

// tesseract runs page segmentation with orientation detection (psm 1), so
// that pages fed upside down are read correctly; their word boxes stay in
// the coordinates of the unturned image and are fixed by upright.
func (r *Runner) tesseract(ctx context.Context, img string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "tesseract", img, "-", "-l", r.Lang, "--psm", "1", "tsv")
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("tesscli: tesseract: %w: %s", err, clip(errb.Bytes()))
	}
	return out.Bytes(), nil
}

// upright turns the word boxes of pages that Tesseract read rotated by 180°
// into upright coordinates. Such pages are recognised by words of one line
// whose x positions decrease in reading order.
func upright(doc *layout.Document) {
	for i := range doc.Pages {
		p := &doc.Pages[i]
		inc, dec := 0, 0
		for j := 1; j < len(p.Words); j++ {
			a, b := p.Words[j-1], p.Words[j]
			if a.Block != b.Block || a.Par != b.Par || a.Line != b.Line {
				continue
			}
			if b.X0 > a.X0 {
				inc++
			} else if b.X0 < a.X0 {
				dec++
			}
		}
		if dec <= inc || p.Width == 0 || p.Height == 0 {
			continue
		}
		for j := range p.Words {
			w := &p.Words[j]
			w.X0, w.X1 = p.Width-w.X1, p.Width-w.X0
			w.Y0, w.Y1 = p.Height-w.Y1, p.Height-w.Y0
		}
	}
}

var pagesRE = regexp.MustCompile(`(?m)^Pages:\s+(\d+)`)

func pdfPages(ctx context.Context, path string) (int, error) {
	out, err := exec.CommandContext(ctx, "pdfinfo", path).Output()
	if err != nil {
		return 0, fmt.Errorf("tesscli: pdfinfo: %w", err)
	}
	m := pagesRE.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("tesscli: pdfinfo: no page count")
	}
	n, err := strconv.Atoi(string(m[1]))
	if err != nil || n < 1 || n > 2000 {
		return 0, fmt.Errorf("tesscli: pdfinfo: bad page count %q", m[1])
	}
	return n, nil
}

func clip(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
