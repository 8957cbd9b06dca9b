package ocr

import (
	"cmp"
	"fmt"
	"image"
	"math"
	"slices"
	"strconv"
	"unicode"

	"github.com/otiai10/gosseract/v2"
	"golang.org/x/image/draw"

	"github.com/eingang/eingang/internal/layout"
)

// Re-reading weak lines: Tesseract's page mode now and then gives up on one
// line of an otherwise clean page — a grouped IBAN in a monospaced font
// came back as one word "DE1221234256718790127325675718" with confidence
// 0 once the page was deskewed, while the same line cut out and read alone
// (single-line mode) is exact. So lines holding a long word that Tesseract
// itself doubts are cut out of the recogniser's image and read again; the
// new reading replaces the line only if Tesseract is clearly more sure of
// it. Only the doubtful lines pay, a few tens of milliseconds each.
const (
	// rereadBelow is the word confidence under which a line is re-read.
	rereadBelow = 30
	// rereadMinChars is the number of letters and digits a doubtful word
	// needs; shorter ones are mostly specks and rules.
	rereadMinChars = 4
	// rereadMaxLines bounds the extra work on a page full of doubtful lines
	// (a bad scan gains nothing from reading every line twice).
	rereadMaxLines = 4
	// rereadGain is how much higher the re-read line's mean confidence must
	// be before it replaces the page reading.
	rereadGain = 10
)

type lineKey struct{ block, par, line int }

// rereadWeakLines returns words with doubtful lines replaced by a
// single-line reading of their crop; psm is the page mode to restore.
func rereadWeakLines(cl *gosseract.Client, img *image.Gray, words []layout.Word, dpi, psm int) []layout.Word {
	heights := make([]int, 0, len(words))
	for _, w := range words {
		if w.Confidence >= 80 {
			heights = append(heights, w.Y1-w.Y0)
		}
	}
	if len(heights) < 5 {
		return words // no reliable text on the page to compare with
	}
	slices.Sort(heights)
	med := heights[len(heights)/2]

	// The budget goes to the worst readings first: lowest confidence,
	// then the longest word (a long number read as soup is what costs a
	// field).
	type candidate struct {
		key   lineKey
		conf  float64
		chars int
	}
	var cands []candidate
	seen := make(map[lineKey]bool)
	for _, w := range words {
		k := lineKey{w.Block, w.Par, w.Line}
		h, n := w.Y1-w.Y0, alnum(w.Text)
		if seen[k] || w.Confidence >= rereadBelow || n < rereadMinChars || 2*h < med || h > 2*med {
			continue
		}
		seen[k] = true
		cands = append(cands, candidate{k, w.Confidence, n})
	}
	if len(cands) == 0 {
		return words
	}
	slices.SortStableFunc(cands, func(a, b candidate) int {
		if a.conf != b.conf {
			return cmp.Compare(a.conf, b.conf)
		}
		return b.chars - a.chars
	})
	var weak []lineKey
	for _, c := range cands[:min(len(cands), rereadMaxLines)] {
		weak = append(weak, c.key)
	}
	cl.SetVariable("tessedit_pageseg_mode", strconv.Itoa(int(gosseract.PSM_SINGLE_LINE)))
	defer cl.SetVariable("tessedit_pageseg_mode", strconv.Itoa(psm))

	for _, k := range weak {
		var old []int
		box := image.Rectangle{}
		oldSum := 0.0
		for i, w := range words {
			if (lineKey{w.Block, w.Par, w.Line}) == k {
				old = append(old, i)
				box = box.Union(image.Rect(w.X0, w.Y0, w.X1, w.Y1))
				oldSum += w.Confidence
			}
		}
		pad := max(med/2, 4)
		crop := image.Rect(box.Min.X-2*pad, box.Min.Y-pad, box.Max.X+2*pad, box.Max.Y+pad).Intersect(img.Bounds())
		// Tesseract's LSTM reads the same clean line exactly at one text
		// height and as digit soup at another (the IBAN above: confidence
		// 41 at its 27 px, 94 at 18 px), so the line is read at a small
		// text height (the page's, scaled; the candidates' heights are
		// within a factor of two of it).
		var got []layout.Word
		if ws, mean, err := readCrop(cl, img, crop, dpi, rereadScale(med)); err == nil && len(ws) > 0 &&
			mean >= oldSum/float64(len(old))+rereadGain {
			got = ws
		}
		if got == nil {
			continue
		}
		for i := range got {
			got[i].Block, got[i].Par, got[i].Line = k.block, k.par, k.line
		}
		// Splice the new words in at the old line's place so reading order
		// stays as Tesseract gave it.
		rest := make([]layout.Word, 0, len(words)-len(old)+len(got))
		rest = append(rest, words[:old[0]]...)
		rest = append(rest, got...)
		for i := old[0]; i < len(words); i++ {
			if (lineKey{words[i].Block, words[i].Par, words[i].Line}) != k {
				rest = append(rest, words[i])
			}
		}
		words = rest
	}
	return words
}

// rereadHeight is the word height (in pixels, capitals and digits) a weak
// line is scaled down to for its second reading.
const rereadHeight = 18

// rereadScale is the scale a weak line is read at: down to rereadHeight
// when its text is clearly taller, else as it is. Reading it at both
// scales (and up to 12 lines per page) found none of the target fields
// more on the corpus and cost about three times as much.
func rereadScale(wordHeight int) float64 {
	if wordHeight > rereadHeight*5/4 {
		return float64(rereadHeight) / float64(wordHeight)
	}
	return 1
}

// readCrop recognises one rectangle of img, scaled by scale, in the
// client's current mode and returns its words in img coordinates with
// their mean confidence.
func readCrop(cl *gosseract.Client, img *image.Gray, r image.Rectangle, dpi int, scale float64) ([]layout.Word, float64, error) {
	if r.Empty() {
		return nil, 0, fmt.Errorf("empty crop")
	}
	src := img.SubImage(r).(*image.Gray)
	w, h := r.Dx(), r.Dy()
	if scale != 1 {
		w, h = max(1, int(float64(w)*scale+0.5)), max(1, int(float64(h)*scale+0.5))
		dpi = max(1, int(float64(dpi)*scale+0.5))
	}
	tif := make([]byte, headerRoom+w*h)
	dst := &image.Gray{Pix: tif[headerRoom:], Stride: w, Rect: image.Rect(0, 0, w, h)}
	if scale == 1 {
		for y := 0; y < h; y++ {
			copy(dst.Pix[y*w:(y+1)*w], src.Pix[y*src.Stride:])
		}
	} else {
		draw.CatmullRom.Scale(dst, dst.Rect, src, r, draw.Src, nil)
	}
	// recognize writes the TIFF header in front of dst's pixels in tif.
	words, mean, err := recognize(cl, tif, dst, dpi)
	if err != nil || len(words) == 0 {
		return nil, 0, err
	}
	back := func(v, origin int) int { return origin + int(math.Round(float64(v)/scale)) }
	for i := range words {
		w := &words[i]
		w.X0, w.Y0, w.X1, w.Y1 = back(w.X0, r.Min.X), back(w.Y0, r.Min.Y), back(w.X1, r.Min.X), back(w.Y1, r.Min.Y)
	}
	return words, mean, nil
}

func alnum(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}
