package batch

import (
	"context"
	"fmt"
	"image"
	"strings"

	"github.com/eingang/eingang/internal/barcode"
)

// Detector finds separator sheets and the barcodes of a page.
type Detector struct {
	// Corner reads the QR codes of the corner squares, Band the Code 128
	// of the edge bands, Whole the whole page (see WholePage).
	Corner, Band, Whole barcode.Decoder
	// SeparatorStrings are further barcode texts that mark a separator
	// page (for example "PATCHT" of paperless-ngx's patch sheets), compared
	// exactly after trimming spaces.
	SeparatorStrings []string
	// WholePage also reads the whole page (at the working resolution) when
	// the sheet's corners and bands hold no separator: needed for
	// barcode_fields and for foreign separator sheets whose codes can be
	// anywhere. It costs a multiple of the corner search.
	WholePage bool
}

// NewDetector returns a detector reading with the first of
// barcode.Backends (pure-Go gozxing; see the README for the measurement).
func NewDetector(separatorStrings []string, wholePage bool) *Detector {
	return NewDetectorWith(barcode.Backends()[0], separatorStrings, wholePage)
}

// NewDetectorWith returns a detector reading with the backend b.
func NewDetectorWith(b barcode.Backend, separatorStrings []string, wholePage bool) *Detector {
	return &Detector{
		Corner:           b.New([]barcode.Format{barcode.QR}, false),
		Band:             b.New([]barcode.Format{barcode.Code128}, false),
		Whole:            b.New(nil, true),
		SeparatorStrings: separatorStrings,
		WholePage:        wholePage,
	}
}

// Page is a page prepared for analysis: reduced once to the working
// resolution, so separator search and blank-page test share the work.
type Page struct {
	src    image.Image
	small  *image.Gray
	factor int
}

// Prepare reduces img to the working resolution.
func Prepare(img image.Image) *Page {
	b := img.Bounds()
	f := scaleFor(min(b.Dx(), b.Dy()), workShortSide)
	return &Page{src: img, small: shrink(img, b, f), factor: f}
}

// Small returns the page at the working resolution.
func (p *Page) Small() *image.Gray { return p.small }

// Found is a separator found on a page.
type Found struct {
	Payload SeparatorPayload
	// Text is the barcode text that made the page a separator.
	Text string
	// Codes are the barcodes read on the page.
	Codes []barcode.Code
}

// FindSeparator tells whether img is a separator sheet, and what its
// payload says. See [Detector.FindIn].
func (d *Detector) FindSeparator(ctx context.Context, img image.Image) (SeparatorPayload, bool, error) {
	f, ok, err := d.FindIn(ctx, Prepare(img))
	return f.Payload, ok, err
}

// FindIn looks for a separator only where an eingang sheet's codes can
// be, whichever way up it was scanned: the QR code in the four corner
// squares (the sheet has one in two opposite corners, so a turned sheet
// still has one in some corner), then the Code 128 in the four edge bands
// at twice the working resolution. A code that is not a separator payload
// (a parcel label, a payment QR code on a letter) does not make the page a
// separator. With WholePage set, the whole page is read last.
func (d *Detector) FindIn(ctx context.Context, p *Page) (Found, bool, error) {
	var all []barcode.Code
	try := func(dec barcode.Decoder, img *image.Gray) (Found, bool, error) {
		if dec == nil {
			return Found{}, false, nil
		}
		codes, err := dec.Decode(ctx, img)
		if err != nil {
			return Found{}, false, fmt.Errorf("batch: Barcode lesen: %w", err)
		}
		all = append(all, codes...)
		for _, c := range codes {
			if f, ok := d.separator(c.Text); ok {
				f.Codes = all
				return f, true, nil
			}
		}
		return Found{}, false, nil
	}
	g := p.small
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	side := int(cornerFrac * float64(min(w, h)))
	corners := []image.Rectangle{
		image.Rect(0, 0, side, side), image.Rect(w-side, h-side, w, h),
		image.Rect(w-side, 0, w, side), image.Rect(0, h-side, side, h),
	}
	for _, r := range corners {
		if f, ok, err := try(d.Corner, crop(g, r)); ok || err != nil {
			return f, ok, err
		}
	}
	// The bar code is 0.5 mm per module: at the working resolution that
	// is two pixels, too few after JPEG and noise, so the bands are read
	// at half the reduction.
	sb := p.src.Bounds()
	f2 := max(1, p.factor/2)
	long := max(sb.Dx(), sb.Dy())
	band := int(0.13 * float64(long))
	var bands []image.Rectangle
	portrait := sb.Dy() >= sb.Dx()
	if portrait {
		bands = []image.Rectangle{
			image.Rect(sb.Min.X, sb.Min.Y, sb.Max.X, sb.Min.Y+band),
			image.Rect(sb.Min.X, sb.Max.Y-band, sb.Max.X, sb.Max.Y),
		}
	} else {
		bands = []image.Rectangle{
			image.Rect(sb.Min.X, sb.Min.Y, sb.Min.X+band, sb.Max.Y),
			image.Rect(sb.Max.X-band, sb.Min.Y, sb.Max.X, sb.Max.Y),
		}
	}
	for _, r := range bands {
		img := shrink(p.src, r, f2)
		if !portrait {
			img = rotate90(img)
		}
		if f, ok, err := try(d.Band, img); ok || err != nil {
			return f, ok, err
		}
	}
	if d.WholePage {
		if f, ok, err := try(d.Whole, g); ok || err != nil {
			return f, ok, err
		}
	}
	return Found{Codes: all}, false, nil
}

func (d *Detector) separator(text string) (Found, bool) {
	if p, err := Parse(text); err == nil {
		return Found{Payload: p, Text: text}, true
	}
	t := strings.TrimSpace(text)
	for _, s := range d.SeparatorStrings {
		if s != "" && t == strings.TrimSpace(s) {
			return Found{Text: text}, true
		}
	}
	return Found{}, false
}

// Analyze prepares img once and tells what [Plan] needs to know of it:
// separator or not, blank or not, and the barcodes read on the way.
func (d *Detector) Analyze(ctx context.Context, img image.Image) (PageInfo, error) {
	p := Prepare(img)
	f, sep, err := d.FindIn(ctx, p)
	if err != nil {
		return PageInfo{}, err
	}
	info := PageInfo{Separator: sep, Payload: f.Payload}
	for _, c := range f.Codes {
		info.Codes = append(info.Codes, c.Text)
	}
	if !sep {
		info.Blank, info.BlankWhy = p.Blank()
	}
	return info, nil
}
