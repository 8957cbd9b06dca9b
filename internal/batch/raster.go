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
	var pix []byte
	var stride int
	switch s := img.(type) {
	case *image.Gray:
		pix, stride = s.Pix[s.PixOffset(r.Min.X, r.Min.Y):], s.Stride
	case *image.YCbCr:
		// The luma plane is the grey picture.
		pix, stride = s.Y[s.YOffset(r.Min.X, r.Min.Y):], s.YStride
	}
	div := uint32(f * f)
	for y := 0; y < h; y++ {
		clear(sum)
		for dy := 0; dy < f; dy++ {
			sy := y*f + dy
			if pix != nil {
				row := pix[sy*stride : sy*stride+w*f]
				for x := 0; x < w; x++ {
					var s uint32
					for _, v := range row[x*f : x*f+f] {
						s += uint32(v)
					}
					sum[x] += s
				}
				continue
			}
			for x := 0; x < w*f; x++ {
				sum[x/f] += uint32(luma(img.At(r.Min.X+x, r.Min.Y+sy)))
			}
		}
		out := dst.Pix[y*dst.Stride:]
		for x := 0; x < w; x++ {
			out[x] = uint8(sum[x] / div)
		}
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
