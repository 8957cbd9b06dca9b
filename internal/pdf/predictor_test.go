package pdf

import (
	"bytes"
	"compress/zlib"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/eingang/eingang/internal/testenv/minipdf"
)

// pngIDAT returns the filtered rows of a PNG file as a /Predictor ≥ 10
// stream holds them.
func pngIDAT(t *testing.T, data []byte) []byte {
	t.Helper()
	z := minipdf.PNGImageData(data)
	if z == nil {
		t.Fatal("no IDAT")
	}
	return z
}

// noisyImage has rows of noise, gradients and flat runs, so that an
// encoder choosing the best filter per row uses all five.
func noisyImage(w, h int, rgb bool) image.Image {
	r := rand.New(rand.NewPCG(1, 2))
	var img interface {
		image.Image
		Set(x, y int, c color.Color)
	}
	if rgb {
		img = image.NewRGBA(image.Rect(0, 0, w, h))
	} else {
		img = image.NewGray(image.Rect(0, 0, w, h))
	}
	for y := range h {
		for x := range w {
			var v [3]uint8
			switch y % 5 {
			case 0:
				v = [3]uint8{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256))}
			case 1, 2:
				// Busy along the row, the same from one row to the next.
				n := uint8(x * x * 37 % 251)
				v = [3]uint8{n, n + 50, n + 90}
				if y%5 == 2 {
					v = [3]uint8{n + 1, n + 51, n + 91}
				}
			case 3:
				v = [3]uint8{uint8(x + y), uint8(2*x + y), uint8(x*y + r.IntN(4))}
			default:
				// Sparse after a busy row: no filter beats None.
				if x%7 == 0 {
					v = [3]uint8{1, 1, 1}
				}
			}
			img.Set(x, y, color.RGBA{v[0], v[1], v[2], 255})
		}
	}
	return img
}

// The PNG predictor decoder reads what Go's PNG encoder, an independent
// implementation, filters with all five row filters.
func TestPredictorPNGFromEncoder(t *testing.T) {
	used := map[byte]bool{} // the filters the encoder chose
	defer func() {
		if len(used) != 5 {
			t.Errorf("the encoder used filters %v; the test needs all five", used)
		}
	}()
	for _, tc := range []struct {
		name  string
		rgb   bool
		comps int
	}{{"gray", false, 1}, {"rgb", true, 3}} {
		t.Run(tc.name, func(t *testing.T) {
			src := noisyImage(61, 40, tc.rgb)
			var buf bytes.Buffer
			if err := png.Encode(&buf, src); err != nil {
				t.Fatal(err)
			}
			z := pngIDAT(t, buf.Bytes())
			// Which filters the encoder used.
			zr, err := zlib.NewReader(bytes.NewReader(z))
			if err != nil {
				t.Fatal(err)
			}
			filtered, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			rowLen := 61 * tc.comps
			for y := range 40 {
				used[filtered[y*(rowLen+1)]] = true
			}
			zr, _ = zlib.NewReader(bytes.NewReader(z))
			pr, err := newPredictorReader(zr, 15, tc.comps, 8, 61)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(pr)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != rowLen*40 {
				t.Fatalf("%d bytes, want %d", len(got), rowLen*40)
			}
			for y := range 40 {
				for x := range 61 {
					r, g, b, _ := src.At(x, y).RGBA()
					want := []byte{byte(r >> 8), byte(g >> 8), byte(b >> 8)}[:tc.comps]
					if o := y*rowLen + x*tc.comps; !bytes.Equal(got[o:o+tc.comps], want) {
						t.Fatalf("pixel %d,%d: %v, want %v", x, y, got[o:o+tc.comps], want)
					}
				}
			}
		})
	}
}

// refFilter filters row (above it prev) with PNG filter typ, following
// the PNG specification's definitions literally.
func refFilter(typ byte, row, prev []byte, bpp int) []byte {
	out := []byte{typ}
	at := func(b []byte, i int) int {
		if i < 0 {
			return 0
		}
		return int(b[i])
	}
	for i := range row {
		a, b, c := at(row, i-bpp), int(prev[i]), at(prev, i-bpp)
		var pred int
		switch typ {
		case 1:
			pred = a
		case 2:
			pred = b
		case 3:
			pred = (a + b) / 2
		case 4:
			p := a + b - c
			pa, pb, pc := p-a, p-b, p-c
			if pa < 0 {
				pa = -pa
			}
			if pb < 0 {
				pb = -pb
			}
			if pc < 0 {
				pc = -pc
			}
			switch {
			case pa <= pb && pa <= pc:
				pred = a
			case pb <= pc:
				pred = b
			default:
				pred = c
			}
		}
		out = append(out, byte(int(row[i])-pred))
	}
	return out
}

// Rows built by hand, one filter each, for sample sizes the PNG encoder
// does not produce (1-bit gray: one-byte distance; 16-bit: two).
func TestPredictorRows(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name                 string
		colors, bpc, columns int
	}{
		{"gray 1 bit", 1, 1, 37},
		{"gray 8 bit", 1, 8, 9},
		{"rgb 8 bit", 3, 8, 7},
		{"cmyk 8 bit", 4, 8, 5},
		{"gray 16 bit", 1, 16, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rowLen := (tc.columns*tc.colors*tc.bpc + 7) / 8
			bpp := max(1, tc.colors*tc.bpc/8)
			var want, enc []byte
			prev := make([]byte, rowLen)
			// Every filter twice, in an order where each follows others.
			for _, typ := range []byte{0, 1, 2, 3, 4, 4, 3, 2, 1, 0} {
				row := make([]byte, rowLen)
				for i := range row {
					row[i] = byte(r.IntN(256))
				}
				enc = append(enc, refFilter(typ, row, prev, bpp)...)
				want = append(want, row...)
				prev = row
			}
			pr, err := newPredictorReader(bytes.NewReader(enc), 12, tc.colors, tc.bpc, tc.columns)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(pr)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("decoded %x (%v), want %x", got, err, want)
			}
		})
	}
}

// TIFF predictor 2 stores each sample as the difference to the same
// component of the pixel to its left, row by row.
func TestPredictorTIFF(t *testing.T) {
	const w, h, comps = 5, 3, 3
	r := rand.New(rand.NewPCG(5, 6))
	want := make([]byte, w*h*comps)
	for i := range want {
		want[i] = byte(r.IntN(256))
	}
	enc := make([]byte, len(want))
	for y := range h {
		for i := range w * comps {
			o := y*w*comps + i
			if i < comps {
				enc[o] = want[o]
			} else {
				enc[o] = want[o] - want[o-comps]
			}
		}
	}
	pr, err := newPredictorReader(bytes.NewReader(enc), PredictorTIFF, comps, 8, w)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(pr); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("decoded %v (%v), want %v", got, err, want)
	}
}

func TestPredictorBadInput(t *testing.T) {
	for _, tc := range []struct {
		name         string
		p, bpc, cols int
		data         []byte
		want         error
	}{
		{"unknown row filter", 10, 8, 2, []byte{5, 1, 2}, ErrCorrupt},
		{"row cut short", 10, 8, 4, []byte{0, 1, 2, 3, 4, 0, 1}, ErrCorrupt},
		{"tiff on bits", PredictorTIFF, 1, 8, []byte{0}, ErrUnsupportedFormat},
		{"unknown predictor", 7, 8, 8, []byte{0}, ErrUnsupportedFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pr, err := newPredictorReader(bytes.NewReader(tc.data), tc.p, 1, tc.bpc, tc.cols)
			if err == nil {
				_, err = io.ReadAll(pr)
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
}

// A Flate image with a PNG predictor comes out of Gray as the pixels it
// encodes.
func TestGrayFlatePredictor(t *testing.T) {
	src := noisyImage(33, 20, false).(*image.Gray)
	var buf bytes.Buffer
	if err := png.Encode(&buf, src); err != nil {
		t.Fatal(err)
	}
	im := &Image{Width: 33, Height: 20, BitsPerComponent: 8, Components: 1, Filter: FilterFlate, Predictor: 15, Data: pngIDAT(t, buf.Bytes())}
	g, err := im.Gray(Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(g.Pix, src.Pix) {
		t.Error("gray pixels differ from the PNG's")
	}
}
