package extract

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/eingang/eingang/internal/layout"
)

// token is a word with skew-corrected coordinates.
type token struct {
	text   string
	conf   float64 // 0..1
	x0, x1 float64
	cy, h  float64
}

// cell is a run of words on one row with no wide gap between them, the
// unit in which a label or a value is printed.
type cell struct {
	toks   []token
	text   string
	starts []int // byte offset of each token in text
	x0, x1 float64
}

// row is a visual text line across the whole page.
type row struct {
	page  int
	cy, h float64
	cells []cell
}

func (r row) text() string {
	parts := make([]string, len(r.cells))
	for i, c := range r.cells {
		parts[i] = c.text
	}
	return strings.Join(parts, "  ")
}

// confOf is the lowest OCR confidence of the tokens overlapping text[start:end].
func (c cell) confOf(start, end int) float64 {
	m := 1.0
	for i, t := range c.toks {
		ts, te := c.starts[i], c.starts[i]+len(t.text)
		if te > start && ts < end && t.conf < m {
			m = t.conf
		}
	}
	return m
}

// rows builds visual rows from the words of a document. Tesseract's own
// lines stop at column gaps, but label and value are often printed far
// apart on one line, so words are regrouped by their vertical position
// after removing the page skew.
func rows(doc layout.Document) []row {
	var out []row
	for pi, p := range doc.Pages {
		if len(p.Words) == 0 {
			continue
		}
		slope := pageSlope(p)
		var toks []token
		var keys [][3]int
		var hs []float64
		for _, w := range p.Words {
			t := strings.TrimSpace(w.Text)
			if t == "" {
				continue
			}
			cx := float64(w.X0+w.X1) / 2
			cy := float64(w.Y0+w.Y1)/2 - slope*cx
			h := float64(w.Y1 - w.Y0)
			if h <= 0 {
				h = 1
			}
			toks = append(toks, token{text: t, conf: w.Confidence / 100, x0: float64(w.X0), x1: float64(w.X1), cy: cy, h: h})
			keys = append(keys, [3]int{w.Block, w.Par, w.Line})
			hs = append(hs, h)
		}
		sort.Float64s(hs)
		medH := hs[len(hs)/2]
		// Tesseract's text lines are reliable within a column; they are
		// kept whole and only lines of different columns are joined.
		// Comparing line centres instead of word centres keeps short
		// lower-case words ("vom") with their line.
		type seg struct {
			toks         []token
			cy, top, bot float64
		}
		var segs []*seg
		byKey := map[[3]int]*seg{}
		for i, t := range toks {
			w := keys[i]
			sg, ok := byKey[w]
			if !ok {
				sg = &seg{}
				byKey[w] = sg
				segs = append(segs, sg)
			}
			sg.toks = append(sg.toks, t)
		}
		for _, sg := range segs {
			var s, top, bot float64
			for _, t := range sg.toks {
				s += t.cy
				top += t.cy - t.h/2
				bot += t.cy + t.h/2
			}
			n := float64(len(sg.toks))
			sg.cy, sg.top, sg.bot = s/n, top/n, bot/n
		}
		sort.SliceStable(segs, func(i, j int) bool { return segs[i].cy < segs[j].cy })
		// A line joins the current row when their vertical extents overlap
		// by more than half the smaller height: robust against lines of
		// only lower-case letters or with descenders.
		var cur []token
		var rTop, rBot, n float64
		flush := func() {
			if len(cur) == 0 {
				return
			}
			out = append(out, makeRow(pi+1, cur, medH))
			cur = nil
			rTop, rBot, n = 0, 0, 0
		}
		for _, sg := range segs {
			if len(cur) > 0 {
				ov := minf(rBot, sg.bot) - maxf(rTop, sg.top)
				if ov < 0.5*minf(rBot-rTop, sg.bot-sg.top) {
					flush()
				}
			}
			cur = append(cur, sg.toks...)
			w := float64(len(sg.toks))
			rTop = (rTop*n + sg.top*w) / (n + w)
			rBot = (rBot*n + sg.bot*w) / (n + w)
			n += w
		}
		flush()
	}
	return out
}

func makeRow(page int, toks []token, medH float64) row {
	sort.Slice(toks, func(i, j int) bool { return toks[i].x0 < toks[j].x0 })
	r := row{page: page}
	s := 0.0
	for _, t := range toks {
		s += t.cy
	}
	r.cy = s / float64(len(toks))
	r.h = medH
	var c cell
	for i, t := range toks {
		if i > 0 && t.x0-toks[i-1].x1 > 1.6*medH {
			r.cells = append(r.cells, finishCell(c))
			c = cell{}
		}
		c.toks = append(c.toks, t)
	}
	r.cells = append(r.cells, finishCell(c))
	return r
}

func finishCell(c cell) cell {
	var b strings.Builder
	for i, t := range c.toks {
		if i > 0 {
			b.WriteByte(' ')
		}
		c.starts = append(c.starts, b.Len())
		b.WriteString(t.text)
	}
	c.text = b.String()
	c.x0 = c.toks[0].x0
	c.x1 = c.toks[len(c.toks)-1].x1
	return c
}

// pageSlope estimates the skew (dy/dx) of a page from Tesseract's text
// lines: the median slope between the first and last word of long lines.
func pageSlope(p layout.Page) float64 {
	type key struct{ b, pa, l int }
	first := map[key]layout.Word{}
	last := map[key]layout.Word{}
	for _, w := range p.Words {
		k := key{w.Block, w.Par, w.Line}
		if f, ok := first[k]; !ok || w.X0 < f.X0 {
			first[k] = w
		}
		if l, ok := last[k]; !ok || w.X1 > l.X1 {
			last[k] = w
		}
	}
	var slopes []float64
	for k, f := range first {
		l := last[k]
		dx := float64(l.X1+l.X0-f.X1-f.X0) / 2
		if dx < 300 {
			continue
		}
		dy := float64(l.Y1 - f.Y1)
		s := dy / dx
		if math.Abs(s) < 0.08 {
			slopes = append(slopes, s)
		}
	}
	if len(slopes) < 3 {
		return 0
	}
	sort.Float64s(slopes)
	return slopes[len(slopes)/2]
}

// DebugRows renders the visual rows the extractor sees, cells separated by
// " | ", for diagnosing a document. It is not meant for parsing.
func DebugRows(doc layout.Document) []string {
	var out []string
	for _, r := range rows(doc) {
		parts := make([]string, len(r.cells))
		for i, c := range r.cells {
			parts[i] = c.text
		}
		out = append(out, fmt.Sprintf("p%d y%4.0f: %s", r.page, r.cy, strings.Join(parts, " | ")))
	}
	return out
}
