package visual

import (
	"bytes"
	"compress/zlib"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/image/font/sfnt"
)

// The PDF is written by hand as PDF/A-3b (ISO 19005-3, level B): embedded
// TrueType fonts (see fonts.go) with WinAnsiEncoding for German text,
// Flate-compressed content, an XMP packet identifying the conformance, an
// sRGB output intent, and the invoice XML as an associated file referenced
// from both the EmbeddedFiles name tree (which viewers list) and the
// catalog /AF array (which PDF/A-3 and Factur-X readers look for).

const (
	pageWidth  = 595.28 // A4 in points
	pageHeight = 841.89
	marginLeft = 50.0
	marginTop  = 50.0
	marginBot  = 60.0
)

type font int

const (
	fontBody font = iota // Go Mono
	fontBold             // Go Mono Bold
	fontHead             // Go Mono Bold, used at heading sizes
	numFonts
)

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
	faces [2]*face
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

// winAnsiBytes converts UTF-8 text to WinAnsiEncoding. Characters outside
// the encoding become '?', control characters a space.
func winAnsiBytes(s string) []byte {
	b := make([]byte, 0, len(s))
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
		b = append(b, c)
	}
	return b
}

// pdfLiteral escapes bytes for a PDF literal string; bytes above 0x7F are
// written in octal so the file body stays ASCII.
func pdfLiteral(s []byte) string {
	var b strings.Builder
	for _, c := range s {
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

// encodeWinAnsi converts UTF-8 text to a PDF literal string body in
// WinAnsiEncoding.
func encodeWinAnsi(s string) string { return pdfLiteral(winAnsiBytes(s)) }

// textString writes s as a PDF text string (Info entries, /UF, /Desc):
// printable ASCII as a literal, anything else as UTF-16BE with BOM, so
// that readers (and PDF/A validators comparing Info with XMP) see exactly
// s and not a PDFDocEncoding misreading of WinAnsi bytes.
func textString(s string) string {
	ascii := true
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		return "(" + pdfLiteral([]byte(s)) + ")"
	}
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
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
func (d *pdfDoc) write(att *embeddedFile, created time.Time) ([]byte, error) {
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

	// Fonts: one embedded subset per face, holding the glyphs the pages use.
	var usedCodes [len(d.faces)][256]bool
	for _, p := range d.pages {
		for _, t := range p.texts {
			for _, c := range winAnsiBytes(t.s) {
				usedCodes[faceIndex(t.f)][c] = true
			}
		}
	}
	var faceObjs [len(d.faces)]int
	for i, f := range d.faces {
		var glyphs []sfnt.GlyphIndex
		for c, u := range usedCodes[i] {
			if u && f.glyphs[c] != 0 {
				glyphs = append(glyphs, f.glyphs[c])
			}
		}
		sort.Slice(glyphs, func(a, b int) bool { return glyphs[a] < glyphs[b] })
		ttf, err := subset(f.ttf, glyphs)
		if err != nil {
			return nil, fmt.Errorf("visual: subsetting %s: %w", f.psName, err)
		}
		name := subsetTag(f.psName, glyphs) + "+" + f.psName
		z := deflate(ttf)
		file := add(fmt.Sprintf("<< /Length %d /Length1 %d /Filter /FlateDecode >>", len(z), len(ttf)), z)
		desc := add(fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [%d %d %d %d] /ItalicAngle %s /Ascent %d /Descent %d /CapHeight %d /XHeight %d /StemV %d /FontFile2 %d 0 R >>",
			name, f.flags(), f.bbox[0], f.bbox[1], f.bbox[2], f.bbox[3], strconv.FormatFloat(f.italic, 'f', -1, 64),
			f.ascent, f.descent, f.capH, f.xHeight, f.stemV, file), nil)
		widths := make([]string, 0, 256-32)
		for c := 32; c < 256; c++ {
			widths = append(widths, strconv.Itoa(f.widths[c]))
		}
		faceObjs[i] = add(fmt.Sprintf("<< /Type /Font /Subtype /TrueType /BaseFont /%s /FirstChar 32 /LastChar 255 /Widths [%s] /Encoding /WinAnsiEncoding /FontDescriptor %d 0 R >>",
			name, strings.Join(widths, " "), desc), nil)
	}
	var fontRes strings.Builder
	for f := font(0); f < numFonts; f++ {
		fmt.Fprintf(&fontRes, " /F%d %d 0 R", int(f)+1, faceObjs[faceIndex(f)])
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
		stream := add(fmt.Sprintf("<< /Type /EmbeddedFile /Subtype /%s /Filter /FlateDecode /Length %d /Params << /Size %d /ModDate %s /CheckSum <%s> >> >>",
			mime, len(z), len(att.data), textString(pdfDate(att.modTime)), hex.EncodeToString(sum[:])), z)
		n := encodeWinAnsi(att.name)
		spec := add(fmt.Sprintf("<< /Type /Filespec /F (%s) /UF %s /Desc %s /AFRelationship /%s /EF << /F %d 0 R /UF %d 0 R >> >>",
			n, textString(att.name), textString(att.desc), att.relationship, stream, stream), nil)
		tree := add(fmt.Sprintf("<< /Names [(%s) %d 0 R] >>", n, spec), nil)
		names = fmt.Sprintf(" /Names << /EmbeddedFiles %d 0 R >>", tree)
		af = fmt.Sprintf(" /AF [%d 0 R]", spec)
	}

	icc := deflate(srgbProfile)
	iccObj := add(fmt.Sprintf("<< /N 3 /Filter /FlateDecode /Length %d >>", len(icc)), icc)
	intent := fmt.Sprintf("<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier (%s) /Info (%s) /DestOutputProfile %d 0 R >>",
		srgbIdentifier, srgbIdentifier, iccObj)
	xmp := xmpPacket(d.title, producer, created)
	meta := add(fmt.Sprintf("<< /Type /Metadata /Subtype /XML /Length %d >>", len(xmp)), xmp)

	objs[catalog-1].dict = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R /Metadata %d 0 R /OutputIntents [%s] /Lang (de-DE)%s%s /PageMode /UseAttachments >>",
		pagesObj, meta, intent, names, af)
	// Every Info entry has its XMP twin (dc:title, pdf:Producer,
	// xmp:CreateDate, xmp:ModifyDate), as PDF/A requires.
	info := add(fmt.Sprintf("<< /Title %s /Producer %s /CreationDate %s /ModDate %s >>",
		textString(d.title), textString(producer), textString(pdfDate(created)), textString(pdfDate(created))), nil)

	var b bytes.Buffer
	// The second line is the binary comment (four bytes above 127) PDF/A
	// requires after the header.
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
	// The ID is a digest of the body, so equal input gives an equal file.
	id := md5.Sum(b.Bytes())
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%x> <%x>] >>\nstartxref\n%d\n%%%%EOF\n",
		len(objs)+1, catalog, info, id, id, xref)
	return b.Bytes(), nil
}
