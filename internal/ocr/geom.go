package ocr

import (
	"image"
	"math"

	"github.com/eingang/eingang/internal/pdf"
)

// toSource returns the matrix from recogniser pixels (upright, deskewed,
// size uw×uh) to source pixels (size w×h): undo the deskew, then the
// orientation.
func toSource(w, h, rotate int, skewDeg float64) (m pdf.Matrix, uw, uh int) {
	var rinv pdf.Matrix
	fw, fh := float64(w), float64(h)
	switch rotate {
	case 90:
		rinv, uw, uh = pdf.Matrix{0, -1, 1, 0, 0, fh}, h, w
	case 180:
		rinv, uw, uh = pdf.Matrix{-1, 0, 0, -1, fw, fh}, w, h
	case 270:
		rinv, uw, uh = pdf.Matrix{0, 1, -1, 0, fw, 0}, h, w
	default:
		rinv, uw, uh = pdf.Identity, w, h
	}
	s := skewDeg * math.Pi / 180
	cos, sin := math.Cos(s), math.Sin(s)
	cx, cy := float64(uw)/2, float64(uh)/2
	// The scan shows the straight page turned clockwise by the skew.
	dinv := pdf.Matrix{cos, sin, -sin, cos, cx - cos*cx + sin*cy, cy - sin*cx - cos*cy}
	return dinv.Mul(rinv), uw, uh
}

// warp renders the recogniser's image: every output pixel samples the
// source through m (bilinear, white outside). The visible page keeps the
// untouched source; this copy only feeds Tesseract.
func warp(src *image.Gray, m pdf.Matrix, uw, uh int) *image.Gray {
	dst := image.NewGray(image.Rect(0, 0, uw, uh))
	sw, sh := src.Bounds().Dx(), src.Bounds().Dy()
	if m == pdf.Identity {
		for y := 0; y < sh; y++ {
			copy(dst.Pix[y*uw:(y+1)*uw], src.Pix[y*src.Stride:])
		}
		return dst
	}
	axisAligned := m[1] == 0 && m[2] == 0 || m[0] == 0 && m[3] == 0
	for y := 0; y < uh; y++ {
		fy := float64(y) + 0.5
		row := dst.Pix[y*uw : (y+1)*uw]
		for x := 0; x < uw; x++ {
			fx := float64(x) + 0.5
			sx, sy := m.Apply(fx, fy)
			sx -= 0.5
			sy -= 0.5
			if axisAligned {
				ix, iy := int(math.Round(sx)), int(math.Round(sy))
				if ix < 0 || iy < 0 || ix >= sw || iy >= sh {
					row[x] = 255
				} else {
					row[x] = src.Pix[iy*src.Stride+ix]
				}
				continue
			}
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			if x0 < 0 || y0 < 0 || x0+1 >= sw || y0+1 >= sh {
				row[x] = 255
				continue
			}
			ax, ay := sx-float64(x0), sy-float64(y0)
			p := src.Pix[y0*src.Stride+x0:]
			q := src.Pix[(y0+1)*src.Stride+x0:]
			top := float64(p[0])*(1-ax) + float64(p[1])*ax
			bot := float64(q[0])*(1-ax) + float64(q[1])*ax
			row[x] = uint8(top*(1-ay) + bot*ay + 0.5)
		}
	}
	return dst
}
