package tesscli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/eingang/eingang/internal/layout"
)

// A page read upside down by Tesseract has its words in reading order
// with falling x positions in the unturned image; upright mirrors them.
func TestUpright(t *testing.T) {
	doc := layout.Document{Pages: []layout.Page{{Width: 1000, Height: 2000, Words: []layout.Word{
		{Text: "Rechnung", X0: 800, Y0: 1900, X1: 900, Y1: 1950, Line: 1},
		{Text: "Nr.", X0: 700, Y0: 1900, X1: 750, Y1: 1950, Line: 1},
		{Text: "4711", X0: 600, Y0: 1900, X1: 680, Y1: 1950, Line: 1},
	}}, {Width: 1000, Height: 2000, Words: []layout.Word{
		{Text: "a", X0: 100, Y0: 100, X1: 120, Y1: 140, Line: 1},
		{Text: "b", X0: 200, Y0: 100, X1: 220, Y1: 140, Line: 1},
	}}}}
	upright(&doc)
	w := doc.Pages[0].Words[0]
	if w.X0 != 100 || w.X1 != 200 || w.Y0 != 50 || w.Y1 != 100 {
		t.Errorf("flipped word = %+v", w)
	}
	if doc.Pages[0].Words[2].X0 <= w.X0 {
		t.Error("reading order not left to right after flip")
	}
	if doc.Pages[1].Words[0].X0 != 100 {
		t.Error("upright page changed")
	}
}

func TestUnsupported(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.txt")
	os.WriteFile(p, []byte("hello"), 0o644)
	if _, err := New("").Layout(context.Background(), p); !errors.Is(err, ErrUnsupported) {
		t.Errorf("err = %v", err)
	}
}
