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
	return warpInto(nil, src, m, uw, uh)
}

// warpInto is warp writing into buf when it is large enough, so that a
// worker reuses one buffer for every page instead of leaving 8 MB of
// garbage per page.
func warpInto(buf []byte, src *image.Gray, m pdf.Matrix, uw, uh int) *image.Gray {
	var dst *image.Gray
	if len(buf) >= uw*uh {
		dst = &image.Gray{Pix: buf[:uw*uh], Stride: uw, Rect: image.Rect(0, 0, uw, uh)}
	} else {
		dst = image.NewGray(image.Rect(0, 0, uw, uh))
	}
	sw, sh := src.Bounds().Dx(), src.Bounds().Dy()
	if m == pdf.Identity {
		for y := 0; y < sh; y++ {
			copy(dst.Pix[y*uw:(y+1)*uw], src.Pix[y*src.Stride:])
		}
		return dst
	}
	if quarterTurn(m) {
		// Pure 90/180/270° turn: every output pixel centre lands on a
		// source pixel centre, where bilinear sampling returns that pixel
		// exactly, so a plain gather gives the same image without the
		// per-pixel interpolation.
		sx0, sy0 := m.Apply(0.5, 0.5)
		x0, y0 := int(math.Floor(sx0)), int(math.Floor(sy0))
		ddx, ddy := int(m[0])+int(m[1])*src.Stride, int(m[2])+int(m[3])*src.Stride
		for y := 0; y < uh; y++ {
			i := y0*src.Stride + x0 + y*ddy
			row := dst.Pix[y*uw : (y+1)*uw]
			for x := range row {
				row[x] = src.Pix[i]
				i += ddx
			}
		}
		return dst
	}
	// Fixed point (16 fractional bits), stepping along each row: the
	// source position advances by (m[0], m[1]) per output pixel.
	const one = 1 << 16
	dxx, dxy := int64(m[0]*one), int64(m[1]*one)
	maxX, maxY := int64(sw-1)<<16, int64(sh-1)<<16
	for y := 0; y < uh; y++ {
		sx0, sy0 := m.Apply(0.5, float64(y)+0.5)
		fx, fy := int64((sx0-0.5)*one), int64((sy0-0.5)*one)
		row := dst.Pix[y*uw : (y+1)*uw]
		for x := range row {
			if fx < 0 || fy < 0 || fx > maxX || fy > maxY {
				row[x] = 255
			} else {
				x0, y0 := int(fx>>16), int(fy>>16)
				ax, ay := fx&(one-1), fy&(one-1)
				i := y0*src.Stride + x0
				dx, dy := 1, src.Stride
				if x0 == sw-1 {
					dx = 0
				}
				if y0 == sh-1 {
					dy = 0
				}
				p0, p1 := int64(src.Pix[i]), int64(src.Pix[i+dx])
				q0, q1 := int64(src.Pix[i+dy]), int64(src.Pix[i+dy+dx])
				top := p0*(one-ax) + p1*ax
				bot := q0*(one-ax) + q1*ax
				row[x] = uint8(((top>>8)*(one-ay) + (bot>>8)*ay + (1 << 23)) >> 24)
			}
			fx += dxx
			fy += dxy
		}
	}
	return dst
}

// quarterTurn reports whether m maps pixel centres to pixel centres by a
// quarter turn or half turn (no skew, integer translation).
func quarterTurn(m pdf.Matrix) bool {
	for _, v := range m {
		if v != math.Trunc(v) {
			return false
		}
	}
	unit := func(a, b float64) bool { return math.Abs(a)+math.Abs(b) == 1 }
	return unit(m[0], m[1]) && unit(m[2], m[3]) && m[0]*m[2]+m[1]*m[3] == 0
}
