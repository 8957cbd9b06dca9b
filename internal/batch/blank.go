package batch

import (
	"fmt"
	"image"
	"math"
)

// The blank-page rule, from measurable properties of a page at the
// working resolution, taking the short side as 210 mm (A4; Letter differs
// by 3 %):
//
//   - The outer blankMarginMM are not looked at: punch holes (ISO 838:
//     centres 12 mm from the edge, 6 mm across), staple marks and the
//     scanner's edge shadows live there.
//   - A pixel is ink when it is darker than the local paper (the mean of
//     a 10 mm window, so paper tone, texture and uneven lighting cancel
//     out) by at least minInkContrast grey levels, or by six times the
//     page's noise if that is more. Bleed-through from the back of thin
//     paper is a mirrored image of a few to 25 levels; toner, ink,
//     ballpoint and stamps are 80 levels and more at this resolution.
//   - Ink pixels are joined into 8-connected components. A component
//     counts as a mark when it spans at least minMarkMM (a letter of 7 pt
//     text, a dot of a stamp's outline); dust and noise specks are
//     smaller. A page is not blank as soon as it has minMarks marks (a
//     word) or one mark spanning bigMarkMM (a signature stroke, a stamp's
//     frame, a handwritten line).
const (
	blankMarginMM  = 18.0
	minInkContrast = 40
	minMarkMM      = 1.2
	bigMarkMM      = 5.0
	minMarks       = 3
)

// IsBlank tells whether img is a page without content, with a German
// reason for the scan protocol.
func IsBlank(img image.Image) (blank bool, why string) {
	return Prepare(img).Blank()
}

// Blank is [IsBlank] on a prepared page.
func (p *Page) Blank() (bool, string) {
	g := p.small
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	// Below about 25 dpi a letter is a pixel: nothing can be told, and
	// a page is never thrown away on a guess.
	if min(w, h) < 200 {
		return false, "Seite zu klein für die Leerseitenprüfung"
	}
	pxmm := float64(min(w, h)) / 210
	m := int(math.Round(blankMarginMM * pxmm))
	inner := image.Rect(m, m, w-m, h-m)
	if inner.Empty() {
		return false, "Seite zu klein für die Leerseitenprüfung"
	}
	// Integral image for the local paper level.
	iw := w + 1
	integ := make([]uint32, iw*(h+1))
	for y := 0; y < h; y++ {
		var row uint32
		for x := 0; x < w; x++ {
			row += uint32(g.Pix[y*g.Stride+x])
			integ[(y+1)*iw+x+1] = integ[y*iw+x+1] + row
		}
	}
	rad := max(2, int(math.Round(5*pxmm)))
	local := func(x, y int) int {
		x0, y0, x1, y1 := max(0, x-rad), max(0, y-rad), min(w, x+rad+1), min(h, y+rad+1)
		s := integ[y1*iw+x1] - integ[y0*iw+x1] - integ[y1*iw+x0] + integ[y0*iw+x0]
		return int(s) / ((x1 - x0) * (y1 - y0))
	}
	diff := make([]int16, inner.Dx()*inner.Dy())
	// Noise: median absolute deviation of the difference, which ink (a
	// small share of pixels even on a full page) hardly moves. Differences
	// lie in -255..255, so histograms give the medians without sorting.
	var hist [511]int
	for y := inner.Min.Y; y < inner.Max.Y; y++ {
		for x := inner.Min.X; x < inner.Max.X; x++ {
			d := local(x, y) - int(g.Pix[y*g.Stride+x])
			diff[(y-inner.Min.Y)*inner.Dx()+x-inner.Min.X] = int16(d)
			hist[d+255]++
		}
	}
	med := histMedian(hist[:], len(diff)) - 255
	var dev [511]int
	for v, n := range hist {
		dev[abs(v-255-med)] += n
	}
	sigma := 1.4826 * float64(histMedian(dev[:], len(diff)))
	thr := int16(max(minInkContrast, int(math.Ceil(6*sigma))))

	iwid, ihei := inner.Dx(), inner.Dy()
	seen := make([]bool, len(diff))
	minMark, bigMark := minMarkMM*pxmm, bigMarkMM*pxmm
	marks, ink, specks := 0, 0, 0
	largest := 0.0
	var stack []int
	for i, d := range diff {
		if d < thr || seen[i] {
			continue
		}
		// Flood fill one component, tracking its bounding box.
		x0, y0, x1, y1 := i%iwid, i/iwid, i%iwid, i/iwid
		seen[i] = true
		stack = append(stack[:0], i)
		for len(stack) > 0 {
			j := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			ink++
			jx, jy := j%iwid, j/iwid
			x0, y0, x1, y1 = min(x0, jx), min(y0, jy), max(x1, jx), max(y1, jy)
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := jx+dx, jy+dy
					if nx < 0 || ny < 0 || nx >= iwid || ny >= ihei {
						continue
					}
					k := ny*iwid + nx
					if !seen[k] && diff[k] >= thr {
						seen[k] = true
						stack = append(stack, k)
					}
				}
			}
		}
		span := float64(max(x1-x0+1, y1-y0+1))
		largest = max(largest, span)
		switch {
		case span >= bigMark:
			return false, fmt.Sprintf("Inhalt: Zeichen von %.0f mm", span/pxmm)
		case span >= minMark:
			marks++
			if marks >= minMarks {
				return false, fmt.Sprintf("Inhalt: mindestens %d Zeichen", marks)
			}
		default:
			specks++
		}
	}
	return true, fmt.Sprintf("leer: %d Zeichen, %d Flecken, Tintenanteil %.3f %% (Schwelle %d Graustufen)",
		marks, specks, 100*float64(ink)/float64(len(diff)), thr)
}

// histMedian returns the index holding the middle of n counted values.
func histMedian(h []int, n int) int {
	acc := 0
	for i, c := range h {
		acc += c
		if 2*acc > n {
			return i
		}
	}
	return len(h) - 1
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
