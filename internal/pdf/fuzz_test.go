package pdf

import (
	"bytes"
	"context"
	"image"
	"image/gif"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// fuzzLimits keep fuzzed inputs cheap: a hostile header must not make the
// parsers allocate or loop beyond these.
var fuzzLimits = Limits{MaxPixels: 4_000_000, MinSide: 1, MaxPages: 50}

func seedTIFFs(f *testing.F) {
	g := testGray(64, 48)
	for _, c := range []tiff.CompressionType{tiff.Uncompressed, tiff.Deflate} {
		var buf bytes.Buffer
		tiff.Encode(&buf, g, &tiff.Options{Compression: c})
		f.Add(buf.Bytes())
	}
	f.Add([]byte("II*\x00\x08\x00\x00\x00\x00\x00"))
	f.Add([]byte("MM\x00*\x00\x00\x00\x08\x00\x01\x01\x00\x00\x03\x00\x00\x00\x01\xff\xff\x00\x00\x00\x00\x00\x00"))
}

func FuzzReadTIFF(f *testing.F) {
	seedTIFFs(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		imgs, err := ReadTIFF(data, fuzzLimits)
		if err != nil {
			return
		}
		for _, im := range imgs {
			im.Gray(fuzzLimits)
		}
	})
}

func FuzzOpenBytes(f *testing.F) {
	seedTIFFs(f)
	var jb bytes.Buffer
	jpeg.Encode(&jb, testGray(40, 30), nil)
	f.Add(jb.Bytes())
	f.Add(pngBytes(f, testGray(20, 20)))
	var gb, bb bytes.Buffer
	gif.Encode(&gb, testGray(20, 20), nil)
	bmp.Encode(&bb, testGray(20, 20))
	f.Add(gb.Bytes())
	f.Add(bb.Bytes())
	if w, err := os.ReadFile(filepath.Join("..", "ocr", "testdata", "rechnung-lossy.webp")); err == nil {
		f.Add(w)
	}
	f.Add(ImagesToPDF([]*Image{{Width: 40, Height: 30, BitsPerComponent: 8, Components: 1, Filter: FilterDCT, Data: jb.Bytes()}}))
	f.Add(ImagesToPDF([]*Image{{Width: 4, Height: 2, BitsPerComponent: 8, Components: 1, Filter: FilterFlate, Predictor: 15,
		Data: deflate([]byte{0, 1, 2, 3, 4, 4, 5, 6, 7, 8})}}))
	f.Add([]byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := OpenBytes(context.Background(), data, "", fuzzLimits)
		if err != nil {
			return
		}
		for _, p := range doc.Pages {
			if p.Image != nil {
				p.Image.Gray(fuzzLimits)
			}
		}
	})
}

func FuzzScanContent(f *testing.F) {
	f.Add([]byte("q 595.2 0 0 841.9 0 0 cm /Im0 Do Q"))
	f.Add([]byte("BT /F1 12 Tf (Hallo \\) Welt) Tj ET"))
	f.Add([]byte("q 1 0 0 1 0 0 cm BI /W 1 /H 1 ID \x00 EI Q <</a 1>> [1 2] <414243> % comment\n"))
	f.Add([]byte("((((("))
	f.Fuzz(func(t *testing.T, data []byte) {
		scanContent(data)
	})
}

func FuzzParseBBoxLayout(f *testing.F) {
	f.Add([]byte(`<html><body><doc><page width="595" height="842"><flow><block><line><word xMin="1" yMin="2" xMax="3" yMax="4">Hallo</word></line></block></flow></page></doc></body></html>`))
	f.Add([]byte(`<page width="x"><word>&amp;&nbsp;</word>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseBBoxLayout(data)
	})
}

func FuzzReadPGM(f *testing.F) {
	f.Add([]byte("P5\n2 2\n255\n\x00\x01\x02\x03"))
	f.Add([]byte("P5 99999 99999 255 "))
	f.Fuzz(func(t *testing.T, data []byte) {
		ReadPGM(data, fuzzLimits)
	})
}

func FuzzMergeJPEGStrips(f *testing.F) {
	var a, b bytes.Buffer
	jpeg.Encode(&a, testGray(32, 16), nil)
	jpeg.Encode(&b, testGray(32, 8), nil)
	f.Add(a.Bytes(), b.Bytes())
	f.Fuzz(func(t *testing.T, s1, s2 []byte) {
		j, err := mergeJPEGStrips([][]byte{s1, s2}, 32, 24, 16)
		if err == nil {
			jpeg.DecodeConfig(bytes.NewReader(j))
		}
	})
}

// TestMergeJPEGStripsSynthetic joins two independently encoded JPEGs and
// checks the result decodes to both halves.
func TestMergeJPEGStripsSynthetic(t *testing.T) {
	top, bottom := testGray(64, 32), testGray(64, 16)
	var a, b bytes.Buffer
	jpeg.Encode(&a, top, &jpeg.Options{Quality: 90})
	jpeg.Encode(&b, bottom, &jpeg.Options{Quality: 90})
	j, err := mergeJPEGStrips([][]byte{a.Bytes(), b.Bytes()}, 64, 48, 32)
	if err != nil {
		t.Fatal(err)
	}
	m, err := jpeg.Decode(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	da, _ := jpeg.Decode(bytes.NewReader(a.Bytes()))
	db, _ := jpeg.Decode(bytes.NewReader(b.Bytes()))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			var want uint8
			if y < 32 {
				want = da.(*image.Gray).GrayAt(x, y).Y
			} else {
				want = db.(*image.Gray).GrayAt(x, y-32).Y
			}
			if got := m.(*image.Gray).GrayAt(x, y).Y; got != want {
				t.Fatalf("(%d,%d) = %d, want %d", x, y, got, want)
			}
		}
	}
	// Strip heights that are not whole MCU rows cannot be joined.
	if _, err := mergeJPEGStrips([][]byte{a.Bytes(), b.Bytes()}, 64, 48, 30); err == nil {
		t.Error("joined strips of 30 rows")
	}
}

// FuzzPredictor feeds the predictor decoder, which reads the inflated
// streams of PDF input, rows of any shape: it must not panic and must
// yield whole rows only.
func FuzzPredictor(f *testing.F) {
	f.Add([]byte{0, 1, 2, 1, 3, 4, 2, 5, 6, 3, 7, 8, 4, 9, 10}, uint8(12), uint8(1), uint8(8), uint16(2))
	f.Add([]byte{1, 2, 3, 4, 5, 6}, uint8(2), uint8(3), uint8(8), uint16(2))
	f.Add([]byte{4, 0xff, 0x0f}, uint8(15), uint8(1), uint8(1), uint16(13))
	f.Fuzz(func(t *testing.T, data []byte, p, colors, bpc uint8, columns uint16) {
		r, err := newPredictorReader(bytes.NewReader(data), int(p), int(colors), int(bpc), int(columns))
		if err != nil {
			return
		}
		out, err := io.ReadAll(r)
		if p <= PredictorNone {
			return
		}
		rowLen := (int(columns)*int(colors)*int(bpc) + 7) / 8
		if len(out)%rowLen != 0 {
			t.Fatalf("%d bytes out, rows of %d (%v)", len(out), rowLen, err)
		}
	})
}
