package visual

import (
	"bytes"
	"compress/zlib"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// The PDF is written by hand: the standard Type 1 fonts Courier and
// Courier-Bold (fixed pitch, so column layout needs no font metrics, and the
// /Widths arrays strict validators require are trivial), WinAnsiEncoding for
// German text, Flate-compressed content and
// one embedded file referenced from both the EmbeddedFiles name tree and the
// catalog /AF array (as PDF/A-3 and Factur-X readers look for it).

const (
	pageWidth  = 595.28 // A4 in points
	pageHeight = 841.89
	marginLeft = 50.0
	marginTop  = 50.0
	marginBot  = 60.0
)

type font int

const (
	fontBody font = iota // Courier
	fontBold             // Courier-Bold
	fontHead             // Courier-Bold, used at heading sizes
)

var fontNames = [...]string{"Courier", "Courier-Bold", "Courier-Bold"}

// charWidth is the advance of one Courier glyph per point of font size.
const charWidth = 0.6

type textOp struct {
	x, y float64
	f    font
	size float64
	s    string
}

type lineOp struct{ x1, y1, x2, y2, width float64 }

type page struct {
	texts []textOp
	lines []lineOp
}

// pdfDoc collects pages and writes them out.
type pdfDoc struct {
	pages []*page
	title string
}

func (d *pdfDoc) newPage() *page {
	p := &page{}
	d.pages = append(d.pages, p)
	return p
}

// winAnsi maps the characters of Windows-1252 above 0x7F that differ from
// Latin-1.
var winAnsi = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88, '‰': 0x89,
	'Š': 0x8A, '‹': 0x8B, 'Œ': 0x8C, 'Ž': 0x8E, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95,
	'–': 0x96, '—': 0x97, '˜': 0x98, '™': 0x99, 'š': 0x9A, '›': 0x9B, 'œ': 0x9C, 'ž': 0x9E, 'Ÿ': 0x9F,
}

// encodeWinAnsi converts UTF-8 text to a PDF literal string body in
// WinAnsiEncoding. Characters outside the encoding become '?', control
// characters a space.
func encodeWinAnsi(s string) string {
	var b strings.Builder
	for _, r := range s {
		var c byte
		switch {
		case r == utf8.RuneError:
			c = '?'
		case r < 0x20 || r == 0x7f:
			c = ' '
		case r < 0x80:
			c = byte(r)
		case r >= 0xA0 && r <= 0xFF:
			c = byte(r)
		default:
			if w, ok := winAnsi[r]; ok {
				c = w
			} else {
				c = '?'
			}
		}
		switch {
		case c == '\\' || c == '(' || c == ')':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c >= 0x80:
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func (p *page) content() []byte {
	var b bytes.Buffer
	for _, l := range p.lines {
		fmt.Fprintf(&b, "%.2f w %.2f %.2f m %.2f %.2f l S\n", l.width, l.x1, l.y1, l.x2, l.y2)
	}
	for _, t := range p.texts {
		fmt.Fprintf(&b, "BT /F%d %.1f Tf %.2f %.2f Td (%s) Tj ET\n", int(t.f)+1, t.size, t.x, t.y, encodeWinAnsi(t.s))
	}
	return b.Bytes()
}

func deflate(data []byte) []byte {
	var b bytes.Buffer
	w, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

func pdfDate(t time.Time) string {
	return "D:" + t.UTC().Format("20060102150405") + "+00'00'"
}

// embeddedFile is the attachment written into the PDF.
type embeddedFile struct {
	name, mime, desc, relationship string
	data                           []byte
	modTime                        time.Time
}

// write serialises the document. created fixes every date in the file so
// that the output is reproducible.
func (d *pdfDoc) write(att *embeddedFile, created time.Time) []byte {
	type obj struct {
		dict   string
		stream []byte
	}
	var objs []obj
	add := func(dict string, stream []byte) int {
		objs = append(objs, obj{dict, stream})
		return len(objs)
	}
	reserve := func() int { return add("", nil) }

	catalog := reserve()
	pagesObj := reserve()
	widths := strings.TrimSpace(strings.Repeat("600 ", 256-32))
	fontObjs := make([]int, len(fontNames))
	descriptors := map[string]int{}
	for _, n := range fontNames {
		if _, ok := descriptors[n]; ok {
			continue
		}
		// Metrics from the Adobe Core 14 AFM files.
		bbox, stem := "[-23 -250 715 805]", 51
		if n == "Courier-Bold" {
			bbox, stem = "[-113 -250 749 801]", 106
		}
		descriptors[n] = add(fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags 33 /FontBBox %s /ItalicAngle 0 /Ascent 629 /Descent -157 /CapHeight 562 /XHeight 426 /StemV %d >>", n, bbox, stem), nil)
	}
	for i, n := range fontNames {
		fontObjs[i] = add(fmt.Sprintf("<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding /FirstChar 32 /LastChar 255 /Widths [%s] /FontDescriptor %d 0 R >>", n, widths, descriptors[n]), nil)
	}
	var fontRes strings.Builder
	for i, o := range fontObjs {
		fmt.Fprintf(&fontRes, " /F%d %d 0 R", i+1, o)
	}
	var kids []string
	for _, p := range d.pages {
		c := deflate(p.content())
		cobj := add(fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>", len(c)), c)
		pobj := add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Contents %d 0 R /Resources << /Font <<%s >> >> >>",
			pagesObj, pageWidth, pageHeight, cobj, fontRes.String()), nil)
		kids = append(kids, fmt.Sprintf("%d 0 R", pobj))
	}
	objs[pagesObj-1].dict = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))

	names, af := "", ""
	if att != nil {
		sum := md5.Sum(att.data)
		z := deflate(att.data)
		mime := strings.ReplaceAll(att.mime, "/", "#2F")
		stream := add(fmt.Sprintf("<< /Type /EmbeddedFile /Subtype /%s /Filter /FlateDecode /Length %d /Params << /Size %d /ModDate (%s) /CheckSum <%s> >> >>",
			mime, len(z), len(att.data), pdfDate(att.modTime), hex.EncodeToString(sum[:])), z)
		n := encodeWinAnsi(att.name)
		spec := add(fmt.Sprintf("<< /Type /Filespec /F (%s) /UF (%s) /Desc (%s) /AFRelationship /%s /EF << /F %d 0 R /UF %d 0 R >> >>",
			n, n, encodeWinAnsi(att.desc), att.relationship, stream, stream), nil)
		tree := add(fmt.Sprintf("<< /Names [(%s) %d 0 R] >>", n, spec), nil)
		names = fmt.Sprintf(" /Names << /EmbeddedFiles %d 0 R >>", tree)
		af = fmt.Sprintf(" /AF [%d 0 R]", spec)
	}
	objs[catalog-1].dict = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R%s%s /PageMode /UseAttachments >>", pagesObj, names, af)
	info := add(fmt.Sprintf("<< /Title (%s) /Producer (eingang) /CreationDate (%s) >>", encodeWinAnsi(d.title), pdfDate(created)), nil)

	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\n", i+1, o.dict)
		if o.stream != nil {
			b.WriteString("stream\n")
			b.Write(o.stream)
			b.WriteString("\nendstream\n")
		}
		b.WriteString("endobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	id := md5.Sum(b.Bytes())
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%x> <%x>] >>\nstartxref\n%d\n%%%%EOF\n",
		len(objs)+1, catalog, info, id, id, xref)
	return b.Bytes()
}

// sortedKeys is a small helper for deterministic output.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
