package pdf

import (
	"bytes"
	"compress/zlib"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/eingang/eingang/internal/fsutil"
	"github.com/eingang/eingang/internal/pdfraw"
	"github.com/pdfcpu/pdfcpu/pkg/api"
)

// glyphlessFont is Tesseract's GlyphLessFont (pdf.ttf from tessdata,
// Apache-2.0): one empty glyph, 500 units wide, 1000 high. Every CID maps
// to it, so any Unicode text can be laid invisibly over the image.
//
//go:embed glyphless.ttf
var glyphlessFont []byte

// Word is one recognised word in the pixel coordinates of the image the
// recogniser saw (origin top-left, y down).
type Word struct {
	Text           string
	X0, Y0, X1, Y1 float64
	// Line identifies the text line; consecutive words with the same Line
	// share one baseline and size so that text extractors join them.
	Line int
}

// TextLayer is the recognised text of one page.
type TextLayer struct {
	Words []Word
	// ToSource maps the recogniser's pixel coordinates to the source
	// raster: the page image for image pages, or the page rendering for
	// rasterised pages (orientation correction and deskew undone).
	ToSource Matrix
	// SourceWidth and SourceHeight are the source raster's size; RasterDPI
	// is set when the source was a rendering of the page.
	SourceWidth, SourceHeight int
	RasterDPI                 float64
	// Rotate is the clockwise rotation, in degrees, that shows the source
	// raster upright.
	Rotate int
	// Upright is ToSource without the deskew: it gives the text direction.
	// Words are set horizontally in the upright page (positioned by their
	// deskewed centres), because extractors such as pdftotext split
	// slightly tilted text into fragments.
	Upright Matrix
}

// Meta is document metadata for the output.
type Meta struct {
	Title    string
	Producer string
	Created  time.Time
	// ICCProfile is an sRGB profile for the PDF/A output intent; without
	// it no PDF/A identification is written.
	ICCProfile []byte
}

// WriteSearchable writes doc to out with the text layers laid over the
// pages that have one (layers[i] belongs to doc.Pages[i]; nil keeps the
// page as it is). The input's bytes come first, unchanged; the text layers,
// the OCR font and the metadata follow as one incremental update (PDF
// 32000-1 §7.5.6). A rewrite through a PDF library can drop objects the
// pages still reference — fonts, images, form fields — and breaks earlier
// signatures; an appended update cannot. Use [Document.VerifyOutput] on
// the result before delivering it.
func (doc *Document) WriteSearchable(out string, layers []*TextLayer, meta Meta) error {
	if doc.protected {
		return ErrProtected
	}
	data, err := doc.searchable(layers, meta, time.Now())
	if err != nil {
		return err
	}
	return writeAtomic(out, data)
}

// writeAtomic writes data to a temporary file beside out and renames it
// into place, so that out is never half-written.
func writeAtomic(out string, data []byte) error {
	return fsutil.WriteFile(out, data, 0o600)
}

// searchable returns the bytes WriteSearchable writes.
func (doc *Document) searchable(layers []*TextLayer, meta Meta, now time.Time) (data []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			data, err = nil, fmt.Errorf("pdf: writing: %v", r)
		}
	}()
	base := doc.src
	f, err := pdfraw.Open(bytes.NewReader(base), int64(len(base)))
	if errors.Is(err, pdfraw.ErrEncrypted) {
		return nil, ErrEncrypted
	}
	if err != nil {
		// A damaged cross-reference structure that the reader repaired:
		// the update goes onto the reader's clean copy. VerifyOutput
		// compares the result with the original, so a copy that lost
		// anything is not delivered.
		if base, err = doc.normalised(); err != nil {
			return nil, err
		}
		if f, err = pdfraw.Open(bytes.NewReader(base), int64(len(base))); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
	}
	pages, err := f.Pages()
	if err != nil {
		return nil, fmt.Errorf("%w: page tree: %v", ErrCorrupt, err)
	}
	if len(pages) != len(doc.Pages) {
		return nil, fmt.Errorf("%w: page tree has %d pages, the reader found %d", ErrCorrupt, len(pages), len(doc.Pages))
	}
	u := f.NewUpdate()
	var font pdfraw.Ref
	for i, l := range layers {
		if l == nil {
			continue
		}
		if font.Num == 0 {
			font = addFont(u)
		}
		if err := addLayer(f, u, pages[i], doc.Pages[i], l, font); err != nil {
			return nil, fmt.Errorf("page %d: %w", i+1, err)
		}
	}
	if err := addMetadata(f, u, meta, doc.PDFAClaimable(), now); err != nil {
		return nil, err
	}
	return append(base[:len(base):len(base)], u.Bytes()...), nil
}

// normalised returns the document as the PDF reader understood it,
// written out in full.
func (doc *Document) normalised() ([]byte, error) {
	var buf bytes.Buffer
	doc.ctx.ResetWriteContext()
	doc.ctx.Write.Increment = false
	if err := api.WriteContext(doc.ctx, &buf); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return buf.Bytes(), nil
}

// sourceToUser maps source-raster pixels to the page's user space.
func (p Page) sourceToUser(l *TextLayer) (Matrix, int) {
	if l.RasterDPI == 0 && p.Image != nil {
		w, h := float64(p.Image.Width), float64(p.Image.Height)
		m := Matrix{1 / w, 0, 0, -1 / h, 0, 1}.Mul(p.ImageMatrix)
		imgRot := 0
		if p.ImageMatrix[0] < 0 && p.ImageMatrix[3] < 0 {
			imgRot = 180
		}
		return m, (imgRot + l.Rotate) % 360
	}
	s := 72 / l.RasterDPI
	x0, y0, x1, y1 := p.MediaBox[0], p.MediaBox[1], p.MediaBox[2], p.MediaBox[3]
	var d Matrix // displayed points (top-left origin) → user space
	switch p.Rotate {
	case 90:
		d = Matrix{0, 1, 1, 0, x0, y0}
	case 180:
		d = Matrix{-1, 0, 0, 1, x1, y0}
	case 270:
		d = Matrix{0, -1, -1, 0, x1, y1}
	default:
		d = Matrix{1, 0, 0, -1, x0, y1}
	}
	return Matrix{s, 0, 0, s, 0, 0}.Mul(d), (p.Rotate + l.Rotate) % 360
}

// TextContent renders the invisible text layer as content-stream
// operators. Words of a line share the line's baseline (its box bottom)
// and size (its box height), which is how extractors such as pdftotext
// recognise them as one line; each word is squeezed to its own box width,
// so viewers highlight the word where it is printed.
func TextContent(words []Word, toUser, axes Matrix, font string) []byte {
	var b bytes.Buffer
	b.WriteString("BT\n3 Tr\n")
	// Text space: x along the baseline, y up = pixel (0,-1).
	ax, ay := axes[0], axes[1]
	cx, cy := -axes[2], -axes[3]
	for i := 0; i < len(words); {
		j := i + 1
		for j < len(words) && words[j].Line == words[i].Line {
			j++
		}
		top, bottom := words[i].Y0, words[i].Y1
		for _, w := range words[i:j] {
			top, bottom = min(top, w.Y0), max(bottom, w.Y1)
		}
		h := bottom - top
		// One baseline per line, through the line's centre: pdftotext and
		// viewers join words only when they share a baseline. The cost is
		// a highlight offset of distance×tan(skew) towards the line ends.
		lx0, lx1 := words[i].X0, words[j-1].X1
		_, baseY := toUser.Apply((lx0+lx1)/2, bottom)
		baseX, _ := toUser.Apply((lx0+lx1)/2, bottom)
		for _, w := range words[i:j] {
			cids := utf16.Encode([]rune(w.Text))
			wd := w.X1 - w.X0
			if len(cids) == 0 || wd <= 0 || h <= 0 {
				continue
			}
			mx, my := toUser.Apply((w.X0+w.X1)/2, bottom)
			// Keep the word's position along the line, the line's offset
			// across it: project onto the upright axes.
			along := (mx-baseX)*ax + (my-baseY)*ay
			n := ax*ax + ay*ay
			ex, ey := baseX+ax*along/n-ax*wd/2, baseY+ay*along/n-ay*wd/2
			tz := 100 * wd / (float64(len(cids)) * 0.5 * h)
			fmt.Fprintf(&b, "%s %s %s %s %s %s Tm /%s %s Tf %s Tz <", num(ax), num(ay), num(cx), num(cy), num(ex), num(ey), font, num(h), num(tz))
			for _, c := range cids {
				fmt.Fprintf(&b, "%04X", c)
			}
			b.WriteString("> Tj\n")
		}
		i = j
	}
	b.WriteString("ET\n")
	return b.Bytes()
}

func num(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "0"
	}
	s := fmt.Sprintf("%.4f", f)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}

// addLayer puts the page's new revision into u: its content wrapped in
// q…Q (so the original graphics state cannot leak into the text layer),
// followed by the invisible text, and its own resources with the OCR font.
func addLayer(f *pdfraw.File, u *pdfraw.Update, rp pdfraw.Page, p Page, l *TextLayer, font pdfraw.Ref) error {
	m, rotate := p.sourceToUser(l)
	toUser := l.ToSource.Mul(m)
	up := l.Upright
	if up == (Matrix{}) {
		up = l.ToSource
	}
	text := TextContent(l.Words, toUser, up.Mul(m), "FEingangOCR")

	pre := u.Alloc()
	u.PutStream(pre, pdfraw.Dict{}, []byte("q\n"))
	post := u.Alloc()
	putFlate(u, post, pdfraw.Dict{}, append([]byte("\nQ\n"), text...))
	contents := pdfraw.Array{pre}
	switch c := rp.Dict["Contents"].(type) {
	case pdfraw.Array:
		contents = append(contents, c...)
	case pdfraw.Ref:
		o, err := f.Resolve(c)
		if err != nil {
			return fmt.Errorf("%w: page content: %v", ErrCorrupt, err)
		}
		if arr, ok := o.(pdfraw.Array); ok {
			contents = append(contents, arr...)
		} else if o != nil {
			contents = append(contents, c)
		}
	}
	contents = append(contents, post)
	pd := rp.Dict.Clone()
	pd["Contents"] = contents

	// The page gets its own resources (they may be inherited and shared
	// with pages that get no layer); the values stay references to the
	// original objects.
	res := rp.Resources.Clone()
	fonts, err := f.ResolveDict(res["Font"])
	if err != nil {
		return fmt.Errorf("%w: page fonts: %v", ErrCorrupt, err)
	}
	fonts = fonts.Clone()
	fonts["FEingangOCR"] = font
	res["Font"] = fonts
	pd["Resources"] = res
	if rotate != 0 || p.Rotate != 0 {
		pd["Rotate"] = int64(rotate)
	}
	u.Put(rp.Ref, pd)
	return nil
}

// putFlate stores a FlateDecode-compressed stream.
func putFlate(u *pdfraw.Update, ref pdfraw.Ref, d pdfraw.Dict, data []byte) {
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	d = d.Clone()
	d["Filter"] = pdfraw.Name("FlateDecode")
	u.PutStream(ref, d, b.Bytes())
}

// addFont adds the glyphless Type0 font the way Tesseract's PDF renderer
// builds it: Identity-H CIDs are UTF-16 code units, all mapped to glyph 1.
func addFont(u *pdfraw.Update) pdfraw.Ref {
	ff := u.Alloc()
	putFlate(u, ff, pdfraw.Dict{"Length1": int64(len(glyphlessFont))}, glyphlessFont)
	gidMap := make([]byte, 2*65536)
	for i := 1; i < 65536; i++ {
		gidMap[2*i+1] = 1
	}
	cidToGID := u.Alloc()
	putFlate(u, cidToGID, pdfraw.Dict{}, gidMap)
	cmap := "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identify-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n" +
		"1 beginbfrange\n<0000> <FFFF> <0000>\nendbfrange\n" +
		"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
	toUni := u.Alloc()
	putFlate(u, toUni, pdfraw.Dict{}, []byte(cmap))
	fd := u.Alloc()
	u.Put(fd, pdfraw.Dict{
		"Type": pdfraw.Name("FontDescriptor"), "FontName": pdfraw.Name("GlyphLessFont"),
		"Ascent": int64(1000), "CapHeight": int64(1000), "Descent": int64(-1),
		"Flags": int64(5), "FontBBox": pdfraw.Array{int64(0), int64(0), int64(500), int64(1000)},
		"ItalicAngle": int64(0), "StemV": int64(80), "FontFile2": ff,
	})
	cid := u.Alloc()
	u.Put(cid, pdfraw.Dict{
		"Type": pdfraw.Name("Font"), "Subtype": pdfraw.Name("CIDFontType2"), "BaseFont": pdfraw.Name("GlyphLessFont"),
		"CIDSystemInfo":  pdfraw.Dict{"Registry": pdfraw.String("Adobe"), "Ordering": pdfraw.String("Identity"), "Supplement": int64(0)},
		"FontDescriptor": fd, "CIDToGIDMap": cidToGID, "DW": int64(500),
		"W": pdfraw.Array{int64(0), pdfraw.Array{int64(500)}},
	})
	t0 := u.Alloc()
	u.Put(t0, pdfraw.Dict{
		"Type": pdfraw.Name("Font"), "Subtype": pdfraw.Name("Type0"), "BaseFont": pdfraw.Name("GlyphLessFont"),
		"Encoding": pdfraw.Name("Identity-H"), "DescendantFonts": pdfraw.Array{cid}, "ToUnicode": toUni,
	})
	return t0
}
