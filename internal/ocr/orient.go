package ocr

import (
	"image"
	"math"
)

// Orientation is the result of the image-statistics orientation and skew
// estimate of one page.
type Orientation struct {
	// Rotate is the clockwise rotation (0, 90, 180, 270) that makes the
	// page upright.
	Rotate int
	// Skew is the remaining clockwise tilt of the text lines, in degrees,
	// in the upright frame.
	Skew float64
	// Score is the ascender/descender asymmetry of the text lines in the
	// upright frame: clearly positive for upright Latin text; near zero
	// when the page gives no evidence (few lines, tables, pictures).
	Score float64
	// Lines is the number of text lines the estimate is based on.
	Lines int
	// Alternative is the rotation worth a second recognition pass when
	// the estimate is not confident (the page turned by 180°, or the
	// sideways rotation the weak evidence pointed to); -1 if none.
	Alternative int
}

// Confident reports whether the estimate is strong enough to trust
// without a second recognition pass.
func (o Orientation) Confident() bool { return o.Lines >= 4 && o.Score >= 0.08 }

// DetectOrientation estimates page orientation and skew from image
// statistics, about a hundred times cheaper than Tesseract's OSD.
//
// Text lines give a sharp horizontal projection profile only when the
// projection direction matches their direction and tilt; that finds the
// axis (0/180 vs 90/270) and the skew. Latin script then decides between
// up and down: ascenders (capitals, digits, b d f h k l t, umlaut dots)
// are much more frequent than descenders (g j p q y), so above the dense
// x-height band of each line there is more ink than below it.
func DetectOrientation(src *image.Gray, dpi int) Orientation {
	factor := 1
	if dpi >= 250 {
		factor = dpi / 150
	}
	small := downscale(src, factor)
	bin := keepGlyphs(binarize(small), dpi/factor)
	// Axis: horizontal lines (0/180) or vertical lines (90/270)?
	hSkew, hSharp := bestSkew(bin, false)
	vSkew, vSharp := bestSkew(bin, true)
	upright := func(score float64, lines int, skew float64, up, down int) Orientation {
		if score >= 0 {
			return Orientation{Rotate: up, Score: score, Lines: lines, Skew: skew, Alternative: -1}
		}
		return Orientation{Rotate: down, Score: -score, Lines: lines, Skew: skew, Alternative: -1}
	}
	score, lines := asymmetry(bin, hSkew)
	horiz := upright(score, lines, hSkew, 0, 180)
	alt := 180
	if vSharp > 1.3*hSharp {
		// Lines seem to run vertically; look at the page turned 90°
		// clockwise. Turning a page sideways needs text evidence there:
		// a sparse page (a separator sheet, a barcode, a few words) has a
		// sharper vertical profile by accident.
		score, lines := asymmetry(rotate90(bin), vSkew)
		vert := upright(score, lines, vSkew, 90, 270)
		if vert.Confident() {
			return vert
		}
		alt = vert.Rotate
	}
	if !horiz.Confident() {
		// Weak evidence: keep the page as scanned; recognition confidence
		// may still overrule this (see Alternative).
		horiz.Rotate, horiz.Score, horiz.Alternative = 0, score, alt
	}
	return horiz
}

// keepGlyphs drops every ink component that cannot be a character, word
// or digit group of text: bars and rules (thin and long: barcodes, patch
// sheets, table lines, frames) and anything larger than two inches
// (pictures, logos, scanner borders). Their straight edges would
// otherwise give the sharpest projection profile on the page and decide
// the axis. dpi is the resolution of b.
func keepGlyphs(b *bitmap, dpi int) *bitmap {
	if len(b.xs) == 0 {
		return b
	}
	thin := max(2, dpi*8/150) // 8 px at 150 dpi ≈ 1.4 mm: thicker than any bar of a 1D code
	huge := 2 * dpi
	out := &bitmap{w: b.w, h: b.h, ink: make([]bool, len(b.ink))}
	seen := make([]bool, len(b.ink))
	var stack, comp []int32
	for i := range b.xs {
		s := b.ys[i]*int32(b.w) + b.xs[i]
		if seen[s] {
			continue
		}
		seen[s] = true
		stack = append(stack[:0], s)
		comp = comp[:0]
		x0, y0, x1, y1 := b.xs[i], b.ys[i], b.xs[i], b.ys[i]
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			comp = append(comp, p)
			px, py := p%int32(b.w), p/int32(b.w)
			x0, y0, x1, y1 = min(x0, px), min(y0, py), max(x1, px), max(y1, py)
			for dy := int32(-1); dy <= 1; dy++ {
				for dx := int32(-1); dx <= 1; dx++ {
					nx, ny := px+dx, py+dy
					if nx < 0 || ny < 0 || nx >= int32(b.w) || ny >= int32(b.h) {
						continue
					}
					q := ny*int32(b.w) + nx
					if b.ink[q] && !seen[q] {
						seen[q] = true
						stack = append(stack, q)
					}
				}
			}
		}
		w, h := int(x1-x0)+1, int(y1-y0)+1
		short, long := min(w, h), max(w, h)
		if long > huge || (short <= thin && long >= 5*short && long >= 5*thin) {
			continue
		}
		for _, p := range comp {
			out.ink[p] = true
			out.xs = append(out.xs, p%int32(b.w))
			out.ys = append(out.ys, p/int32(b.w))
		}
	}
	return out
}

// bitmap is a binarised image: true = ink.
type bitmap struct {
	w, h int
	ink  []bool
	// pts lists ink pixels as (x, y), for fast projections.
	xs, ys []int32
}

func downscale(src *image.Gray, f int) *image.Gray {
	b := src.Bounds()
	if f <= 1 {
		return src
	}
	w, h := b.Dx()/f, b.Dy()/f
	dst := image.NewGray(image.Rect(0, 0, w, h))
	n := f * f
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sum := 0
			for dy := 0; dy < f; dy++ {
				row := src.Pix[(y*f+dy)*src.Stride+x*f:]
				for dx := 0; dx < f; dx++ {
					sum += int(row[dx])
				}
			}
			dst.Pix[y*w+x] = uint8(sum / n)
		}
	}
	return dst
}

// binarize thresholds with Otsu's method and drops a margin, where scan
// borders and punch holes live.
func binarize(g *image.Gray) *bitmap {
	b := g.Bounds()
	w, h := b.Dx(), b.Dy()
	var hist [256]int
	for y := 0; y < h; y++ {
		for _, v := range g.Pix[y*g.Stride : y*g.Stride+w] {
			hist[v]++
		}
	}
	total := w * h
	var sum float64
	for i, c := range hist {
		sum += float64(i * c)
	}
	var sumB, wB float64
	best, thr := -1.0, 128
	for t := 0; t < 256; t++ {
		wB += float64(hist[t])
		if wB == 0 {
			continue
		}
		wF := float64(total) - wB
		if wF == 0 {
			break
		}
		sumB += float64(t * hist[t])
		mB, mF := sumB/wB, (sum-sumB)/wF
		if v := wB * wF * (mB - mF) * (mB - mF); v > best {
			best, thr = v, t
		}
	}
	bm := &bitmap{w: w, h: h, ink: make([]bool, w*h)}
	mx, my := w/40, h/40
	for y := my; y < h-my; y++ {
		row := g.Pix[y*g.Stride:]
		for x := mx; x < w-mx; x++ {
			if int(row[x]) <= thr {
				bm.ink[y*w+x] = true
				bm.xs = append(bm.xs, int32(x))
				bm.ys = append(bm.ys, int32(y))
			}
		}
	}
	// A page that is mostly "ink" is a photo or a dark border; the
	// statistics would mean nothing.
	if len(bm.xs) > total/3 {
		bm.xs, bm.ys = nil, nil
	}
	return bm
}

func rotate90(b *bitmap) *bitmap {
	// Clockwise: (x, y) -> (h-1-y, x).
	r := &bitmap{w: b.h, h: b.w, ink: make([]bool, b.w*b.h), xs: make([]int32, len(b.xs)), ys: make([]int32, len(b.ys))}
	for i := range b.xs {
		nx, ny := int32(b.h-1)-b.ys[i], b.xs[i]
		r.xs[i], r.ys[i] = nx, ny
		r.ink[int(ny)*r.w+int(nx)] = true
	}
	return r
}

// sharpness of the projection of the ink onto the axis perpendicular to
// lines tilted by deg (clockwise, image coordinates).
func sharpness(b *bitmap, deg float64, vertical bool, prof []int32) float64 {
	t := math.Tan(deg * math.Pi / 180)
	for i := range prof {
		prof[i] = 0
	}
	off := len(prof) / 4
	for i := range b.xs {
		x, y := float64(b.xs[i]), float64(b.ys[i])
		var p float64
		if vertical {
			// Vertical lines tilted clockwise: x decreases as y grows.
			p = x + y*t
		} else {
			p = y - x*t
		}
		k := int(p) + off
		if k >= 0 && k < len(prof) {
			prof[k]++
		}
	}
	var s float64
	for i := 1; i < len(prof); i++ {
		d := float64(prof[i] - prof[i-1])
		s += d * d
	}
	return s
}

// bestSkew searches ±6° coarsely, then refines.
func bestSkew(b *bitmap, vertical bool) (float64, float64) {
	if len(b.xs) == 0 {
		return 0, 0
	}
	n := b.h
	if vertical {
		n = b.w
	}
	prof := make([]int32, 2*n+b.w+b.h)
	best, bestS := 0.0, -1.0
	for d := -6.0; d <= 6.0; d += 0.4 {
		if s := sharpness(b, d, vertical, prof); s > bestS {
			best, bestS = d, s
		}
	}
	c := best
	for d := c - 0.4; d <= c+0.4; d += 0.05 {
		if s := sharpness(b, d, vertical, prof); s > bestS {
			best, bestS = d, s
		}
	}
	if vertical {
		// In the frame turned 90° clockwise the tilt keeps its sense.
		return best, bestS
	}
	return best, bestS
}

// asymmetry returns the mass-weighted ascender/descender score of the
// text lines and how many lines contributed.
func asymmetry(b *bitmap, deg float64) (float64, int) {
	if len(b.xs) == 0 {
		return 0, 0
	}
	t := math.Tan(deg * math.Pi / 180)
	off := b.w/4 + 1
	prof := make([]float64, b.h+2*off)
	for i := range b.xs {
		k := int(float64(b.ys[i])-float64(b.xs[i])*t) + off
		if k >= 0 && k < len(prof) {
			prof[k]++
		}
	}
	var peak float64
	for _, v := range prof {
		peak = max(peak, v)
	}
	gap := peak * 0.02
	var num, den float64
	lines := 0
	for i := 0; i < len(prof); {
		if prof[i] <= gap {
			i++
			continue
		}
		j := i
		for j < len(prof) && prof[j] > gap {
			j++
		}
		a, e := i, j // line [a, e)
		i = j
		if e-a < 4 || e-a > 80 {
			continue
		}
		var lmax, mass float64
		for k := a; k < e; k++ {
			lmax = max(lmax, prof[k])
			mass += prof[k]
		}
		top, bot := -1, -1
		for k := a; k < e; k++ {
			if prof[k] >= 0.45*lmax {
				if top < 0 {
					top = k
				}
				bot = k
			}
		}
		var up, down float64
		for k := a; k < top; k++ {
			up += prof[k]
		}
		for k := bot + 1; k < e; k++ {
			down += prof[k]
		}
		if up+down < 0.03*mass {
			continue // a rule or a line without extenders
		}
		num += (up - down) / (up + down) * mass
		den += mass
		lines++
	}
	if den == 0 {
		return 0, 0
	}
	return num / den, lines
}
