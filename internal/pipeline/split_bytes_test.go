package pipeline

import (
	"bytes"
	"compress/zlib"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/pdf"
	"github.com/eingang/eingang/internal/testenv/minipdf"
)

// idat returns the zlib stream of a PNG file: rows with their PNG filter
// bytes, what a FlateDecode stream with /Predictor 15 holds.
func idat(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return minipdf.PNGImageData(buf.Bytes())
}

// g4 encodes img as a CCITT G4 image through ImageMagick's TIFF writer.
func g4(t *testing.T, img image.Image, dpi float64) *pdf.Image {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "p.png"), filepath.Join(dir, "p.tif")
	var buf bytes.Buffer
	png.Encode(&buf, img)
	if err := os.WriteFile(in, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if o, err := exec.Command("convert", in, "-threshold", "60%", "-monochrome", "-compress", "Group4", out).CombinedOutput(); err != nil {
		t.Fatalf("convert: %v\n%s", err, o)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	ims, err := pdf.ReadTIFF(data, pdf.Limits{})
	if err != nil || len(ims) != 1 || ims[0].Filter != pdf.FilterCCITT {
		t.Fatalf("G4 TIFF: %v", err)
	}
	ims[0].DPIX, ims[0].DPIY = dpi, dpi
	return ims[0]
}

// A batch whose page images are JPEG, CCITT G4 and Flate with and
// without a PNG predictor, some pages turned by /Rotate, splits into
// parts whose image streams are the batch's byte for byte, with the same
// rotation: the parts pass qpdf --check and poppler renders each part
// page exactly as the batch page.
func TestSplitKeepsPageImagesByteForByte(t *testing.T) {
	if testing.Short() {
		t.Skip("analyses a generated batch scan")
	}
	ctx := context.Background()
	b := pickBatches(t, "batch-06")[0]
	_, jpegs := batchPDF(t, b, allPages(b))
	var imgs []*pdf.Image
	kinds := map[string]bool{}
	for i, jp := range jpegs {
		g, err := jp.Gray(pdf.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		im := &pdf.Image{Width: jp.Width, Height: jp.Height, BitsPerComponent: 8, Components: 1, Filter: pdf.FilterFlate, DPIX: jp.DPIX, DPIY: jp.DPIY}
		switch {
		case b.Pages[i].Kind == "separator" || i%4 == 0:
			im = jp
		case i%4 == 1:
			im.Predictor, im.Data = 15, idat(t, g)
		case i%4 == 2:
			im = g4(t, g, jp.DPIX)
		default:
			var buf bytes.Buffer
			zw := zlib.NewWriter(&buf)
			zw.Write(g.Pix)
			zw.Close()
			im.Data = buf.Bytes()
		}
		if i%3 == 1 {
			c := *im
			c.Rotate = 90 * (1 + i%3)
			im = &c
		}
		kinds[im.Filter+string(rune('0'+im.Predictor))] = true
		imgs = append(imgs, im)
	}
	if len(kinds) < 4 {
		t.Fatalf("the batch has page images of %d kinds, want JPEG, G4, Flate, Flate with predictor", len(kinds))
	}
	data := pdf.ImagesToPDF(imgs)
	p, j, q, root := newBatchPipeline(t, 20)
	id, err := p.Intake(q).Register(ctx, claimBytes(t, p, root, "stapel", "stapel.pdf", data))
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{StepIngest, StepSplit} {
		if _, err := p.Run(ctx, step, id); err != nil {
			t.Fatal(err)
		}
	}
	bd := mustGet(t, j, id)
	if len(bd.Parts) != len(b.Docs) {
		t.Fatalf("%d parts, want %d", len(bd.Parts), len(b.Docs))
	}
	batchPath := filepath.Join(t.TempDir(), "batch.pdf")
	if err := os.WriteFile(batchPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	batch, err := pdf.Open(ctx, batchPath, pdf.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for i, pid := range bd.Parts {
		pd := mustGet(t, j, pid)
		if out, err := exec.Command("qpdf", "--check", pd.WorkPath).CombinedOutput(); err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors") {
			t.Errorf("part %d: qpdf --check: %v\n%s", i+1, err, out)
		}
		part, err := pdf.Open(ctx, pd.WorkPath, pdf.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		for _, pg := range part.Pages {
			k := -1
			for n, bp := range batch.Pages {
				if pg.Image != nil && bp.Image != nil && bytes.Equal(pg.Image.Data, bp.Image.Data) {
					k = n
				}
			}
			if k < 0 {
				t.Fatalf("part %d page %d: no batch page has its image stream byte for byte", i+1, pg.Number)
			}
			bp := batch.Pages[k]
			if pg.Image.Filter != bp.Image.Filter || pg.Image.Predictor != bp.Image.Predictor || pg.Rotate != bp.Rotate || bp.Rotate != imgs[k].Rotate {
				t.Errorf("part %d page %d: %s/%d rotated %d; batch page %d: %s/%d rotated %d", i+1, pg.Number,
					pg.Image.Filter, pg.Image.Predictor, pg.Rotate, k+1, bp.Image.Filter, bp.Image.Predictor, bp.Rotate)
			}
			got, err := part.Rasterize(ctx, pg.Number, 40, pdf.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			want, err := batch.Rasterize(ctx, k+1, 40, pdf.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Bounds() != want.Bounds() || !bytes.Equal(got.Pix, want.Pix) {
				t.Errorf("part %d page %d renders otherwise than batch page %d", i+1, pg.Number, k+1)
			}
		}
	}
}
