// Package visual renders a readable PDF of an XML-only e-invoice (XRechnung
// UBL or CII) with German labels: parties, lines, VAT breakdown, totals,
// payment details and notes. The original XML is embedded unchanged as an
// attachment, so the PDF loses nothing; the XML stays the legal original.
//
// Hybrid Factur-X/ZUGFeRD PDFs carry their own visual and need none (see
// NeedsVisual).
//
// The output is written as PDF/A-3b (ISO 19005-3, level B), the archival
// form a DMS expects for an invoice PDF with the XML inside: PDF 1.7 with a
// binary header comment and a trailer /ID, an XMP packet with
// pdfaid:part 3 / conformance B whose title, producer and dates match the
// Info dictionary, an sRGB output intent with the ICC profile embedded,
// embedded subsets of the Go Mono fonts (WinAnsiEncoding, /Widths taken
// from the font program), and the XML as an associated file with
// /AFRelationship /Alternative (as Factur-X does for its invoice XML),
// MIME type, /Params (/ModDate, /Size) and a catalog /AF entry.
//
// Conformance is checked structurally only, not with veraPDF (which is not
// available here): the tests run qpdf --check, pdfcpu validation (strict
// apart from /AFRelationship, which pdfcpu rejects below PDF 2.0), pdffonts
// (every font embedded), pdfinfo (version 1.7), pdfdetach (the XML comes
// back byte for byte), pdftotext (German text extractable), and inspect the
// XMP packet, the output intent and the /AF array themselves.
package visual

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/eingang/eingang/internal/einvoice"
)

// ErrNoInvoice is returned for a document without a parsed invoice.
var ErrNoInvoice = errors.New("visual: document has no invoice")

// Options control rendering.
type Options struct {
	// Created is written as the PDF creation and modification date (Info
	// dictionary and XMP) and the attachment's modification date; the zero
	// value uses the invoice issue date (or 2000-01-01). Either way the
	// output is reproducible: equal input gives equal bytes.
	Created time.Time
	// XMLName is the attachment's file name; "" derives it from the
	// document ("xrechnung.xml" for XRechnung, else "rechnung.xml"). It
	// stays one of the names e-invoice readers look for, so it is not the
	// original file's name.
	XMLName string
	// SourceName is the name of the file the invoice arrived as. The
	// visual names it under the title and in every page's footer, so that
	// a reader can find the original; "" leaves it out.
	SourceName string
}

// NeedsVisual reports whether doc needs a rendered PDF: XML-only invoices
// do, hybrid PDFs keep their own visual.
func NeedsVisual(doc *einvoice.Document) bool {
	return doc != nil && doc.Invoice != nil && !doc.FromPDF
}

// Render returns the PDF for doc with doc.XML embedded.
func Render(ctx context.Context, doc *einvoice.Document, opt Options) ([]byte, error) {
	if doc == nil || doc.Invoice == nil {
		return nil, ErrNoInvoice
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	inv := doc.Invoice
	created := opt.Created
	if created.IsZero() {
		if t, ok := inv.IssueDate.Time(); ok {
			created = t
		} else {
			created = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
		}
	}
	name := opt.XMLName
	if name == "" {
		name = "rechnung.xml"
		if strings.HasPrefix(string(inv.Profile), "xrechnung") {
			name = "xrechnung.xml"
		}
	}
	faces, err := loadFaces()
	if err != nil {
		return nil, err
	}
	source := strings.Join(strings.Fields(opt.SourceName), " ")
	l := newLayout(documentTitle(inv)+" "+inv.ID.Value, faces)
	l.invoice(inv, name, source)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.finish(name, source)
	var att *embeddedFile
	if len(doc.XML) > 0 {
		desc := "Strukturierte E-Rechnung (rechtlich maßgebliches Original)"
		if source != "" {
			desc = "Strukturierte E-Rechnung „" + source + "“ (rechtlich maßgebliches Original)"
		}
		att = &embeddedFile{
			name: name, mime: "application/xml", relationship: "Alternative", data: doc.XML, modTime: created, desc: desc,
		}
	}
	return l.doc.write(att, created)
}

// layout places text top-down on A4 pages.
type layout struct {
	doc   *pdfDoc
	page  *page
	y     float64
	cols  int     // characters per line at body size
	cell  float64 // advance of one character per point of size (the fonts are fixed pitch)
	title string
}

const (
	bodySize   = 9.0
	lineHeight = 11.0
)

func newLayout(title string, faces [2]*face) *layout {
	l := &layout{doc: &pdfDoc{title: title, faces: faces}, title: title}
	// The widest glyph of either face, so that no column can overflow
	// even if the faces were not exactly fixed pitch.
	for _, f := range faces {
		for c := 32; c < 256; c++ {
			l.cell = max(l.cell, float64(f.widths[c])/1000)
		}
	}
	width := (pageWidth - 2*marginLeft) / (bodySize * l.cell)
	l.cols = int(width)
	l.addPage()
	return l
}

func (l *layout) addPage() {
	l.page = l.doc.newPage()
	l.y = pageHeight - marginTop
}

func (l *layout) need(h float64) {
	if l.y-h < marginBot {
		l.addPage()
	}
}

func (l *layout) text(col int, f font, s string) {
	l.page.texts = append(l.page.texts, textOp{x: marginLeft + float64(col)*bodySize*l.cell, y: l.y, f: f, size: bodySize, s: s})
}

func (l *layout) newline() { l.y -= lineHeight }

func (l *layout) gap() { l.y -= lineHeight / 2 }

// heading starts a section; it keeps at least three body lines with it.
func (l *layout) heading(s string) {
	l.need(14 + 4*lineHeight)
	l.y -= 8
	l.page.texts = append(l.page.texts, textOp{x: marginLeft, y: l.y, f: fontHead, size: 11, s: s})
	l.y -= 4
	l.page.lines = append(l.page.lines, lineOp{marginLeft, l.y, pageWidth - marginLeft, l.y, 0.5})
	l.y -= lineHeight
}

const labelCols = 26

// kv writes "label  value", wrapping the value; empty values are skipped.
func (l *layout) kv(label, value string) {
	if strings.TrimSpace(value) == "" {
		return
	}
	lines := wrap(value, l.cols-labelCols)
	l.need(float64(len(lines)) * lineHeight)
	l.text(0, fontBold, label)
	for i, ln := range lines {
		if i > 0 {
			l.need(lineHeight)
		}
		l.text(labelCols, fontBody, ln)
		l.newline()
	}
}

// para writes wrapped text starting at column indent.
func (l *layout) para(indent int, f font, s string) {
	for _, ln := range wrap(s, l.cols-indent) {
		l.need(lineHeight)
		l.text(indent, f, ln)
		l.newline()
	}
}

// column of a table.
type column struct {
	title string
	width int
	right bool
}

func (l *layout) tableRow(cols []column, cells []string, f font) {
	// Cells may wrap; the row is as high as its tallest cell.
	wrapped := make([][]string, len(cols))
	h := 1
	for i, c := range cols {
		text := ""
		if i < len(cells) {
			text = cells[i]
		}
		// Right-aligned cells (amounts) wrap too: clipping would drop
		// digits of an amount.
		wrapped[i] = wrap(text, c.width)
		h = max(h, len(wrapped[i]))
	}
	l.need(float64(h) * lineHeight)
	for r := 0; r < h; r++ {
		col := 0
		for i, c := range cols {
			if r < len(wrapped[i]) {
				s := wrapped[i][r]
				x := col
				if c.right {
					x = col + c.width - utf8.RuneCountInString(s)
				}
				l.text(x, f, s)
			}
			col += c.width + 1
		}
		l.newline()
	}
}

func (l *layout) rule() {
	l.page.lines = append(l.page.lines, lineOp{marginLeft, l.y + lineHeight - 3, pageWidth - marginLeft, l.y + lineHeight - 3, 0.3})
}

// footSize is the font size of the footer.
const footSize = 7.0

// finish writes the footer on every page: which file the view shows, that
// the attached XML is what counts, and the page number.
func (l *layout) finish(xmlName, source string) {
	n := len(l.doc.pages)
	body := l.doc.faces[faceIndex(fontBody)]
	for i, p := range l.doc.pages {
		foot := fmt.Sprintf("Seite %d von %d", i+1, n)
		footW := body.width(winAnsiBytes(foot), footSize)
		// The first line ends a little before the page number.
		cols := int((pageWidth - 2*marginLeft - footW - 10) / (footSize * l.cell))
		first := "Ansicht erzeugt von eingang."
		if source != "" {
			const before, after = "Ansicht der E-Rechnung „", "“, erzeugt von eingang."
			room := cols - utf8.RuneCountInString(before+after)
			first = before + clipRunes(source, max(room, 8)) + after
		}
		second := "Maßgeblich ist die angehängte XML-Datei " + xmlName + "."
		p.lines = append(p.lines, lineOp{marginLeft, marginBot - 18, pageWidth - marginLeft, marginBot - 18, 0.3})
		p.texts = append(p.texts,
			textOp{x: marginLeft, y: marginBot - 30, f: fontBody, size: footSize, s: clipRunes(first, cols)},
			textOp{x: marginLeft, y: marginBot - 39, f: fontBody, size: footSize, s: clipRunes(second, cols)},
			textOp{x: pageWidth - marginLeft - footW, y: marginBot - 30, f: fontBody, size: footSize, s: foot})
	}
}

// wrap breaks s into lines of at most width runes, at spaces where
// possible; explicit line breaks are kept.
func wrap(s string, width int) []string {
	if width < 1 {
		width = 1
	}
	var out []string
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		words := strings.Fields(para)
		if len(words) == 0 {
			if len(out) > 0 {
				out = append(out, "")
			}
			continue
		}
		line := ""
		for _, w := range words {
			for utf8.RuneCountInString(w) > width {
				if line != "" {
					out = append(out, line)
					line = ""
				}
				r := []rune(w)
				out = append(out, string(r[:width]))
				w = string(r[width:])
			}
			switch {
			case line == "":
				line = w
			case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) <= width:
				line += " " + w
			default:
				out = append(out, line)
				line = w
			}
		}
		if line != "" {
			out = append(out, line)
		}
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

func clipRunes(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	if n < 2 {
		return string(r[:n])
	}
	return string(r[:n-1]) + "…"
}
