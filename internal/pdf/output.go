package pdf

import (
	"bytes"
	_ "embed"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
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
// page as it is). Page images and all other content stay byte-identical.
func (doc *Document) WriteSearchable(out string, layers []*TextLayer, meta Meta) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("pdf: writing: %v", r)
		}
	}()
	xt := doc.ctx.XRefTable
	var fontRef *types.IndirectRef
	for i, l := range layers {
		if l == nil {
			continue
		}
		if fontRef == nil {
			if fontRef, err = addFont(xt); err != nil {
				return err
			}
		}
		if err := doc.addLayer(doc.Pages[i], l, fontRef); err != nil {
			return fmt.Errorf("page %d: %w", i+1, err)
		}
	}
	// pdfcpu stamps the current second into /CreationDate and /ModDate;
	// the XMP copy must agree, so retry if the second turned over.
	var buf bytes.Buffer
	for attempt := 0; ; attempt++ {
		now := time.Now().Truncate(time.Second)
		if err := addMetadata(xt, meta, doc.PDFAClaimable(), now); err != nil {
			return err
		}
		buf.Reset()
		doc.ctx.ResetWriteContext()
		doc.ctx.Write.Increment = false
		if err := api.WriteContext(doc.ctx, &buf); err != nil {
			return fmt.Errorf("pdf: writing: %w", err)
		}
		if time.Now().Truncate(time.Second).Equal(now) || attempt == 2 {
			break
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".eingang-ocr-*.pdf")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
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

func (doc *Document) addLayer(p Page, l *TextLayer, fontRef *types.IndirectRef) error {
	xt := doc.ctx.XRefTable
	pd, _, inh, err := xt.PageDict(p.Number, false)
	if err != nil {
		return err
	}
	m, rotate := p.sourceToUser(l)
	toUser := l.ToSource.Mul(m)
	up := l.Upright
	if up == (Matrix{}) {
		up = l.ToSource
	}
	text := TextContent(l.Words, toUser, up.Mul(m), "FEingangOCR")

	pre, err := newStream(xt, []byte("q\n"), true)
	if err != nil {
		return err
	}
	post, err := newStream(xt, append([]byte("\nQ\n"), text...), true)
	if err != nil {
		return err
	}
	contents := types.Array{pre}
	if o, ok := pd.Find("Contents"); ok && o != nil {
		if d, err := xt.Dereference(o); err == nil {
			if arr, ok := d.(types.Array); ok {
				contents = append(contents, arr...)
			} else {
				contents = append(contents, o)
			}
		}
	}
	contents = append(contents, post)
	pd.Update("Contents", contents)

	// Give the page its own resources (they may be inherited and shared)
	// with the OCR font added.
	res := types.Dict{}
	if inh.Resources != nil {
		for k, v := range inh.Resources {
			res[k] = v
		}
	}
	fonts := types.Dict{}
	if f, err := xt.DereferenceDict(res["Font"]); err == nil && f != nil {
		for k, v := range f {
			fonts[k] = v
		}
	}
	fonts["FEingangOCR"] = *fontRef
	res["Font"] = fonts
	pd.Update("Resources", res)
	if rotate != 0 || p.Rotate != 0 {
		pd.Update("Rotate", types.Integer(rotate))
	}
	return nil
}

func newStream(xt *model.XRefTable, content []byte, compress bool) (types.IndirectRef, error) {
	sd := types.StreamDict{Dict: types.NewDict(), Content: content}
	if compress {
		sd.FilterPipeline = []types.PDFFilter{{Name: "FlateDecode"}}
		sd.InsertName("Filter", "FlateDecode")
	}
	if err := sd.Encode(); err != nil {
		return types.IndirectRef{}, err
	}
	ref, err := xt.IndRefForNewObject(sd)
	if err != nil {
		return types.IndirectRef{}, err
	}
	return *ref, nil
}

// addFont adds the glyphless Type0 font the way Tesseract's PDF renderer
// builds it: Identity-H CIDs are UTF-16 code units, all mapped to glyph 1.
func addFont(xt *model.XRefTable) (*types.IndirectRef, error) {
	ff, err := newStream(xt, glyphlessFont, true)
	if err != nil {
		return nil, err
	}
	if sd, _, err := xt.DereferenceStreamDict(ff); err == nil && sd != nil {
		sd.Update("Length1", types.Integer(len(glyphlessFont)))
	}
	gidMap := make([]byte, 2*65536)
	for i := 1; i < 65536; i++ {
		gidMap[2*i+1] = 1
	}
	cidToGID, err := newStream(xt, gidMap, true)
	if err != nil {
		return nil, err
	}
	cmap := "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identify-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n" +
		"1 beginbfrange\n<0000> <FFFF> <0000>\nendbfrange\n" +
		"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
	toUni, err := newStream(xt, []byte(cmap), true)
	if err != nil {
		return nil, err
	}
	fd, err := xt.IndRefForNewObject(types.Dict{
		"Type": types.Name("FontDescriptor"), "FontName": types.Name("GlyphLessFont"),
		"Ascent": types.Integer(1000), "CapHeight": types.Integer(1000), "Descent": types.Integer(-1),
		"Flags": types.Integer(5), "FontBBox": types.Array{types.Integer(0), types.Integer(0), types.Integer(500), types.Integer(1000)},
		"ItalicAngle": types.Integer(0), "StemV": types.Integer(80), "FontFile2": ff,
	})
	if err != nil {
		return nil, err
	}
	cid, err := xt.IndRefForNewObject(types.Dict{
		"Type": types.Name("Font"), "Subtype": types.Name("CIDFontType2"), "BaseFont": types.Name("GlyphLessFont"),
		"CIDSystemInfo":  types.Dict{"Registry": types.StringLiteral("Adobe"), "Ordering": types.StringLiteral("Identity"), "Supplement": types.Integer(0)},
		"FontDescriptor": *fd, "CIDToGIDMap": cidToGID, "DW": types.Integer(500),
		"W": types.Array{types.Integer(0), types.Array{types.Integer(500)}},
	})
	if err != nil {
		return nil, err
	}
	return xt.IndRefForNewObject(types.Dict{
		"Type": types.Name("Font"), "Subtype": types.Name("Type0"), "BaseFont": types.Name("GlyphLessFont"),
		"Encoding": types.Name("Identity-H"), "DescendantFonts": types.Array{*cid}, "ToUnicode": toUni,
	})
}
