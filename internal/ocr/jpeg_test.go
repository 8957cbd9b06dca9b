package ocr

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/eingang/eingang/internal/pdf"
	"github.com/eingang/eingang/internal/testenv/repo"
)

// synthJPEG encodes a page-like gray image: paper, dark strokes, a ramp.
func synthJPEG(t *testing.T, w, h int, ycbcr bool) []byte {
	t.Helper()
	var src image.Image
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := uint8(220 + (x*30)/w)
			if (y/7)%3 == 0 && (x/5)%4 != 0 {
				v = uint8(20 + (x*y)%40)
			}
			g.SetGray(x, y, color.Gray{Y: v})
		}
	}
	src = g
	if ycbcr {
		c := image.NewRGBA(g.Rect)
		for i, v := range g.Pix {
			c.Pix[4*i], c.Pix[4*i+1], c.Pix[4*i+2], c.Pix[4*i+3] = v, v/2+100, 255-v/3, 255
		}
		src = c
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, src, &jpeg.Options{Quality: 75}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// compareGray fails when libjpeg's decoding differs from Go's by more than
// rounding: the recogniser must see the same page either way.
func compareGray(t *testing.T, name string, im *pdf.Image) {
	t.Helper()
	lim := pdf.Limits{MaxPixels: 100_000_000, MinSide: 16}
	fast := jpegGray(im, lim)
	if fast == nil {
		t.Fatalf("%s: libjpeg path not taken", name)
	}
	want, err := im.Gray(lim)
	if err != nil {
		t.Fatal(err)
	}
	if fast.Rect != want.Rect {
		t.Fatalf("%s: %v, Go %v", name, fast.Rect, want.Rect)
	}
	var sum, worst int
	for i := range want.Pix {
		d := int(fast.Pix[i]) - int(want.Pix[i])
		sum += max(d, -d)
		worst = max(worst, d, -d)
	}
	mean := float64(sum) / float64(len(want.Pix))
	t.Logf("%s: %v, mean |Δ| %.4f, max |Δ| %d", name, want.Rect.Size(), mean, worst)
	if worst > 3 || mean > 0.05 {
		t.Errorf("%s: libjpeg and Go decodings differ: mean |Δ| %.4f, max |Δ| %d", name, mean, worst)
	}
}

func TestPageGrayMatchesGo(t *testing.T) {
	for _, c := range []struct {
		name  string
		w, h  int
		comps int
	}{{"gray", 1237, 1753, 1}, {"ycbcr", 601, 803, 3}, {"odd width", 1003, 40, 1}} {
		data := synthJPEG(t, c.w, c.h, c.comps == 3)
		compareGray(t, c.name, &pdf.Image{Data: data, Width: c.w, Height: c.h, Components: c.comps, BitsPerComponent: 8, Filter: pdf.FilterDCT})
	}
	// The corpus's scans: PDF pages and JPEG-in-TIFF strips joined into
	// one stream.
	dir := repo.CorpusDefault("scans")
	for _, f := range []string{"scan-0001.pdf", "scan-0003.tif"} {
		path := filepath.Join(dir, f)
		if _, err := os.Stat(path); err != nil {
			t.Logf("%s: not in the corpus, left out", f)
			continue
		}
		doc, err := pdf.Open(context.Background(), path, pdf.Limits{MaxPixels: 100_000_000, MinSide: 16})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range doc.Pages {
			if p.Image != nil && p.Image.Filter == pdf.FilterDCT {
				compareGray(t, f, p.Image)
			}
		}
		doc.Close()
	}
}

func TestPageGrayFallsBackOnDamage(t *testing.T) {
	data := synthJPEG(t, 800, 600, false)
	im := &pdf.Image{Data: data[:len(data)/2], Width: 800, Height: 600, Components: 1, BitsPerComponent: 8, Filter: pdf.FilterDCT}
	lim := pdf.Limits{MaxPixels: 100_000_000, MinSide: 16}
	if g := jpegGray(im, lim); g != nil {
		t.Fatal("libjpeg path taken for a truncated stream")
	}
	// The engine renders such a page with poppler; it needs ErrCorrupt.
	if _, err := pageGray(im, lim); !errors.Is(err, pdf.ErrCorrupt) {
		t.Errorf("truncated JPEG: %v, want ErrCorrupt", err)
	}
	im = &pdf.Image{Data: data, Width: 801, Height: 600, Components: 1, BitsPerComponent: 8, Filter: pdf.FilterDCT}
	if _, err := pageGray(im, lim); !errors.Is(err, pdf.ErrCorrupt) {
		t.Errorf("size mismatch: %v, want ErrCorrupt", err)
	}
}
