package pdfraw

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Limits on the cross-reference structure.
const (
	maxXrefSections = 4096
	maxObjects      = 8 << 20
	maxDecoded      = 64 << 20 // decoded bytes of one xref, object or metadata stream
	maxPages        = 100000
)

// ErrEncrypted reports an encrypted PDF, which this package cannot update
// without the password.
var ErrEncrypted = errors.New("pdf: encrypted files are not supported")

// ErrUnsupported reports PDF features this package deliberately does not
// handle (for example an unknown stream filter).
var ErrUnsupported = errors.New("pdf: unsupported feature")

type xrefEntry struct {
	typ byte // 1 = in file, 2 = in object stream
	off int64
	gen int
	stm int // object stream number for typ 2
	idx int
}

// File is a parsed PDF. It keeps the io.ReaderAt and reads objects on demand.
type File struct {
	r       io.ReaderAt
	size    int64
	entries map[int]xrefEntry
	trailer Dict
	// StartXref is the offset of the newest cross-reference section; an
	// incremental update points its /Prev here.
	StartXref int64
	// XrefStream is true when the newest section is a cross-reference stream;
	// updates then use a stream too, as PDF 1.5 readers expect.
	XrefStream bool
	objStreams map[int]*objStream
	// HeaderVersion is the version from the %PDF-x.y header ("1.7").
	HeaderVersion string
}

func headerVersion(head []byte) string {
	v := string(head[5:])
	if len(v) >= 3 && v[0] >= '1' && v[0] <= '9' && v[1] == '.' && v[2] >= '0' && v[2] <= '9' {
		return v[:3]
	}
	return "1.0"
}

// Version is the effective PDF version: the catalog's /Version if it is
// newer than the header, else the header version.
func (f *File) Version() string {
	v := f.HeaderVersion
	if _, cat, err := f.Catalog(); err == nil {
		if cv, ok := cat.Name("Version"); ok && len(cv) == 3 && string(cv) > v {
			v = string(cv)
		}
	}
	return v
}

type objStream struct {
	data    []byte
	offsets map[int]int64
}

// Open parses the cross-reference chain of the PDF in r.
func Open(r io.ReaderAt, size int64) (*File, error) {
	if size < 16 {
		return nil, malformed("file too small")
	}
	head := make([]byte, 8)
	if _, err := r.ReadAt(head, 0); err != nil {
		return nil, fmt.Errorf("pdf: read header: %w", err)
	}
	// Like most readers we insist on the header at offset 0; scanners that
	// prepend garbage produce files signers cannot reason about.
	if !bytes.HasPrefix(head, []byte("%PDF-")) {
		return nil, malformed("missing %%PDF- header")
	}
	f := &File{r: r, size: size, entries: map[int]xrefEntry{}, objStreams: map[int]*objStream{}}
	f.HeaderVersion = headerVersion(head)
	start, err := f.findStartXref()
	if err != nil {
		return nil, err
	}
	f.StartXref = start
	if err := f.readXrefChain(start); err != nil {
		return nil, err
	}
	if _, ok := f.trailer["Encrypt"]; ok {
		return nil, ErrEncrypted
	}
	if _, ok := f.trailer.Ref("Root"); !ok {
		return nil, malformed("trailer has no /Root reference")
	}
	return f, nil
}

// Size returns the file size given to Open.
func (f *File) Size() int64 { return f.size }

// Trailer returns the newest trailer dictionary (for xref streams, the
// stream dictionary).
func (f *File) Trailer() Dict { return f.trailer }

// MaxObjectNumber returns the trailer /Size, the first free object number.
func (f *File) MaxObjectNumber() int {
	n, _ := f.trailer.Int("Size")
	for k := range f.entries {
		if int64(k) >= n {
			n = int64(k) + 1
		}
	}
	return int(n)
}

func (f *File) findStartXref() (int64, error) {
	n := int64(2048)
	if n > f.size {
		n = f.size
	}
	tail := make([]byte, n)
	if _, err := f.r.ReadAt(tail, f.size-n); err != nil && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("pdf: read trailer: %w", err)
	}
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return 0, malformed("no startxref in the last %d bytes", n)
	}
	rest := bytes.TrimLeft(tail[i+len("startxref"):], "\r\n\t\f\x00 ")
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	off, err := strconv.ParseInt(string(rest[:j]), 10, 64)
	if err != nil || off <= 0 || off >= f.size {
		return 0, malformed("bad startxref offset")
	}
	return off, nil
}

func (f *File) readXrefChain(off int64) error {
	seen := map[int64]bool{}
	first := true
	for sections := 0; ; sections++ {
		if sections > maxXrefSections {
			return malformed("more than %d cross-reference sections", maxXrefSections)
		}
		if seen[off] {
			return malformed("cross-reference sections form a loop")
		}
		seen[off] = true
		trailer, isStream, err := f.readXrefSection(off)
		if err != nil {
			return err
		}
		if first {
			f.trailer = trailer
			f.XrefStream = isStream
			first = false
		}
		if xs, ok := trailer.Int("XRefStm"); ok && !isStream {
			// Hybrid file: the stream holds the compressed objects of this
			// same revision; the table's own entries take precedence.
			if _, _, err := f.readXrefSection(xs); err != nil {
				return err
			}
		}
		prev, ok := trailer.Int("Prev")
		if !ok {
			return nil
		}
		if prev <= 0 || prev >= f.size {
			return malformed("bad /Prev offset %d", prev)
		}
		off = prev
	}
}

func (f *File) setEntry(num int, e xrefEntry) error {
	if num < 0 || num >= maxObjects {
		return malformed("object number %d out of range", num)
	}
	if _, ok := f.entries[num]; !ok {
		f.entries[num] = e
	}
	return nil
}

func (f *File) readXrefSection(off int64) (Dict, bool, error) {
	s := newSource(f.r, f.size, off)
	p := &parser{src: s}
	s.skipWS()
	save := s.pos
	if s.token() != "xref" {
		s.pos = save
		return f.readXrefStream(p)
	}
	for {
		s.skipWS()
		save := s.pos
		tok := s.token()
		if tok == "trailer" {
			break
		}
		startNum, err1 := strconv.Atoi(tok)
		s.skipWS()
		count, err2 := strconv.Atoi(s.token())
		if err1 != nil || err2 != nil || startNum < 0 || count < 0 || count > maxObjects {
			return nil, false, malformed("bad xref subsection header at offset %d", save)
		}
		for i := 0; i < count; i++ {
			s.skipWS()
			o, err1 := strconv.ParseInt(s.token(), 10, 64)
			s.skipWS()
			g, err2 := strconv.Atoi(s.token())
			s.skipWS()
			kind := s.token()
			if err1 != nil || err2 != nil || (kind != "n" && kind != "f") {
				return nil, false, malformed("bad xref entry at offset %d", s.pos)
			}
			num := startNum + i
			if kind == "f" {
				// A newer free entry hides older revisions of the object.
				if err := f.setEntry(num, xrefEntry{typ: 0}); err != nil {
					return nil, false, err
				}
				continue
			}
			if err := f.setEntry(num, xrefEntry{typ: 1, off: o, gen: g}); err != nil {
				return nil, false, err
			}
		}
	}
	o, err := p.object(0)
	if err != nil {
		return nil, false, err
	}
	d, ok := o.(Dict)
	if !ok {
		return nil, false, malformed("trailer is not a dictionary")
	}
	return d, false, nil
}

func (f *File) readXrefStream(p *parser) (Dict, bool, error) {
	o, err := p.indirect(-1, f.directLength)
	if err != nil {
		return nil, false, fmt.Errorf("cross-reference section: %w", err)
	}
	st, ok := o.(*Stream)
	if !ok {
		return nil, false, malformed("cross-reference stream expected")
	}
	if t, _ := st.Dict.Name("Type"); t != "XRef" {
		return nil, false, malformed("cross-reference stream has no /Type /XRef")
	}
	data, err := f.Decode(st)
	if err != nil {
		return nil, false, err
	}
	w, ok := st.Dict["W"].(Array)
	if !ok || len(w) != 3 {
		return nil, false, malformed("bad /W in cross-reference stream")
	}
	var widths [3]int
	total := 0
	for i, x := range w {
		n, ok := x.(int64)
		if !ok || n < 0 || n > 8 {
			return nil, false, malformed("bad /W in cross-reference stream")
		}
		widths[i] = int(n)
		total += int(n)
	}
	if total == 0 {
		return nil, false, malformed("bad /W in cross-reference stream")
	}
	size, _ := st.Dict.Int("Size")
	index := Array{int64(0), size}
	if ix, ok := st.Dict["Index"].(Array); ok {
		index = ix
	}
	if len(index)%2 != 0 {
		return nil, false, malformed("bad /Index in cross-reference stream")
	}
	pos := 0
	field := func(width int, def int64) int64 {
		if width == 0 {
			return def
		}
		var v int64
		for i := 0; i < width; i++ {
			v = v<<8 | int64(data[pos+i])
		}
		pos += width
		return v
	}
	for i := 0; i < len(index); i += 2 {
		start, ok1 := index[i].(int64)
		count, ok2 := index[i+1].(int64)
		if !ok1 || !ok2 || start < 0 || count < 0 || count > maxObjects {
			return nil, false, malformed("bad /Index in cross-reference stream")
		}
		for j := int64(0); j < count; j++ {
			if pos+total > len(data) {
				return nil, false, malformed("cross-reference stream shorter than /Index says")
			}
			typ := field(widths[0], 1)
			a := field(widths[1], 0)
			b := field(widths[2], 0)
			num := int(start + j)
			switch typ {
			case 0:
				if _, ok := f.entries[num]; !ok && num >= 0 && num < maxObjects {
					f.entries[num] = xrefEntry{typ: 0}
				}
			case 1:
				if err := f.setEntry(num, xrefEntry{typ: 1, off: a, gen: int(b)}); err != nil {
					return nil, false, err
				}
			case 2:
				if err := f.setEntry(num, xrefEntry{typ: 2, stm: int(a), idx: int(b)}); err != nil {
					return nil, false, err
				}
			}
		}
	}
	return st.Dict, true, nil
}

// directLength resolves /Length while the xref is still being built: xref
// streams must have a direct length.
func (f *File) directLength(o Object) (int64, error) {
	if n, ok := o.(int64); ok {
		return n, nil
	}
	return 0, malformed("cross-reference stream needs a direct /Length")
}

func (f *File) length(o Object) (int64, error) {
	switch v := o.(type) {
	case int64:
		return v, nil
	case Ref:
		e, ok := f.entries[v.Num]
		if !ok || e.typ != 1 {
			return 0, malformed("stream /Length %s missing", v)
		}
		p := &parser{src: newSource(f.r, f.size, e.off)}
		o, err := p.indirect(v.Num, f.directLength)
		if err != nil {
			return 0, err
		}
		n, ok := o.(int64)
		if !ok {
			return 0, malformed("stream /Length %s is not an integer", v)
		}
		return n, nil
	}
	return 0, malformed("stream without /Length")
}

// Has reports whether ref names an object that is in use: one the
// cross-reference chain locates, in the file or in an object stream. A
// reference for which Has is false reads as null.
func (f *File) Has(ref Ref) bool {
	e, ok := f.entries[ref.Num]
	return ok && (e.typ == 1 || e.typ == 2)
}

// Object returns the object with the given reference; a free or missing
// object is nil (null), as the PDF specification says.
func (f *File) Object(ref Ref) (Object, error) {
	e, ok := f.entries[ref.Num]
	if !ok {
		return nil, nil
	}
	switch e.typ {
	case 1:
		if e.off <= 0 || e.off >= f.size {
			return nil, malformed("object %d has a bad offset", ref.Num)
		}
		p := &parser{src: newSource(f.r, f.size, e.off)}
		o, err := p.indirect(ref.Num, f.length)
		if err != nil {
			return nil, fmt.Errorf("object %d: %w", ref.Num, err)
		}
		return o, nil
	case 2:
		return f.compressedObject(ref.Num, e)
	}
	return nil, nil
}

func (f *File) compressedObject(num int, e xrefEntry) (Object, error) {
	os, ok := f.objStreams[e.stm]
	if !ok {
		se, ok := f.entries[e.stm]
		if !ok || se.typ != 1 {
			return nil, malformed("object stream %d missing", e.stm)
		}
		o, err := f.Object(Ref{Num: e.stm})
		if err != nil {
			return nil, err
		}
		st, ok := o.(*Stream)
		if !ok {
			return nil, malformed("object stream %d is not a stream", e.stm)
		}
		data, err := f.Decode(st)
		if err != nil {
			return nil, err
		}
		n, _ := st.Dict.Int("N")
		first, _ := st.Dict.Int("First")
		if n < 0 || n > maxObjects || first < 0 || first > int64(len(data)) {
			return nil, malformed("object stream %d has a bad header", e.stm)
		}
		os = &objStream{data: data, offsets: map[int]int64{}}
		hp := &parser{src: newSource(bytes.NewReader(data[:first]), first, 0)}
		for i := int64(0); i < n; i++ {
			a, err1 := hp.object(0)
			b, err2 := hp.object(0)
			on, ok1 := a.(int64)
			oo, ok2 := b.(int64)
			if err1 != nil || err2 != nil || !ok1 || !ok2 || oo < 0 {
				return nil, malformed("object stream %d has a bad header", e.stm)
			}
			os.offsets[int(on)] = first + oo
		}
		if len(f.objStreams) > 64 {
			clear(f.objStreams) // bound memory; re-decoding is cheap enough
		}
		f.objStreams[e.stm] = os
	}
	off, ok := os.offsets[num]
	if !ok {
		return nil, nil
	}
	p := &parser{src: newSource(bytes.NewReader(os.data), int64(len(os.data)), off)}
	o, err := p.object(0)
	if err != nil {
		return nil, fmt.Errorf("object %d: %w", num, err)
	}
	return o, nil
}

// Resolve follows references until it reaches a direct object.
func (f *File) Resolve(o Object) (Object, error) {
	for i := 0; i < 32; i++ {
		r, ok := o.(Ref)
		if !ok {
			return o, nil
		}
		var err error
		if o, err = f.Object(r); err != nil {
			return nil, err
		}
	}
	return nil, malformed("reference chain too long")
}

// ResolveDict resolves o and returns it if it is a dictionary (or the
// dictionary of a stream).
func (f *File) ResolveDict(o Object) (Dict, error) {
	v, err := f.Resolve(o)
	if err != nil {
		return nil, err
	}
	switch d := v.(type) {
	case Dict:
		return d, nil
	case *Stream:
		return d.Dict, nil
	case nil:
		return nil, nil
	}
	return nil, malformed("dictionary expected, found %T", v)
}

// Raw returns a reader over the raw (encoded) bytes of st.
func (f *File) Raw(st *Stream) io.Reader {
	return io.NewSectionReader(f.r, st.Offset, st.Length)
}

// Decode returns the decoded data of st. Only FlateDecode (with PNG
// predictors) and unfiltered streams are supported, which covers
// cross-reference streams, object streams and what this project embeds.
func (f *File) Decode(st *Stream) ([]byte, error) {
	filters, err := f.Resolve(st.Dict["Filter"])
	if err != nil {
		return nil, err
	}
	var names []Name
	switch v := filters.(type) {
	case nil:
	case Name:
		names = []Name{v}
	case Array:
		for _, x := range v {
			n, ok := x.(Name)
			if !ok {
				return nil, malformed("bad /Filter")
			}
			names = append(names, n)
		}
	default:
		return nil, malformed("bad /Filter")
	}
	if len(names) > 1 {
		return nil, fmt.Errorf("%w: filter chain %v", ErrUnsupported, names)
	}
	if st.Length > maxDecoded {
		return nil, fmt.Errorf("%w: stream of %d bytes too large to decode", ErrUnsupported, st.Length)
	}
	raw := make([]byte, st.Length)
	if _, err := f.r.ReadAt(raw, st.Offset); err != nil && !(errors.Is(err, io.EOF) && st.Offset+st.Length <= f.size) {
		return nil, fmt.Errorf("pdf: read stream: %w", err)
	}
	if len(names) == 0 {
		return raw, nil
	}
	if names[0] != "FlateDecode" && names[0] != "Fl" {
		return nil, fmt.Errorf("%w: filter %s", ErrUnsupported, names[0])
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, malformed("flate stream: %v", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxDecoded+1))
	if err != nil && len(out) == 0 {
		return nil, malformed("flate stream: %v", err)
	}
	if len(out) > maxDecoded {
		return nil, fmt.Errorf("%w: decoded stream larger than %d bytes", ErrUnsupported, maxDecoded)
	}
	parms, _ := f.ResolveDict(st.Dict["DecodeParms"])
	if pred, _ := parms.Int("Predictor"); pred >= 10 {
		cols, ok := parms.Int("Columns")
		if !ok {
			cols = 1
		}
		return unpredictPNG(out, int(cols))
	} else if pred > 1 {
		return nil, fmt.Errorf("%w: TIFF predictor", ErrUnsupported)
	}
	return out, nil
}

func unpredictPNG(data []byte, cols int) ([]byte, error) {
	if cols <= 0 || cols > 1<<20 {
		return nil, malformed("bad predictor /Columns")
	}
	row := cols + 1
	out := make([]byte, 0, len(data)/row*cols)
	prev := make([]byte, cols)
	for i := 0; i+row <= len(data); i += row {
		cur := make([]byte, cols)
		if !UndoPNGFilter(data[i], data[i+1:i+row], prev, cur, 1) {
			return nil, malformed("bad PNG predictor %d", data[i])
		}
		out = append(out, cur...)
		prev = cur
	}
	return out, nil
}

// UndoPNGFilter decodes one row in, filtered with PNG filter type typ,
// into cur, given the decoded row above it, prev (zeros for the first
// row); bpp is the distance in bytes to the corresponding byte of the
// pixel to the left, at least 1 (ISO 32000-1 §7.4.4.4 takes PNG's
// filters, RFC 2083 §6). It reports false for an unknown filter type.
func UndoPNGFilter(typ byte, in, prev, cur []byte, bpp int) bool {
	switch typ {
	case 0: // None
		copy(cur, in)
	case 1: // Sub
		for i := range in {
			var a byte
			if i >= bpp {
				a = cur[i-bpp]
			}
			cur[i] = in[i] + a
		}
	case 2: // Up
		for i := range in {
			cur[i] = in[i] + prev[i]
		}
	case 3: // Average
		for i := range in {
			var a int
			if i >= bpp {
				a = int(cur[i-bpp])
			}
			cur[i] = in[i] + byte((a+int(prev[i]))/2)
		}
	case 4: // Paeth
		for i := range in {
			var a, c byte
			if i >= bpp {
				a, c = cur[i-bpp], prev[i-bpp]
			}
			cur[i] = in[i] + paeth(a, prev[i], c)
		}
	default:
		return false
	}
	return true
}

// paeth is the PNG Paeth predictor of left a, above b, upper left c.
func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// Catalog returns the document catalog and its reference.
func (f *File) Catalog() (Ref, Dict, error) {
	ref, _ := f.trailer.Ref("Root")
	d, err := f.ResolveDict(ref)
	if err != nil {
		return ref, nil, err
	}
	if d == nil {
		return ref, nil, malformed("catalog %s missing", ref)
	}
	return ref, d, nil
}

// Page is one leaf of the page tree.
type Page struct {
	Ref  Ref
	Dict Dict
	// Resources is the page's resource dictionary, inherited from an
	// ancestor when the page has none.
	Resources Dict
}

// Pages returns the pages in document order.
func (f *File) Pages() ([]Page, error) {
	_, cat, err := f.Catalog()
	if err != nil {
		return nil, err
	}
	root, ok := cat.Ref("Pages")
	if !ok {
		return nil, malformed("catalog has no /Pages reference")
	}
	var pages []Page
	seen := map[int]bool{}
	var walk func(ref Ref, inherited Object, depth int) error
	walk = func(ref Ref, inherited Object, depth int) error {
		if depth > maxDepth {
			return malformed("page tree deeper than %d", maxDepth)
		}
		if seen[ref.Num] {
			return malformed("page tree loops at object %d", ref.Num)
		}
		seen[ref.Num] = true
		d, err := f.ResolveDict(ref)
		if err != nil {
			return err
		}
		if d == nil {
			return malformed("page tree node %s missing", ref)
		}
		if res, ok := d["Resources"]; ok {
			inherited = res
		}
		kidsObj, err := f.Resolve(d["Kids"])
		if err != nil {
			return err
		}
		if kids, ok := kidsObj.(Array); ok {
			for _, k := range kids {
				kr, ok := k.(Ref)
				if !ok {
					return malformed("page tree kid is not a reference")
				}
				if err := walk(kr, inherited, depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		if len(pages) >= maxPages {
			return malformed("more than %d pages", maxPages)
		}
		res, err := f.ResolveDict(inherited)
		if err != nil {
			return err
		}
		pages = append(pages, Page{Ref: ref, Dict: d, Resources: res})
		return nil
	}
	if err := walk(root, nil, 0); err != nil {
		return nil, err
	}
	return pages, nil
}
