package extract

import (
	"strings"
	"unicode/utf8"

	"github.com/eingang/eingang/internal/layout"
)

// Nominal glyph box for text without coordinates: 300 dpi, 10 pt Courier.
const (
	textCharW = 25
	textLineH = 50
	textWordH = 40
)

// LayoutFromText builds a Document from plain text whose columns are kept
// by spaces, such as `pdftotext -layout` output of a born-digital PDF, so
// that Invoice can read it like a scan: every character is one fixed-width
// cell, every line one text line, pages are separated by form feeds. Words
// get full confidence since the text is not recognised but read.
func LayoutFromText(text string) layout.Document {
	var doc layout.Document
	for pi, pageText := range strings.Split(text, "\f") {
		p := layout.Page{Number: pi + 1, DPI: 300, Width: 2480, Height: 3508}
		for li, line := range strings.Split(pageText, "\n") {
			col := 0
			start := -1
			var word strings.Builder
			flush := func() {
				if start < 0 {
					return
				}
				p.Words = append(p.Words, layout.Word{
					Text: word.String(),
					X0:   start * textCharW, X1: col * textCharW,
					Y0: li * textLineH, Y1: li*textLineH + textWordH,
					Confidence: 100,
					Block:      1, Par: 1, Line: li + 1,
				})
				word.Reset()
				start = -1
			}
			for _, r := range line {
				if r == ' ' || r == '\t' || r == utf8.RuneError {
					flush()
				} else {
					if start < 0 {
						start = col
					}
					word.WriteRune(r)
				}
				col++
			}
			flush()
		}
		doc.Pages = append(doc.Pages, p)
	}
	return doc
}
