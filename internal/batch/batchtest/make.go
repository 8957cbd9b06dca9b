package batchtest

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/eingang/eingang/internal/barcode"
	"github.com/eingang/eingang/internal/batch"
)

func mm(dpi int, v float64) int { return int(math.Round(v * float64(dpi) / 25.4)) }

// make builds one page file.
func (g *gen) make(ctx context.Context, j job) error {
	out := filepath.Join(g.dir, j.out)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(g.dir, "work-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	r := rand.New(rand.NewPCG(j.seed, 7))
	W, H := mm(j.dpi, 210), mm(j.dpi, 297)
	var args []string
	switch j.kind {
	case Content:
		src, err := g.corpusPage(ctx, tmp, j.doc, j.page)
		if err != nil {
			return err
		}
		args = append(args, src, "-colorspace", "Gray", "-filter", "Box", "-resize", fmt.Sprintf("%dx%d!", W, H))
		var overlays []overlay
		if j.label != "" {
			// A field label as stuck on a letter: top right.
			img, err := barcode.Code128Image(j.label, max(2, mm(j.dpi, 0.33)), mm(j.dpi, 10))
			if err != nil {
				return err
			}
			overlays = append(overlays, overlay{img, W - mm(j.dpi, 15) - img.Bounds().Dx(), mm(j.dpi, 14)})
		}
		for _, f := range j.foreign {
			// Foreign codes where the sheet's own are looked for: a
			// parcel code in the bottom band, a URL QR in a corner.
			if len(f) > 0 && f[0] == 'h' {
				img, err := barcode.QRImage(f, max(3, mm(j.dpi, 0.7)))
				if err != nil {
					return err
				}
				overlays = append(overlays, overlay{img, mm(j.dpi, 14), mm(j.dpi, 14)})
				continue
			}
			img, err := barcode.Code128Image(f, max(2, mm(j.dpi, 0.33)), mm(j.dpi, 12))
			if err != nil {
				return err
			}
			overlays = append(overlays, overlay{img, mm(j.dpi, 14), H - mm(j.dpi, 30)})
		}
		for i, o := range overlays {
			f := filepath.Join(tmp, fmt.Sprintf("o%d.png", i))
			if err := writePNG(f, o.img); err != nil {
				return err
			}
			args = append(args, f, "-geometry", fmt.Sprintf("+%d+%d", o.x, o.y), "-composite")
		}
	case Separator:
		data, _, err := batch.RenderSeparator(ctx, j.payload)
		if err != nil {
			return err
		}
		pdfFile := filepath.Join(tmp, "sep.pdf")
		if err := os.WriteFile(pdfFile, data, 0o644); err != nil {
			return err
		}
		ppm := []string{"-r", strconv.Itoa(j.dpi), "-png", "-singlefile"}
		if !j.color {
			ppm = append(ppm, "-gray")
		}
		if err := run(ctx, "pdftoppm", append(ppm, pdfFile, filepath.Join(tmp, "sep"))...); err != nil {
			return err
		}
		args = append(args, filepath.Join(tmp, "sep.png"))
	case Blank, NearBlank:
		page := paper(W, H, r)
		switch j.variant {
		case "punched", "punched-bleed":
			for _, dy := range []float64{-40, 40} {
				disc(page, float64(mm(j.dpi, 12)), float64(H)/2+float64(mm(j.dpi, dy)), float64(mm(j.dpi, 3)), color.RGBA{35, 35, 35, 255})
			}
		case "line":
			text(page, j.dpi, 11, "Mit freundlichen Grüßen", mm(j.dpi, 30+r.Float64()*80), mm(j.dpi, 60+r.Float64()*150), color.RGBA{20, 20, 20, 255})
		case "signature":
			scribble(page, j.dpi, r, mm(j.dpi, 40+r.Float64()*90), mm(j.dpi, 60+r.Float64()*150), color.RGBA{25, 40, 140, 255})
		case "stamp":
			stamp(page, j.dpi, r, color.RGBA{200, 30, 40, 255})
		case "note":
			x, y := mm(j.dpi, 30+r.Float64()*90), mm(j.dpi, 50+r.Float64()*160)
			c := color.RGBA{30, 50, 150, 255}
			text(page, j.dpi, 12, "Bitte an 20.1 weiterleiten", x, y, c)
			text(page, j.dpi, 12, "Danke, M.", x, y+mm(j.dpi, 7), c)
		}
		f := filepath.Join(tmp, "base.png")
		if err := writePNG(f, page); err != nil {
			return err
		}
		args = append(args, f)
		if j.variant == "bleed" || j.variant == "punched-bleed" {
			// The back shows its front through the paper: mirrored,
			// very light.
			src, err := g.corpusPage(ctx, tmp, j.doc, j.page)
			if err != nil {
				return err
			}
			args = append(args, "(", src, "-colorspace", "Gray", "-filter", "Box", "-resize", fmt.Sprintf("%dx%d!", W, H),
				"-flop", "+level", "91%,100%", ")", "-compose", "Multiply", "-composite", "-compose", "Over")
		}
	}
	// Scanner: skew, turn, noise, colour or grey, compression.
	args = append(args, "-virtual-pixel", "White", "-background", "white",
		"-distort", "SRT", fmt.Sprintf("%.2f", j.skew))
	if j.turn != 0 {
		args = append(args, "-rotate", strconv.Itoa(j.turn))
	}
	args = append(args, "-seed", strconv.FormatUint(j.seed%1e9, 10), "-attenuate", fmt.Sprintf("%.2f", j.noise), "+noise", "Gaussian")
	if j.color {
		// A faint paper tint makes the colour scan really colour.
		args = append(args, "-colorspace", "sRGB", "-type", "TrueColor", "-fill", "#f6efdc", "-tint", "60")
	} else {
		args = append(args, "-colorspace", "Gray", "-type", "Grayscale")
	}
	args = append(args, "-density", strconv.Itoa(j.dpi), "-units", "PixelsPerInch")
	if j.quality > 0 {
		args = append(args, "-quality", strconv.Itoa(j.quality))
	}
	args = append(args, out)
	return run(ctx, "convert", args...)
}

type overlay struct {
	img  *image.Gray
	x, y int
}

// corpusPage extracts page n (1-based) of a corpus scan as a file.
func (g *gen) corpusPage(ctx context.Context, tmp string, d corpusDoc, n int) (string, error) {
	src := filepath.Join(g.corpus, d.file)
	if d.format == "pdf" {
		// The scans are image-only PDFs: the page image is the scan.
		prefix := filepath.Join(tmp, "src")
		if err := run(ctx, "pdfimages", "-j", "-f", strconv.Itoa(n), "-l", strconv.Itoa(n), src, prefix); err != nil {
			return "", err
		}
		m, _ := filepath.Glob(prefix + "-*")
		if len(m) == 0 {
			return "", fmt.Errorf("no image on page %d of %s", n, d.file)
		}
		return m[0], nil
	}
	return fmt.Sprintf("%s[%d]", src, n-1), nil
}

func run(ctx context.Context, name string, args ...string) error {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, out)
	}
	return nil
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// paper is a sheet with tone, slow unevenness and fibre texture.
func paper(w, h int, r *rand.Rand) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	base := 238 + r.Float64()*12
	fx, fy, ph := 2+r.Float64()*4, 2+r.Float64()*4, r.Float64()*6
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := base + 4*math.Sin(fx*float64(x)/float64(w)*math.Pi+ph)*math.Cos(fy*float64(y)/float64(h)*math.Pi) + r.NormFloat64()*2.5
			c := uint8(max(0, min(255, v)))
			i := img.PixOffset(x, y)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c, c, c, 255
		}
	}
	return img
}

func disc(img *image.RGBA, cx, cy, rad float64, c color.RGBA) {
	for y := int(cy - rad); y <= int(cy+rad); y++ {
		for x := int(cx - rad); x <= int(cx+rad); x++ {
			if (float64(x)-cx)*(float64(x)-cx)+(float64(y)-cy)*(float64(y)-cy) <= rad*rad && image.Pt(x, y).In(img.Bounds()) {
				img.SetRGBA(x, y, c)
			}
		}
	}
}

func text(img *image.RGBA, dpi int, size float64, s string, x, y int, c color.RGBA) {
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		panic(err) // the embedded font always parses
	}
	fc, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: float64(dpi)})
	if err != nil {
		panic(err)
	}
	defer fc.Close()
	d := &font.Drawer{Dst: img, Src: image.NewUniform(c), Face: fc, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// scribble draws a signature-like smooth pen stroke.
func scribble(img *image.RGBA, dpi int, r *rand.Rand, x0, y0 int, c color.RGBA) {
	pen := float64(mm(dpi, 0.25))
	w, amp := float64(mm(dpi, 45)), float64(mm(dpi, 5))
	p1, p2 := r.Float64()*6, r.Float64()*6
	for t := 0.0; t <= 1; t += 0.0005 {
		x := float64(x0) + w*t + amp*0.6*math.Sin(t*31+p1)
		y := float64(y0) + amp*math.Sin(t*23+p2)*math.Cos(t*7)
		disc(img, x, y, pen, c)
	}
}

// stamp draws an office's receipt stamp: a ring with a date inside.
func stamp(img *image.RGBA, dpi int, r *rand.Rand, c color.RGBA) {
	cx, cy := float64(mm(dpi, 60+r.Float64()*90)), float64(mm(dpi, 60+r.Float64()*170))
	rad := float64(mm(dpi, 16))
	for a := 0.0; a < 2*math.Pi; a += 0.002 {
		disc(img, cx+rad*math.Cos(a), cy+rad*math.Sin(a), float64(mm(dpi, 0.45)), c)
	}
	text(img, dpi, 8, "EINGANG", int(cx)-mm(dpi, 8), int(cy)-mm(dpi, 2), c)
	text(img, dpi, 8, "07.12.2026", int(cx)-mm(dpi, 10), int(cy)+mm(dpi, 4), c)
}
