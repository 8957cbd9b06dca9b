package visual

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Letter is a plain text document to render with the same PDF/A-3 writer
// as an e-invoice's view: a mail without attachments that is the letter
// itself, for example.
type Letter struct {
	// Title is the heading and the PDF's title.
	Title string
	// Fields are label/value lines above the text (Von, An, Datum …).
	Fields [][2]string
	// Body is the text; line breaks are kept, long lines wrapped.
	Body string
	// Footer is the first footer line of every page.
	Footer string
	// Created fixes every date in the file, so the same letter always
	// renders to the same bytes (and is recognised when it comes again).
	Created time.Time
	// Original, when set, is embedded as the file the view was made
	// from (PDF/A-3 associated file with relationship Source).
	Original     []byte
	OriginalName string
	OriginalMIME string
}

// RenderLetter returns the PDF of l.
func RenderLetter(ctx context.Context, l Letter) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	faces, err := loadFaces()
	if err != nil {
		return nil, err
	}
	created := l.Created
	if created.IsZero() {
		created = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	lay := newLayout(l.Title, faces)
	lay.heading(l.Title)
	for _, f := range l.Fields {
		lay.kv(f[0], f[1])
	}
	lay.gap()
	for _, para := range strings.Split(strings.ReplaceAll(l.Body, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(para) == "" {
			lay.need(lineHeight)
			lay.newline()
			continue
		}
		lay.para(0, fontBody, strings.TrimRight(para, " \t"))
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	lay.footer(l.Footer)
	var att *embeddedFile
	if len(l.Original) > 0 {
		att = &embeddedFile{name: l.OriginalName, mime: l.OriginalMIME, relationship: "Source", data: l.Original,
			modTime: created, desc: "Original, aus dem diese Ansicht erzeugt wurde"}
	}
	return lay.doc.write(att, created)
}

// footer writes one footer line and the page number on every page.
func (l *layout) footer(first string) {
	n := len(l.doc.pages)
	body := l.doc.faces[faceIndex(fontBody)]
	for i, p := range l.doc.pages {
		foot := fmt.Sprintf("Seite %d von %d", i+1, n)
		footW := body.width(winAnsiBytes(foot), footSize)
		cols := int((pageWidth - 2*marginLeft - footW - 10) / (footSize * l.cell))
		if utf8.RuneCountInString(first) > cols {
			first = clipRunes(first, cols)
		}
		p.lines = append(p.lines, lineOp{marginLeft, marginBot - 18, pageWidth - marginLeft, marginBot - 18, 0.3})
		p.texts = append(p.texts,
			textOp{x: marginLeft, y: marginBot - 30, f: fontBody, size: footSize, s: first},
			textOp{x: pageWidth - marginLeft - footW, y: marginBot - 30, f: fontBody, size: footSize, s: foot})
	}
}
