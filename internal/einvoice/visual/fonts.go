package visual

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"

	xfont "golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// PDF/A requires every font to be embedded. The Go Mono fonts (BSD
// licence, shipped in golang.org/x/image) are embedded as simple TrueType
// fonts with WinAnsiEncoding: they are fixed pitch like the Courier the
// layout was designed for, so the character-cell table layout keeps
// working, and they cover every WinAnsi character (€ „ “ – … • included).
// Only the glyphs a document uses are kept (glyph ids unchanged), which
// shrinks each font program from about 175 KB to about 20 KB (10 KB
// compressed) for a typical invoice.

// face is one embedded font with the metrics the PDF needs, in PDF glyph
// space units (1/1000 em).
type face struct {
	psName  string
	ttf     []byte
	widths  [256]int // advance per WinAnsi code; codes without a glyph get the .notdef advance
	glyphs  [256]sfnt.GlyphIndex
	ascent  int
	descent int
	capH    int
	xHeight int
	bbox    [4]int
	italic  float64
	stemV   int
	fixed   bool
}

// loadFaces parses the body and bold fonts; fontHead shares the bold face.
func loadFaces() ([2]*face, error) {
	var out [2]*face
	for i, ttf := range [][]byte{gomono.TTF, gomonobold.TTF} {
		f, err := parseFace(ttf)
		if err != nil {
			return out, fmt.Errorf("visual: font %d: %w", i, err)
		}
		out[i] = f
	}
	return out, nil
}

// faceIndex maps a layout font to the embedded face that draws it.
func faceIndex(f font) int {
	if f == fontBody {
		return 0
	}
	return 1
}

// winAnsiRune is the Unicode character WinAnsiEncoding assigns to code c
// (as the PDF reference, Annex D, defines it: 0xA0 is "space", 0xAD
// "hyphen"), or -1 for the five undefined codes and controls.
func winAnsiRune(c byte) rune {
	switch {
	case c < 0x20 || c == 0x7f:
		return -1
	case c < 0x7f:
		return rune(c)
	case c == 0xA0:
		return ' '
	case c == 0xAD:
		return '-'
	case c > 0xA0:
		return rune(c)
	}
	for r, b := range winAnsi {
		if b == c {
			return r
		}
	}
	return -1
}

func parseFace(ttf []byte) (*face, error) {
	f, err := sfnt.Parse(ttf)
	if err != nil {
		return nil, err
	}
	var buf sfnt.Buffer
	ps, err := f.Name(&buf, sfnt.NameIDPostScript)
	if err != nil {
		return nil, err
	}
	upem := fixed.I(int(f.UnitsPerEm()))
	// Font units at ppem == unitsPerEm, scaled to 1/1000 em.
	scale := func(v fixed.Int26_6) int {
		return int(math.Round(float64(v) / float64(upem) * 1000))
	}
	m, err := f.Metrics(&buf, upem, xfont.HintingNone)
	if err != nil {
		return nil, err
	}
	b, err := f.Bounds(&buf, upem, xfont.HintingNone)
	if err != nil {
		return nil, err
	}
	post := f.PostTable()
	fc := &face{
		psName: ps, ttf: ttf,
		// sfnt measures y downwards; PDF upwards.
		ascent: scale(m.Ascent), descent: -scale(m.Descent), capH: scale(m.CapHeight), xHeight: scale(m.XHeight),
		bbox: [4]int{scale(b.Min.X), -scale(b.Max.Y), scale(b.Max.X), -scale(b.Min.Y)},
	}
	if post != nil {
		fc.italic = post.ItalicAngle
		fc.fixed = post.IsFixedPitch
	}
	fc.stemV = stemV(ttf)
	notdef, err := f.GlyphAdvance(&buf, 0, upem, xfont.HintingNone)
	if err != nil {
		return nil, err
	}
	for c := 0; c < 256; c++ {
		fc.widths[c] = scale(notdef)
		r := winAnsiRune(byte(c))
		if r < 0 {
			continue
		}
		g, err := f.GlyphIndex(&buf, r)
		if err != nil || g == 0 {
			continue
		}
		adv, err := f.GlyphAdvance(&buf, g, upem, xfont.HintingNone)
		if err != nil {
			return nil, err
		}
		fc.glyphs[c], fc.widths[c] = g, scale(adv)
	}
	return fc, nil
}

// stemV estimates the dominant vertical stem width from the OS/2 weight
// class (TrueType has no stem hint to read); the formula is the usual
// one, 50 + (weight/65)².
func stemV(ttf []byte) int {
	t, ok := tables(ttf)["OS/2"]
	if !ok || len(t) < 6 {
		return 80
	}
	w := float64(binary.BigEndian.Uint16(t[4:]))
	return int(math.Round(50 + (w/65)*(w/65)))
}

// width is the advance of s (WinAnsi bytes) at size points.
func (f *face) width(s []byte, size float64) float64 {
	n := 0
	for _, c := range s {
		n += f.widths[c]
	}
	return float64(n) * size / 1000
}

// flags is the FontDescriptor /Flags value: nonsymbolic (32), plus fixed
// pitch (1) when the font says so.
func (f *face) flags() int {
	if f.fixed {
		return 33
	}
	return 32
}

// tables returns the raw tables of a TrueType file by tag.
func tables(ttf []byte) map[string][]byte {
	out := map[string][]byte{}
	if len(ttf) < 12 {
		return out
	}
	n := int(binary.BigEndian.Uint16(ttf[4:]))
	for i := 0; i < n; i++ {
		r := 12 + 16*i
		if r+16 > len(ttf) {
			break
		}
		off := int(binary.BigEndian.Uint32(ttf[r+8:]))
		l := int(binary.BigEndian.Uint32(ttf[r+12:]))
		if off < 0 || l < 0 || off+l > len(ttf) {
			continue
		}
		out[string(ttf[r:r+4])] = ttf[off : off+l]
	}
	return out
}

// subsetTag is the six-letter prefix PDF uses for subset font names,
// derived from the glyph set so that equal input gives equal output.
func subsetTag(name string, used []sfnt.GlyphIndex) string {
	h := sha256.New()
	h.Write([]byte(name))
	for _, g := range used {
		binary.Write(h, binary.BigEndian, uint16(g))
	}
	sum := h.Sum(nil)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	return string(tag)
}

// subset returns a copy of the TrueType font in which every glyph outside
// used (plus .notdef and the components of composite glyphs) is empty.
// Glyph ids, cmap and hmtx stay as they are, so /Widths and the
// WinAnsi-to-glyph mapping are unaffected; glyf and loca are rebuilt (loca
// in the long format), hinting and glyph names dropped (see below) and the
// checksums recomputed.
func subset(ttf []byte, used []sfnt.GlyphIndex) ([]byte, error) {
	tab := tables(ttf)
	head, maxp, loca, glyf := tab["head"], tab["maxp"], tab["loca"], tab["glyf"]
	if len(head) < 54 || len(maxp) < 6 || loca == nil || glyf == nil {
		return nil, errors.New("font lacks head, maxp, loca or glyf")
	}
	numGlyphs := int(binary.BigEndian.Uint16(maxp[4:]))
	long := binary.BigEndian.Uint16(head[50:]) == 1
	offset := func(g int) (int, error) {
		var o int
		if long {
			if 4*g+4 > len(loca) {
				return 0, errors.New("loca too short")
			}
			o = int(binary.BigEndian.Uint32(loca[4*g:]))
		} else {
			if 2*g+2 > len(loca) {
				return 0, errors.New("loca too short")
			}
			o = 2 * int(binary.BigEndian.Uint16(loca[2*g:]))
		}
		if o > len(glyf) {
			return 0, errors.New("loca points past glyf")
		}
		return o, nil
	}
	glyph := func(g int) ([]byte, error) {
		a, err := offset(g)
		if err != nil {
			return nil, err
		}
		b, err := offset(g + 1)
		if err != nil || b < a {
			return nil, errors.New("bad loca entry")
		}
		return glyf[a:b], nil
	}
	keep := make([]bool, numGlyphs)
	var visit func(g int, depth int) error
	visit = func(g int, depth int) error {
		if g >= numGlyphs || keep[g] {
			return nil
		}
		if depth > 8 {
			return errors.New("composite glyphs nested too deep")
		}
		keep[g] = true
		d, err := glyph(g)
		if err != nil {
			return err
		}
		if len(d) < 10 || int16(binary.BigEndian.Uint16(d)) >= 0 {
			return nil // empty or simple glyph
		}
		for _, c := range components(d) {
			if err := visit(int(binary.BigEndian.Uint16(d[c+2:])), depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := visit(0, 0); err != nil {
		return nil, err
	}
	for _, g := range used {
		if err := visit(int(g), 0); err != nil {
			return nil, err
		}
	}
	var newGlyf []byte
	newLoca := make([]byte, 4*(numGlyphs+1))
	for g := 0; g < numGlyphs; g++ {
		binary.BigEndian.PutUint32(newLoca[4*g:], uint32(len(newGlyf)))
		if !keep[g] {
			continue
		}
		d, err := glyph(g)
		if err != nil {
			return nil, err
		}
		newGlyf = append(newGlyf, unhinted(d)...)
		for len(newGlyf)%4 != 0 {
			newGlyf = append(newGlyf, 0)
		}
	}
	binary.BigEndian.PutUint32(newLoca[4*numGlyphs:], uint32(len(newGlyf)))
	newHead := append([]byte(nil), head...)
	binary.BigEndian.PutUint16(newHead[50:], 1) // indexToLocFormat: long
	binary.BigEndian.PutUint32(newHead[8:], 0)  // checkSumAdjustment, set below
	tab["head"], tab["loca"], tab["glyf"] = newHead, newLoca, newGlyf
	// Hinting goes (PDF viewers rasterise at their own resolution and
	// mostly ignore it; in Go Mono it is about half of each glyph), and
	// post keeps only its header (version 3: no glyph names; text is found
	// through the WinAnsi encoding and cmap).
	delete(tab, "fpgm")
	delete(tab, "prep")
	delete(tab, "cvt ")
	if post := tab["post"]; len(post) >= 32 {
		p := append([]byte(nil), post[:32]...)
		binary.BigEndian.PutUint32(p, 0x00030000)
		tab["post"] = p
	}
	tags := make([]string, 0, len(tab))
	for t := range tab {
		tags = append(tags, t)
	}
	sort.Strings(tags) // the table directory must be sorted by tag
	return assemble(tags, tab), nil
}

// components returns the offsets of the component records of a composite
// glyph (none for a simple or empty glyph), following the glyf table
// specification.
func components(d []byte) []int {
	if len(d) < 10 || int16(binary.BigEndian.Uint16(d)) >= 0 {
		return nil
	}
	var out []int
	for p := 10; p+4 <= len(d); {
		out = append(out, p)
		flags := binary.BigEndian.Uint16(d[p:])
		p += 4
		if flags&0x0001 != 0 { // ARG_1_AND_2_ARE_WORDS
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&0x0008 != 0: // WE_HAVE_A_SCALE
			p += 2
		case flags&0x0040 != 0: // WE_HAVE_AN_X_AND_Y_SCALE
			p += 4
		case flags&0x0080 != 0: // WE_HAVE_A_TWO_BY_TWO
			p += 8
		}
		if flags&0x0020 == 0 { // MORE_COMPONENTS
			break
		}
	}
	return out
}

// componentsEnd is where the component records of a composite glyph end
// (and its instructions, if any, begin).
func componentsEnd(d []byte, comps []int) int {
	last := comps[len(comps)-1]
	flags := binary.BigEndian.Uint16(d[last:])
	p := last + 4
	if flags&0x0001 != 0 {
		p += 4
	} else {
		p += 2
	}
	switch {
	case flags&0x0008 != 0:
		p += 2
	case flags&0x0040 != 0:
		p += 4
	case flags&0x0080 != 0:
		p += 8
	}
	return p
}

// unhinted returns the glyph without its TrueType instructions. Glyph
// data it does not understand is returned unchanged.
func unhinted(d []byte) []byte {
	if len(d) < 10 {
		return d
	}
	n := int(int16(binary.BigEndian.Uint16(d)))
	if n >= 0 {
		at := 10 + 2*n // instructionLength follows endPtsOfContours
		if at+2 > len(d) {
			return d
		}
		l := int(binary.BigEndian.Uint16(d[at:]))
		if at+2+l > len(d) {
			return d
		}
		out := append([]byte(nil), d[:at]...)
		out = append(out, 0, 0)
		return append(out, d[at+2+l:]...)
	}
	comps := components(d)
	if len(comps) == 0 {
		return d
	}
	end := componentsEnd(d, comps)
	if end > len(d) {
		return d
	}
	out := append([]byte(nil), d[:end]...)
	for _, c := range comps {
		f := binary.BigEndian.Uint16(out[c:])
		binary.BigEndian.PutUint16(out[c:], f&^0x0100) // WE_HAVE_INSTRUCTIONS
	}
	return out
}

// assemble writes a TrueType file from its tables, with correct table
// checksums and head.checkSumAdjustment.
func assemble(tags []string, tab map[string][]byte) []byte {
	n := len(tags)
	es := 0
	for 1<<(es+1) <= n {
		es++
	}
	out := make([]byte, 12+16*n)
	binary.BigEndian.PutUint32(out, 0x00010000)
	binary.BigEndian.PutUint16(out[4:], uint16(n))
	binary.BigEndian.PutUint16(out[6:], uint16(16<<es))
	binary.BigEndian.PutUint16(out[8:], uint16(es))
	binary.BigEndian.PutUint16(out[10:], uint16(16*n-16<<es))
	headAt := -1
	for i, t := range tags {
		d := tab[t]
		r := 12 + 16*i
		copy(out[r:], t)
		binary.BigEndian.PutUint32(out[r+4:], checksum(d))
		binary.BigEndian.PutUint32(out[r+8:], uint32(len(out)))
		binary.BigEndian.PutUint32(out[r+12:], uint32(len(d)))
		if t == "head" {
			headAt = len(out)
		}
		out = append(out, d...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	if headAt >= 0 {
		binary.BigEndian.PutUint32(out[headAt+8:], 0xB1B0AFBA-checksum(out))
	}
	return out
}

func checksum(d []byte) uint32 {
	var sum uint32
	for i := 0; i < len(d); i += 4 {
		var w [4]byte
		copy(w[:], d[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
