// Package layout is the shared description of recognised text on pages:
// words with their boxes, as produced by OCR (or read from a born-digital
// PDF) and consumed by classification and field extraction.
package layout

import "strings"

// Word is one recognised word. Coordinates are in pixels of the page image
// as shown upright (after any orientation correction), origin top-left.
type Word struct {
	Text       string  `json:"text"`
	X0         int     `json:"x0"`
	Y0         int     `json:"y0"`
	X1         int     `json:"x1"`
	Y1         int     `json:"y1"`
	Confidence float64 `json:"conf"` // 0..100 as Tesseract reports it
	// Block, Par and Line number the word's text line within the page, so
	// that consumers can group words into lines without guessing.
	Block int `json:"block"`
	Par   int `json:"par"`
	Line  int `json:"line"`
}

// Page is the text of one page.
type Page struct {
	Number int    `json:"number"` // 1-based
	Width  int    `json:"width"`  // pixels
	Height int    `json:"height"` // pixels
	DPI    int    `json:"dpi"`
	Words  []Word `json:"words"`
}

// Document is the text of all pages of a document.
type Document struct {
	Pages []Page `json:"pages"`
}

// Text returns the page text in reading order: words of a line joined by a
// space, lines by a newline, blocks by a blank line.
func (p Page) Text() string {
	var b strings.Builder
	for i, w := range p.Words {
		if i > 0 {
			prev := p.Words[i-1]
			switch {
			case prev.Block != w.Block:
				b.WriteString("\n\n")
			case prev.Par != w.Par || prev.Line != w.Line:
				b.WriteByte('\n')
			default:
				b.WriteByte(' ')
			}
		}
		b.WriteString(w.Text)
	}
	return b.String()
}

// Text returns the text of all pages separated by form feeds, the way
// pdftotext separates pages.
func (d Document) Text() string {
	parts := make([]string, len(d.Pages))
	for i, p := range d.Pages {
		parts[i] = p.Text()
	}
	return strings.Join(parts, "\f")
}
