package pdf

import (
	"bytes"
	"compress/zlib"
	"context"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// testImages are page images of every stored kind ImagesToPDF writes
// and the reader keeps as they are; tol is how far poppler's rendering
// may be from that of the samples this package decodes (0 where both
// decode losslessly to the same samples).
func testImages(t *testing.T) []struct {
	name string
	im   *Image
	tol  int
} {
	t.Helper()
	const w, h, dpi = 64, 48, 144
	gray := noisyImage(w, h, false).(*image.Gray)
	rgb := noisyImage(w, h, true)
	var pg, pc, jb bytes.Buffer
	if err := png.Encode(&pg, gray); err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(&pc, rgb); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&jb, gray, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	tiffRows := bytes.Clone(gray.Pix)
	for y := range h {
		for x := w - 1; x > 0; x-- {
			tiffRows[y*w+x] -= tiffRows[y*w+x-1]
		}
	}
	needTool(t, "convert")
	tif := filepath.Join(t.TempDir(), "g4.tif")
	if out, err := exec.Command("convert", "-size", "64x48", "xc:white", "-fill", "black",
		"-draw", "rectangle 5,5,30,20", "-draw", "circle 45,30 50,40", "-compress", "Group4", tif).CombinedOutput(); err != nil {
		t.Fatalf("convert: %v\n%s", err, out)
	}
	data, err := os.ReadFile(tif)
	if err != nil {
		t.Fatal(err)
	}
	g4, err := ReadTIFF(data, Limits{})
	if err != nil || len(g4) != 1 || g4[0].Filter != FilterCCITT {
		t.Fatalf("G4 TIFF: %v", err)
	}
	g4[0].DPIX, g4[0].DPIY = dpi, dpi
	img := func(comps int, filter string, pred int, data []byte) *Image {
		return &Image{Width: w, Height: h, BitsPerComponent: 8, Components: comps, Filter: filter, Predictor: pred, Data: data, DPIX: dpi, DPIY: dpi}
	}
	return []struct {
		name string
		im   *Image
		tol  int
	}{
		{"jpeg", img(1, FilterDCT, 0, jb.Bytes()), 8},
		{"ccitt g4", g4[0], 0},
		{"flate", img(1, FilterFlate, 0, deflate(gray.Pix)), 0},
		{"flate png predictor", img(1, FilterFlate, 15, pngIDAT(t, pg.Bytes())), 0},
		{"flate png predictor rgb", img(3, FilterFlate, 10, pngIDAT(t, pc.Bytes())), 0},
		{"flate tiff predictor", img(1, FilterFlate, PredictorTIFF, deflate(tiffRows)), 0},
	}
}

// reference is im's samples as this package decodes them, stored raw:
// Flate images keep their colours, the others become 8-bit gray.
func reference(t *testing.T, im *Image) *Image {
	t.Helper()
	ref := *im
	ref.Filter, ref.Predictor = FilterNone, 0
	if im.Filter == FilterFlate {
		zr, err := zlib.NewReader(bytes.NewReader(im.Data))
		if err != nil {
			t.Fatal(err)
		}
		pr, err := newPredictorReader(zr, im.Predictor, im.Components, im.BitsPerComponent, im.Width)
		if err != nil {
			t.Fatal(err)
		}
		if ref.Data, err = io.ReadAll(pr); err != nil {
			t.Fatal(err)
		}
		return &ref
	}
	g, err := im.Gray(testLimits)
	if err != nil {
		t.Fatal(err)
	}
	ref.Data, ref.Components, ref.BitsPerComponent, ref.Invert = g.Pix, 1, 8, false
	return &ref
}

// ImagesToPDF stores every kind of page image byte for byte, with the
// parameters (predictor, page rotation) that make poppler show the pixels
// this package decodes; the reader gives back the stored bytes and the
// rotation, and the same images always make the same file.
func TestImagesToPDFKeepsStreams(t *testing.T) {
	needTool(t, "pdftoppm")
	ctx := context.Background()
	for _, tc := range testImages(t) {
		for _, rot := range []int{0, 90, 180, 270} {
			t.Run(tc.name+"/"+itoa(rot), func(t *testing.T) {
				im := *tc.im
				im.Rotate = rot
				data := ImagesToPDF([]*Image{&im})
				if again := ImagesToPDF([]*Image{&im}); !bytes.Equal(again, data) {
					t.Error("ImagesToPDF is not deterministic")
				}
				path := filepath.Join(t.TempDir(), "p.pdf")
				if err := os.WriteFile(path, data, 0o600); err != nil {
					t.Fatal(err)
				}
				checkPDF(t, path)
				doc, err := Open(ctx, path, testLimits)
				if err != nil {
					t.Fatal(err)
				}
				pg := doc.Pages[0]
				if pg.Image == nil || pg.Rotate != rot {
					t.Fatalf("page: image %v, rotate %d", pg.Image != nil, pg.Rotate)
				}
				got := pg.Image
				if got.Filter != im.Filter || got.Predictor != im.Predictor || !bytes.Equal(got.Data, im.Data) {
					t.Errorf("read back filter %q predictor %d, %d bytes; stored %q %d, %d bytes (equal: %v)",
						got.Filter, got.Predictor, len(got.Data), im.Filter, im.Predictor, len(im.Data), bytes.Equal(got.Data, im.Data))
				}
				if s := imageStreams(t, doc); len(s) != 1 || !bytes.Equal(s[0], im.Data) {
					t.Error("the image stream is not the stored bytes")
				}
				// Poppler smooths images even at their own resolution, so
				// the rendering is compared with one of the decoded samples
				// stored raw, turned the same way.
				ref := reference(t, &im)
				ref.Rotate = rot
				refPath := filepath.Join(t.TempDir(), "ref.pdf")
				if err := os.WriteFile(refPath, ImagesToPDF([]*Image{ref}), 0o600); err != nil {
					t.Fatal(err)
				}
				refDoc, err := Open(ctx, refPath, testLimits)
				if err != nil {
					t.Fatal(err)
				}
				want, err := refDoc.Rasterize(ctx, 1, int(im.DPIX), testLimits)
				if err != nil {
					t.Fatal(err)
				}
				r, err := doc.Rasterize(ctx, 1, int(im.DPIX), testLimits)
				if err != nil {
					t.Fatal(err)
				}
				if r.Bounds() != want.Bounds() {
					t.Fatalf("rendered %v, reference %v", r.Bounds(), want.Bounds())
				}
				if w, h := r.Bounds().Dx(), r.Bounds().Dy(); (rot%180 == 0) != (w == im.Width && h == im.Height) {
					t.Errorf("page rotated %d renders %d×%d for a %d×%d image", rot, w, h, im.Width, im.Height)
				}
				worst := 0
				for i := range r.Pix {
					d := int(r.Pix[i]) - int(want.Pix[i])
					worst = max(worst, d, -d)
				}
				if worst > tc.tol {
					t.Errorf("poppler's pixels differ from the reference's by up to %d (allowed %d)", worst, tc.tol)
				}
			})
		}
	}
}
