package ocr

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/gif"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/webp"

	"github.com/eingang/eingang/internal/pdf"
)

// TestImageFormats recognises the photo and screenshot formats phones and
// office work produce: WebP (lossless and lossy) and HEIC, fixtures made
// with ImageMagick from three lines of text, and GIF and BMP encoded here
// from the same pixels. HEIC is decoded by libheif's heif-convert, which
// `make test` installs.
func TestImageFormats(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "rechnung.webp"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := webp.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	encode := func(f func(*bytes.Buffer) error) []byte {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	grays := make(color.Palette, 256)
	for i := range grays {
		grays[i] = color.Gray{uint8(i)}
	}
	pal := image.NewPaletted(src.Bounds(), grays)
	for y := src.Bounds().Min.Y; y < src.Bounds().Max.Y; y++ {
		for x := src.Bounds().Min.X; x < src.Bounds().Max.X; x++ {
			pal.Set(x, y, src.At(x, y))
		}
	}
	lossy, err := os.ReadFile(filepath.Join("testdata", "rechnung-lossy.webp"))
	if err != nil {
		t.Fatal(err)
	}
	heic, err := os.ReadFile(filepath.Join("testdata", "rechnung.heic"))
	if err != nil {
		t.Fatal(err)
	}
	e := newTestEngine(t)
	for _, tc := range []struct {
		name   string
		format pdf.Format
		data   []byte
	}{
		{"lossless.webp", pdf.FormatWebP, raw},
		{"lossy.webp", pdf.FormatWebP, lossy},
		{"page.gif", pdf.FormatGIF, encode(func(b *bytes.Buffer) error { return gif.Encode(b, pal, nil) })},
		{"page.bmp", pdf.FormatBMP, encode(func(b *bytes.Buffer) error { return bmp.Encode(b, src) })},
		{"iphone.heic", pdf.FormatHEIC, heic},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := pdf.Sniff(tc.data); got != tc.format {
				t.Fatalf("sniffed as %v", got)
			}
			dir := t.TempDir()
			in := filepath.Join(dir, tc.name)
			if err := os.WriteFile(in, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out.pdf")
			res, err := e.Process(context.Background(), in, out)
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			text := checkOutput(t, out)
			for _, want := range []string{"2026-4711", "Musterstadt", "1.234,56"} {
				if !strings.Contains(text, want) || !strings.Contains(res.Text(), want) {
					t.Errorf("%q not in the searchable PDF's text %q", want, text)
				}
			}
		})
	}
}
