package pdf

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"image"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// CanRender reports whether Rasterize can render the document's pages:
// only a PDF read from a file can, not one built from TIFF or JPEG images.
func (doc *Document) CanRender() bool { return doc.Path != "" }

// Rasterize renders one page with poppler's pdftoppm as 8-bit gray, the
// fallback for pages that are not a single decodable image. The rendering
// shows the page as displayed (its /Rotate applied).
func (doc *Document) Rasterize(ctx context.Context, page int, dpi int, lim Limits) (*image.Gray, error) {
	if doc.Path == "" {
		return nil, fmt.Errorf("%w: page %d cannot be rendered", ErrUnsupportedFormat, page)
	}
	p := doc.Pages[page-1]
	wpt, hpt := p.MediaBox[2]-p.MediaBox[0], p.MediaBox[3]-p.MediaBox[1]
	if err := lim.check(int(wpt*float64(dpi)/72)+1, int(hpt*float64(dpi)/72)+1); err != nil {
		return nil, err
	}
	n := strconv.Itoa(page)
	cmd := exec.CommandContext(ctx, "pdftoppm", "-gray", "-r", strconv.Itoa(dpi), "-f", n, "-l", n, "-singlefile", doc.Path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("pdftoppm page %d: %v: %s", page, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return ReadPGM(out, lim)
}

// ReadPGM decodes a binary 8-bit PGM (P5), the format pdftoppm -gray writes.
func ReadPGM(data []byte, lim Limits) (*image.Gray, error) {
	r := bufio.NewReader(bytes.NewReader(data))
	var magic string
	var w, h, maxv int
	if _, err := fmt.Fscan(r, &magic, &w, &h, &maxv); err != nil || magic != "P5" || maxv != 255 {
		return nil, fmt.Errorf("%w: not an 8-bit PGM", ErrCorrupt)
	}
	if err := lim.check(w, h); err != nil {
		return nil, err
	}
	if _, err := r.ReadByte(); err != nil {
		return nil, fmt.Errorf("%w: pgm", ErrCorrupt)
	}
	g := image.NewGray(image.Rect(0, 0, w, h))
	if _, err := io.ReadFull(r, g.Pix); err != nil {
		return nil, fmt.Errorf("%w: pgm data: %v", ErrCorrupt, err)
	}
	return g, nil
}

// TextWord is a word of a born-digital page as poppler reads it, in
// points from the top-left of the page.
type TextWord struct {
	Text                   string
	XMin, YMin, XMax, YMax float64
	Block, Line            int
}

// PageText is the text of one born-digital page.
type PageText struct {
	Width, Height float64 // points
	Words         []TextWord
}

// TextWords extracts the words of every page with pdftotext -bbox-layout.
// Pages without text get no words.
func (doc *Document) TextWords(ctx context.Context) ([]PageText, error) {
	if doc.Path == "" {
		return make([]PageText, len(doc.Pages)), nil
	}
	cmd := exec.CommandContext(ctx, "pdftotext", "-q", "-bbox-layout", "-enc", "UTF-8", doc.Path, "-")
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("pdftotext: %w", err)
	}
	return ParseBBoxLayout(out)
}

// ParseBBoxLayout parses the XHTML of pdftotext -bbox-layout. pdftotext
// copies whatever a PDF's fonts map to, control characters included, into
// its output without escaping them; they are not allowed in XML, so they are
// dropped before parsing instead of failing the whole document. What still
// cannot be parsed wraps ErrCorrupt: the same file would fail again.
func ParseBBoxLayout(data []byte) ([]PageText, error) {
	dec := xml.NewDecoder(bytes.NewReader(xmlSafe(data)))
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity
	var pages []PageText
	var cur *PageText
	block, line := 0, 0
	var word *TextWord
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: pdftotext output: %v", ErrCorrupt, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			attr := func(k string) float64 {
				for _, a := range t.Attr {
					if a.Name.Local == k {
						f, _ := strconv.ParseFloat(a.Value, 64)
						return f
					}
				}
				return 0
			}
			switch t.Name.Local {
			case "page":
				pages = append(pages, PageText{Width: attr("width"), Height: attr("height")})
				cur, block, line = &pages[len(pages)-1], 0, 0
			case "block":
				block++
			case "line":
				line++
			case "word":
				if cur != nil {
					word = &TextWord{XMin: attr("xMin"), YMin: attr("yMin"), XMax: attr("xMax"), YMax: attr("yMax"), Block: block, Line: line}
				}
			}
		case xml.CharData:
			if word != nil {
				word.Text += string(t)
			}
		case xml.EndElement:
			if t.Name.Local == "word" && word != nil && cur != nil {
				// A word made only of control characters or unmappable
				// glyphs (a Type 3 font without /ToUnicode) carries no
				// text: dropping it lets a page of such words be
				// recognised instead of kept as "text" nobody can read.
				if readable(word.Text) {
					cur.Words = append(cur.Words, *word)
				}
				word = nil
			}
		}
	}
	return pages, nil
}

// readable reports whether s has a character other than white space and
// U+FFFD.
func readable(s string) bool {
	for _, r := range s {
		if r != utf8.RuneError && !unicode.IsSpace(r) {
			return true
		}
	}
	return false
}

// xmlSafe returns data without the characters XML 1.0 forbids (C0 controls
// other than tab, newline and carriage return, U+FFFE, U+FFFF) and with
// invalid UTF-8 replaced by U+FFFD. It returns data itself when nothing
// needs to change, which is the common case.
func xmlSafe(data []byte) []byte {
	clean := true
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if !xmlChar(r, n) {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return data
	}
	out := make([]byte, 0, len(data))
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			out = utf8.AppendRune(out, utf8.RuneError)
		case xmlChar(r, n):
			out = append(out, data[i:i+n]...)
		}
		i += n
	}
	return out
}

// xmlChar reports whether the rune r, decoded from n bytes, may appear in
// an XML 1.0 document.
func xmlChar(r rune, n int) bool {
	switch {
	case r == utf8.RuneError && n == 1:
		return false
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20, r == 0xFFFE, r == 0xFFFF:
		return false
	}
	return true
}

// repairPDF rewrites data with qpdf, which reconstructs damaged
// cross-reference tables and page trees the way viewers do. Where qpdf
// gives up (a trailer it cannot parse, so no root to start from), poppler
// may still find the catalog by scanning the objects: pdftocairo then
// writes the pages as poppler draws them. It fails when neither opens the
// file.
func repairPDF(ctx context.Context, data []byte) ([]byte, error) {
	fixed, err := qpdfRepair(ctx, data)
	if err == nil {
		return fixed, nil
	}
	if redrawn, perr := popplerRewrite(ctx, data); perr == nil {
		return redrawn, nil
	}
	return nil, err
}

// popplerRewrite writes the pages of data anew with pdftocairo.
func popplerRewrite(ctx context.Context, data []byte) ([]byte, error) {
	dir, err := os.MkdirTemp("", "eingang-repair-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "pdftocairo", "-pdf", in, out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("pdftocairo: %v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return os.ReadFile(out)
}

// qpdfRepair rewrites data with qpdf.
func qpdfRepair(ctx context.Context, data []byte) ([]byte, error) {
	dir, err := os.MkdirTemp("", "eingang-repair-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "qpdf", "--warning-exit-0", "--no-original-object-ids", in, out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("qpdf: %v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return os.ReadFile(out)
}
