package batch

import (
	"image"
	"image/color"
)

// workShortSide is the short side, in pixels, pages are analysed at:
// about 100 dpi for A4. The sheet's QR modules (1.2 mm) are then almost
// five pixels wide and a line of 8 pt text still has letters of a few
// pixels, while a page costs a fifteenth of its 400 dpi pixels.
const workShortSide = 827

// scaleFor returns the integer box-filter factor that brings a page with
// short side n near workShortSide (never enlarging it).
func scaleFor(n, target int) int {
	f := (n + target/2) / target
	if f < 1 {
		f = 1
	}
	return f
}

// shrink returns the grey box-filter average of r (in img's coordinates)
// reduced by f in both directions. It reads each source pixel once and
// has fast paths for the images scanners and decoders produce.
func shrink(img image.Image, r image.Rectangle, f int) *image.Gray {
	r = r.Intersect(img.Bounds())
	w, h := r.Dx()/f, r.Dy()/f
	dst := image.NewGray(image.Rect(0, 0, w, h))
	if w == 0 || h == 0 {
		return dst
	}
	sum := make([]uint32, w)
	lumRow := make([]byte, w*f)
	// row returns the grey values of source row sy (relative to r).
	var row func(sy int) []byte
	switch s := img.(type) {
	case *image.Gray:
		row = func(sy int) []byte { o := s.PixOffset(r.Min.X, r.Min.Y+sy); return s.Pix[o : o+w*f] }
	case *image.YCbCr:
		// The luma plane is the grey picture.
		row = func(sy int) []byte { o := s.YOffset(r.Min.X, r.Min.Y+sy); return s.Y[o : o+w*f] }
	case *image.RGBA:
		row = func(sy int) []byte { return rgbRow(lumRow, s.Pix[s.PixOffset(r.Min.X, r.Min.Y+sy):]) }
	case *image.NRGBA:
		// Scans carry no transparency; alpha is ignored.
		row = func(sy int) []byte { return rgbRow(lumRow, s.Pix[s.PixOffset(r.Min.X, r.Min.Y+sy):]) }
	default:
		row = func(sy int) []byte {
			for x := range lumRow {
				lumRow[x] = luma(img.At(r.Min.X+x, r.Min.Y+sy))
			}
			return lumRow
		}
	}
	div := uint32(f * f)
	for y := 0; y < h; y++ {
		clear(sum)
		for dy := 0; dy < f; dy++ {
			src := row(y*f + dy)
			switch f {
			case 1:
				for x := range sum {
					sum[x] += uint32(src[x])
				}
			case 2:
				for x := range sum {
					sum[x] += uint32(src[2*x]) + uint32(src[2*x+1])
				}
			case 3:
				for x := range sum {
					sum[x] += uint32(src[3*x]) + uint32(src[3*x+1]) + uint32(src[3*x+2])
				}
			default:
				for x := range sum {
					var v uint32
					for _, p := range src[x*f : x*f+f] {
						v += uint32(p)
					}
					sum[x] += v
				}
			}
		}
		out := dst.Pix[y*dst.Stride:]
		for x := 0; x < w; x++ {
			out[x] = uint8(sum[x] / div)
		}
	}
	return dst
}

// rgbRow converts len(dst) RGBA pixels to grey (BT.601 weights, as
// image/color does).
func rgbRow(dst, pix []byte) []byte {
	for x := range dst {
		p := pix[4*x : 4*x+3]
		dst[x] = uint8((19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 1<<15) >> 16)
	}
	return dst
}

func luma(c color.Color) uint8 {
	switch c := c.(type) {
	case color.Gray:
		return c.Y
	case color.RGBA:
		return uint8((19595*uint32(c.R) + 38470*uint32(c.G) + 7471*uint32(c.B) + 1<<15) >> 16)
	}
	return color.GrayModel.Convert(c).(color.Gray).Y
}

// crop returns r of g as its own image with origin (0,0).
func crop(g *image.Gray, r image.Rectangle) *image.Gray {
	r = r.Intersect(g.Bounds())
	out := image.NewGray(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := 0; y < r.Dy(); y++ {
		copy(out.Pix[y*out.Stride:(y+1)*out.Stride], g.Pix[g.PixOffset(r.Min.X, r.Min.Y+y):])
	}
	return out
}

// rotate90 turns g by 90° clockwise.
func rotate90(g *image.Gray) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	out := image.NewGray(image.Rect(0, 0, h, w))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out.Pix[x*out.Stride+(h-1-y)] = g.Pix[y*g.Stride+x]
		}
	}
	return out
}
