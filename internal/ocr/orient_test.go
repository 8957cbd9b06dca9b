package ocr

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/eingang/eingang/internal/layout"
	"github.com/eingang/eingang/internal/pdf"
	"github.com/eingang/eingang/internal/testenv"
)

// TestDetectOrientation turns corpus pages into all four orientations and
// checks the image-statistics estimate against the truth files.
func TestDetectOrientation(t *testing.T) {
	scans := testenv.Corpus(t, "scans")
	for _, name := range []string{"scan-0002", "scan-0012", "scan-0037"} {
		tr := loadTruth(t, name)
		doc, err := pdf.Open(context.Background(), filepath.Join(scans, tr.File), pdf.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		g, err := doc.Pages[0].Image.Gray(pdf.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		base := 0
		if tr.Pages[0].Rotation.UpsideDown {
			base = 180
		}
		for _, turn := range []int{0, 90, 180, 270} {
			// Turn the scan clockwise by turn; upright then needs base-turn.
			m, w, h := toSource(g.Bounds().Dx(), g.Bounds().Dy(), turn, 0)
			img := warp(g, m, w, h)
			o := DetectOrientation(img, 300)
			want := ((base-turn)%360 + 360) % 360
			if o.Rotate != want {
				t.Errorf("%s turned %d°: rotate %d, want %d (score %.3f, %d lines)", name, turn, o.Rotate, want, o.Score, o.Lines)
			}
			if !o.Confident() {
				t.Errorf("%s turned %d°: not confident (score %.3f, %d lines)", name, turn, o.Score, o.Lines)
			}
			if turn == 0 {
				if d := o.Skew - tr.Pages[0].Rotation.SkewDeg; d > 0.2 || d < -0.2 {
					t.Errorf("%s: skew %.2f, truth %.2f", name, o.Skew, tr.Pages[0].Rotation.SkewDeg)
				}
			}
		}
	}
}

// BenchmarkDetectOrientation measures the cost per page (compare with
// Tesseract's OSD, about 0.9 s per page on this machine).
func BenchmarkDetectOrientation(b *testing.B) {
	scans := testenv.Corpus(b, "scans")
	doc, err := pdf.Open(context.Background(), filepath.Join(scans, "scan-0002.pdf"), pdf.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	g, err := doc.Pages[0].Image.Gray(pdf.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		DetectOrientation(g, 300)
	}
}

// TestDeskewStraightensLines checks that the recogniser's image really is
// straight: the skew measured on the warped copy must be close to zero.
// Warping in the wrong direction doubles the tilt instead, which Tesseract
// partly copes with, so only this check notices it.
func TestDeskewStraightensLines(t *testing.T) {
	scans := testenv.Corpus(t, "scans")
	checked := 0
	for _, name := range []string{"scan-0001", "scan-0004", "scan-0021"} {
		tr := loadTruth(t, name)
		doc, err := pdf.Open(context.Background(), filepath.Join(scans, tr.File), pdf.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range doc.Pages {
			if p.Image == nil || tr.Pages[i].Rotation.UpsideDown {
				continue
			}
			g, err := p.Image.Gray(pdf.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			o := DetectOrientation(g, 300)
			if math.Abs(o.Skew) < 0.5 {
				continue
			}
			m, w, h := toSource(g.Bounds().Dx(), g.Bounds().Dy(), o.Rotate, o.Skew)
			r := DetectOrientation(warp(g, m, w, h), 300)
			if math.Abs(r.Skew) > 0.2 || r.Rotate != 0 {
				t.Errorf("%s page %d: skew %.2f° before, %.2f° (rotate %d) after deskew", name, i+1, o.Skew, r.Skew, r.Rotate)
			}
			checked++
		}
	}
	if checked < 3 {
		t.Fatalf("only %d skewed pages checked", checked)
	}
}

func TestNeedSecondPass(t *testing.T) {
	words := func(n int, conf float64) []layout.Word {
		ws := make([]layout.Word, n)
		for i := range ws {
			ws[i] = layout.Word{Text: "Rechnung", Confidence: conf}
		}
		return ws
	}
	sure := Orientation{Lines: 30, Score: 0.3, Alternative: -1}
	weak := Orientation{Lines: 39, Score: 0.068, Alternative: 180}
	for _, c := range []struct {
		name  string
		o     Orientation
		conf  float64
		words []layout.Word
		want  bool
	}{
		{"confident estimate, good reading", sure, 88, words(200, 88), false},
		{"confident estimate, poor reading", sure, 42, words(200, 42), true},
		{"weak estimate, clear reading (scan-0010)", weak, 92, words(507, 92), false},
		{"weak estimate, middling reading", weak, 55, words(300, 55), true},
		{"weak estimate, clear but few words (scan-0006 p. 3)", weak, 77, words(5, 77), true},
		{"weak estimate, upside-down reading", weak, 31, words(120, 31), true},
	} {
		if got := needSecondPass(c.o, c.conf, c.words); got != c.want {
			t.Errorf("%s: needSecondPass = %v, want %v", c.name, got, c.want)
		}
	}
}
