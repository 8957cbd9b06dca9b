package ocr

import (
	"context"
	"image"
	"image/draw"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/eingang/eingang/internal/testenv"
)

// a4 is an empty A4 page at 300 dpi.
func a4() *image.Gray {
	g := image.NewGray(image.Rect(0, 0, 2480, 3508))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	return g
}

func fill(g *image.Gray, r image.Rectangle) {
	draw.Draw(g, r, image.Black, image.Point{}, draw.Src)
}

// barcode draws a 1D code of random bar widths (3–12 px at 300 dpi, the
// module sizes of Code 39 and Code 128 labels) with its bars vertical.
func barcode(g *image.Gray, at image.Point, width, height int, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 1))
	for x := at.X; x < at.X+width; {
		bar := 3 + r.IntN(10)
		fill(g, image.Rect(x, at.Y, x+bar, at.Y+height))
		x += bar + 3 + r.IntN(10)
	}
}

// words prints upright text with the 7×13 bitmap font enlarged four
// times (≈ 12 pt at 300 dpi).
func words(g *image.Gray, at image.Point, text string) {
	small := image.NewGray(image.Rect(0, 0, 7*len(text)+2, 16))
	draw.Draw(small, small.Bounds(), image.White, image.Point{}, draw.Src)
	d := font.Drawer{Dst: small, Src: image.Black, Face: basicfont.Face7x13, Dot: fixed.P(1, 12)}
	d.DrawString(text)
	for y := range small.Bounds().Dy() {
		for x := range small.Bounds().Dx() {
			if small.GrayAt(x, y).Y < 128 {
				fill(g, image.Rect(at.X+4*x, at.Y+4*y, at.X+4*x+4, at.Y+4*y+4))
			}
		}
	}
}

// TestSparsePagesStayUpright covers pages with little text and strong
// straight shapes: separator sheets, barcode labels, nearly empty pages.
// They are scanned upright; turning them sideways on the evidence of a
// barcode's bars was the defect.
func TestSparsePagesStayUpright(t *testing.T) {
	tests := []struct {
		name string
		page func() *image.Gray
	}{
		{"blank", a4},
		{"barcode only", func() *image.Gray {
			g := a4()
			barcode(g, image.Pt(600, 1200), 1300, 400, 1)
			return g
		}},
		{"barcode label with two lines", func() *image.Gray {
			g := a4()
			words(g, image.Pt(300, 300), "Barcode 39 ASN000123")
			words(g, image.Pt(300, 600), "This page has a barcode")
			barcode(g, image.Pt(300, 800), 1100, 350, 2)
			return g
		}},
		{"patch sheet", func() *image.Gray {
			g := a4()
			// Patch T: thick bars down both edges, a title, a small code.
			for _, x := range []int{120, 300, 480, 2000, 2180} {
				fill(g, image.Rect(x, 100, x+90, 3400))
			}
			words(g, image.Pt(900, 500), "PATCH T")
			words(g, image.Pt(800, 700), "Sized for printing")
			barcode(g, image.Pt(800, 1700), 900, 150, 3)
			return g
		}},
		{"two words", func() *image.Gray {
			g := a4()
			words(g, image.Pt(400, 400), "Seite 2")
			words(g, image.Pt(400, 3000), "Ende")
			return g
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DetectOrientation(tt.page(), 300)
			if o.Rotate != 0 {
				t.Errorf("rotate %d, want 0 (score %.3f, %d lines, confident %v)", o.Rotate, o.Score, o.Lines, o.Confident())
			}
		})
	}
}

// TestPatchSheetsNotTurnedSideways runs the separator and barcode sheets
// of the peers corpus through the whole engine, second recognition pass
// included: no page of them is sideways.
func TestPatchSheetsNotTurnedSideways(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(t), "..", "shared", "corpus", "peers", "paperless-ngx", "src", "documents", "tests", "samples", "barcodes")
	var files []string
	for _, pat := range []string{"patch-code-t*.pdf", "barcode-39-*.pdf", "barcode-128-*.pdf"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		files = append(files, m...)
	}
	if len(files) == 0 {
		if _, err := os.Stat(dir); err != nil {
			t.Skipf("peers corpus not present: %v", err)
		}
		t.Fatalf("no sheets in %s", dir)
	}
	e := newTestEngine(t)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			res, err := e.Process(context.Background(), f, filepath.Join(t.TempDir(), "out.pdf"))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range res.Pages {
				if p.RotationDeg == 90 || p.RotationDeg == 270 {
					t.Errorf("page %d turned %d° (score %.3f)", p.Number, p.RotationDeg, p.OrientationScore)
				}
				// The "reverse" sheet is printed upside down and is the only
				// one that may be turned 180°.
				if p.RotationDeg == 180 && !strings.Contains(f, "reverse") {
					t.Errorf("page %d turned 180°", p.Number)
				}
			}
		})
	}
}
