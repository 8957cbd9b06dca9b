package batch

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"math"
	"sort"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/eingang/eingang/internal/barcode"
	"github.com/eingang/eingang/internal/pdf"
)

// The sheet is drawn at 300 dpi on A4. All positions are in millimetres
// from the top left corner of the upright sheet.
const (
	sheetDPI   = 300
	sheetWmm   = 210.0
	sheetHmm   = 297.0
	edgeMM     = 12.0 // printers leave a few millimetres unprinted
	qrModuleMM = 1.2  // large modules survive 100 dpi and JPEG noise
	barModMM   = 0.5
	barHeight  = 15.0
)

// Codes sit only in the corner squares and edge bands, point-symmetric:
// a QR code in the top left and the bottom right corner, a Code 128 at
// the top right and the bottom left. Turned by 90° or 180°, a sheet still
// has a QR code in some corner, so the detector reads only the four
// corner squares of side cornerFrac × the short side of the page.
const cornerFrac = 0.34

// Box is a rectangle on the sheet in millimetres.
type Box struct {
	X, Y, W, H float64
}

// Element is one thing printed on the sheet.
type Element struct {
	Kind string // "qr", "code128" or "text"
	Text string
	Box  Box
}

// SheetLayout is what a separator sheet shows and where.
type SheetLayout struct {
	Payload  string
	Elements []Element
}

func mmToPx(mm float64) int { return int(math.Round(mm * sheetDPI / 25.4)) }
func pxToMM(px int) float64 { return float64(px) * 25.4 / sheetDPI }

// textLines returns the printed lines of p (after the title) in German.
func textLines(p SeparatorPayload) []string {
	lines := []string{"Dieses Blatt vor das nächste Dokument legen."}
	if p.Profile != "" {
		lines = append(lines, "Profil: "+p.Profile)
	}
	keys := make([]string, 0, len(p.Meta))
	for k := range p.Meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		lines = append(lines, k+": "+p.Meta[k])
	}
	return lines
}

// sheet draws the separator sheet for p and returns its picture and
// layout.
func sheet(p SeparatorPayload) (*image.Gray, SheetLayout, error) {
	if err := p.Validate(); err != nil {
		return nil, SheetLayout{}, err
	}
	text := p.String()
	lay := SheetLayout{Payload: text}
	page := image.NewGray(image.Rect(0, 0, mmToPx(sheetWmm), mmToPx(sheetHmm)))
	draw.Draw(page, page.Bounds(), image.White, image.Point{}, draw.Src)
	put := func(kind, s string, img *image.Gray, x, y int) {
		draw.Draw(page, img.Bounds().Add(image.Pt(x, y)), img, image.Point{}, draw.Src)
		b := img.Bounds()
		lay.Elements = append(lay.Elements, Element{Kind: kind, Text: s,
			Box: Box{round1(pxToMM(x)), round1(pxToMM(y)), round1(pxToMM(b.Dx())), round1(pxToMM(b.Dy()))}})
	}
	qr, err := barcode.QRImage(text, mmToPx(qrModuleMM))
	if err != nil {
		return nil, SheetLayout{}, err
	}
	W, H, e := page.Bounds().Dx(), page.Bounds().Dy(), mmToPx(edgeMM)
	if qr.Bounds().Dx() > int(cornerFrac*float64(W))-e {
		return nil, SheetLayout{}, fmt.Errorf("batch: Trennblatt-Inhalt passt nicht auf das Blatt")
	}
	// The Code 128 carries the whole payload when it fits beside the
	// largest QR code the corner square holds (about 15 characters),
	// otherwise the bare command: the QR codes carry the rest.
	barText := text
	bar, err := barcode.Code128Image(barText, mmToPx(barModMM), mmToPx(barHeight))
	if err == nil && bar.Bounds().Dx() > W-2*e-int(cornerFrac*float64(W)) {
		barText = SeparatorCommand
		bar, err = barcode.Code128Image(barText, mmToPx(barModMM), mmToPx(barHeight))
	}
	if err != nil {
		return nil, SheetLayout{}, err
	}
	put("qr", text, qr, e, e)
	// The second QR code is turned by 90° against the first, so the two
	// never lie the same way in a scan: a reader that misses a code in one
	// orientation (gozxing did, once in 12 test orientations) still has
	// the other.
	put("qr", text, rotate90(qr), W-e-qr.Bounds().Dx(), H-e-qr.Bounds().Dy())
	put("code128", barText, bar, W-e-bar.Bounds().Dx(), e)
	put("code128", barText, bar, e, H-e-bar.Bounds().Dy())

	bold, err := face(gobold.TTF)
	if err != nil {
		return nil, SheetLayout{}, err
	}
	// The title is as large as fits in the width between the margins.
	const title = "Trennblatt – eingang"
	size := 72.0
	if w := measure(bold, size, title); w > float64(W-4*e) {
		size *= float64(W-4*e) / w
	}
	y := H*2/5 - mmToPx(10)
	if err := drawText(page, gobold.TTF, size, title, y, &lay); err != nil {
		return nil, SheetLayout{}, err
	}
	y += mmToPx(25)
	for _, l := range textLines(p) {
		if err := drawText(page, goregular.TTF, 20, l, y, &lay); err != nil {
			return nil, SheetLayout{}, err
		}
		y += mmToPx(12)
	}
	// A thick rule under the text makes the sheet known at a glance
	// when a stack is sorted; it stays clear of the corner squares.
	rule := image.Rect(2*e, H*3/5, W-2*e, H*3/5+mmToPx(4))
	draw.Draw(page, rule, image.Black, image.Point{}, draw.Src)
	lay.Elements = append(lay.Elements, Element{Kind: "rule", Box: Box{round1(pxToMM(rule.Min.X)), round1(pxToMM(rule.Min.Y)), round1(pxToMM(rule.Dx())), round1(pxToMM(rule.Dy()))}})
	return page, lay, nil
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

func face(ttf []byte) (*opentype.Font, error) {
	f, err := opentype.Parse(ttf)
	if err != nil {
		return nil, fmt.Errorf("batch: font: %w", err)
	}
	return f, nil
}

func measure(f *opentype.Font, size float64, s string) float64 {
	fc, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: sheetDPI, Hinting: font.HintingNone})
	if err != nil {
		return 0
	}
	defer fc.Close()
	return float64(font.MeasureString(fc, s)) / 64
}

// drawText centres one line horizontally with its baseline at y.
func drawText(page *image.Gray, ttf []byte, size float64, s string, y int, lay *SheetLayout) error {
	f, err := face(ttf)
	if err != nil {
		return err
	}
	fc, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: sheetDPI, Hinting: font.HintingFull})
	if err != nil {
		return fmt.Errorf("batch: font: %w", err)
	}
	defer fc.Close()
	w := font.MeasureString(fc, s).Ceil()
	x := (page.Bounds().Dx() - w) / 2
	d := &font.Drawer{Dst: page, Src: image.Black, Face: fc, Dot: fixed.P(x, y)}
	d.DrawString(s)
	m := fc.Metrics()
	top := y - m.Ascent.Ceil()
	lay.Elements = append(lay.Elements, Element{Kind: "text", Text: s,
		Box: Box{round1(pxToMM(x)), round1(pxToMM(top)), round1(pxToMM(w)), round1(pxToMM(m.Ascent.Ceil() + m.Descent.Ceil()))}})
	return nil
}

// SheetImage returns the separator sheet for p as a 300 dpi picture and
// its layout; the batch tests scan it as a printer would print it.
func SheetImage(p SeparatorPayload) (*image.Gray, SheetLayout, error) { return sheet(p) }

// RenderSeparator returns a printable one-page A4 PDF of the separator
// sheet for p. The page is one lossless 300 dpi image, written by the
// same image-to-PDF code as scanned pages, so the sheet prints exactly as
// the detector expects it.
func RenderSeparator(ctx context.Context, p SeparatorPayload) ([]byte, SheetLayout, error) {
	if err := ctx.Err(); err != nil {
		return nil, SheetLayout{}, err
	}
	img, lay, err := sheet(p)
	if err != nil {
		return nil, SheetLayout{}, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, SheetLayout{}, fmt.Errorf("batch: %w", err)
	}
	pi, err := pdf.ReadPNG(buf.Bytes(), pdf.Limits{MaxPixels: 1 << 30})
	if err != nil {
		return nil, SheetLayout{}, fmt.Errorf("batch: %w", err)
	}
	pi.DPIX, pi.DPIY = sheetDPI, sheetDPI
	return pdf.ImagesToPDF([]*pdf.Image{pi}), lay, nil
}
