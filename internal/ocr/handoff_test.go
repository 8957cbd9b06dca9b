package ocr

import (
	"bytes"
	"context"
	"image"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/otiai10/gosseract/v2"
	"golang.org/x/image/tiff"

	"github.com/eingang/eingang/internal/pdf"
	"github.com/eingang/eingang/internal/testenv"
)

// TestTIFFHeaderDecodes checks the hand-written TIFF header with an
// independent decoder: every pixel must come back unchanged (odd sizes
// catch row-stride mistakes).
func TestTIFFHeaderDecodes(t *testing.T) {
	for _, sz := range [][2]int{{1, 1}, {17, 5}, {301, 211}} {
		w, h := sz[0], sz[1]
		buf := make([]byte, headerRoom+w*h)
		for i := range w * h {
			buf[headerRoom+i] = byte(i*31 + i/w)
		}
		putTIFFHeader(buf, w, h)
		m, err := tiff.Decode(bytes.NewReader(buf))
		if err != nil {
			t.Fatalf("%dx%d: %v", w, h, err)
		}
		g, ok := m.(*image.Gray)
		if !ok {
			t.Fatalf("%dx%d: decoded as %T, want *image.Gray", w, h, m)
		}
		if g.Bounds() != image.Rect(0, 0, w, h) {
			t.Fatalf("bounds %v, want %dx%d", g.Bounds(), w, h)
		}
		for y := range h {
			if !bytes.Equal(g.Pix[y*g.Stride:y*g.Stride+w], buf[headerRoom+y*w:headerRoom+(y+1)*w]) {
				t.Fatalf("%dx%d: row %d differs", w, h, y)
			}
		}
	}
}

// TestTIFFHandoffSameAsPGM checks that Tesseract sees the same image
// through the TIFF hand-off as through a PGM (what leptonica reads
// without any interpretation): identical words and boxes on a corpus page.
func TestTIFFHandoffSameAsPGM(t *testing.T) {
	if testing.Short() {
		t.Skip("recognises a page twice")
	}
	scans := testenv.Corpus(t, "scans")
	doc, err := pdf.Open(context.Background(), filepath.Join(scans, "scan-0002.pdf"), pdf.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	g, err := doc.Pages[0].Image.Gray(pdf.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	cl := gosseract.NewClient()
	defer cl.Close()
	cl.SetLanguage("deu")
	boxes := func(img []byte) []gosseract.BoundingBox {
		t.Helper()
		if err := cl.SetImageFromBytes(img); err != nil {
			t.Fatal(err)
		}
		cl.SetVariable("user_defined_dpi", "300")
		b, err := cl.GetBoundingBoxesVerbose()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pgm := append([]byte("P5\n"+strconv.Itoa(w)+" "+strconv.Itoa(h)+"\n255\n"), g.Pix...)
	want := boxes(pgm)
	var sc scratch
	buf := sc.grow(w * h)
	copy(buf[headerRoom:], g.Pix)
	putTIFFHeader(buf, w, h)
	got := boxes(buf)
	if len(want) < 50 {
		t.Fatalf("only %d words from the PGM: page not recognised", len(want))
	}
	if !slices.Equal(got, want) {
		t.Errorf("TIFF hand-off gives %d words, PGM %d; first difference changes recognition", len(got), len(want))
	}
}
