package pdf

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"

	"golang.org/x/image/ccitt"
)

// PDF filter names an [Image] can carry.
const (
	FilterDCT   = "DCTDecode"
	FilterCCITT = "CCITTFaxDecode"
	FilterFlate = "FlateDecode"
	FilterNone  = "" // raw samples, only used in memory
)

// Image is one page image: the encoded bytes exactly as they will be (or
// are) stored in the PDF, and the parameters of its image XObject.
type Image struct {
	Width, Height    int
	BitsPerComponent int
	// Components is 1 (DeviceGray), 3 (DeviceRGB) or 4 (DeviceCMYK).
	Components int
	Filter     string
	// K, EncodedByteAlign are the CCITTFaxDecode parameters (K < 0: G4).
	K                int
	EncodedByteAlign bool
	// Predictor is the FlateDecode /Predictor (2: TIFF, 10–15: PNG; 0 or
	// 1: none). Its /Colors, /BitsPerComponent and /Columns are those of
	// the image: an image read from a PDF keeps its Flate stream byte for
	// byte only when they are.
	Predictor int
	// Invert means /Decode [1 0 ...]: the stored samples are inverted
	// (TIFF WhiteIsZero gray, BlackIsZero CCITT, Adobe CMYK JPEG).
	Invert bool
	Data   []byte
	// DPIX and DPIY are the resolution the scanner recorded; 0 if unknown.
	DPIX, DPIY float64
	// Rotate is the clockwise /Rotate, in degrees, of the page that
	// [ImagesToPDF] shows the image on: a batch page the scanner marked
	// as turned shows the same way in its part. The samples are not
	// turned; readers of the image (Gray) ignore it.
	Rotate int
}

// ColorSpace returns the PDF device colour space name.
func (im *Image) ColorSpace() string {
	switch im.Components {
	case 3:
		return "DeviceRGB"
	case 4:
		return "DeviceCMYK"
	}
	return "DeviceGray"
}

// Pixels returns Width×Height.
func (im *Image) Pixels() int64 { return int64(im.Width) * int64(im.Height) }

// Limits bound the work spent on one input.
type Limits struct {
	// MaxPixels refuses page images with more pixels (decompression bombs).
	MaxPixels int64
	// MinSide refuses page images narrower or lower than this many pixels.
	MinSide int
	// MaxPages refuses documents with more pages.
	MaxPages int
}

func (l Limits) check(w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%w: image size %d×%d", ErrCorrupt, w, h)
	}
	if l.MaxPixels > 0 && int64(w)*int64(h) > l.MaxPixels {
		return fmt.Errorf("%w: %d×%d pixels, limit %d", ErrImageTooLarge, w, h, l.MaxPixels)
	}
	if w < l.MinSide || h < l.MinSide {
		return fmt.Errorf("%w: %d×%d pixels", ErrImageTooSmall, w, h)
	}
	return nil
}

// Gray decodes the image into 8-bit gray for recognition. The result is
// independent of the encoded bytes, which stay untouched.
func (im *Image) Gray(lim Limits) (*image.Gray, error) {
	if err := lim.check(im.Width, im.Height); err != nil {
		return nil, err
	}
	var g *image.Gray
	switch im.Filter {
	case FilterDCT:
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(im.Data))
		if err != nil {
			return nil, fmt.Errorf("%w: jpeg: %v", ErrCorrupt, err)
		}
		if cfg.Width != im.Width || cfg.Height != im.Height {
			return nil, fmt.Errorf("%w: jpeg is %d×%d, container says %d×%d", ErrCorrupt, cfg.Width, cfg.Height, im.Width, im.Height)
		}
		src, err := jpeg.Decode(bytes.NewReader(im.Data))
		if err != nil {
			return nil, fmt.Errorf("%w: jpeg: %v", ErrCorrupt, err)
		}
		g = toGray(src)
		// Go's decoder already undoes Adobe's CMYK inversion.
		if im.Components == 4 {
			return g, nil
		}
	case FilterCCITT:
		g = image.NewGray(image.Rect(0, 0, im.Width, im.Height))
		sf := ccitt.Group4
		if im.K >= 0 {
			sf = ccitt.Group3
		}
		err := ccitt.DecodeIntoGray(g, bytes.NewReader(im.Data), ccitt.MSB, sf, &ccitt.Options{Align: im.EncodedByteAlign})
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: ccitt: %v", ErrCorrupt, err)
		}
	case FilterFlate, FilterNone:
		// Rows are converted as they are inflated: a 9000×9000 RGB scan
		// would otherwise hold 243 MB of samples next to its gray copy.
		var r io.Reader = bytes.NewReader(im.Data)
		if im.Filter == FilterFlate {
			zr, err := zlib.NewReader(r)
			if err != nil {
				return nil, fmt.Errorf("%w: flate: %v", ErrCorrupt, err)
			}
			if r, err = newPredictorReader(zr, im.Predictor, im.Components, im.BitsPerComponent, im.Width); err != nil {
				return nil, err
			}
		}
		var err error
		if g, err = rowsToGray(r, im.Width, im.Height, im.Components, im.BitsPerComponent); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: filter %s", ErrUnsupportedFormat, im.Filter)
	}
	if im.Invert {
		for i, v := range g.Pix {
			g.Pix[i] = 255 - v
		}
	}
	return g, nil
}

func (im *Image) rowBytes() int {
	return (im.Width*im.Components*im.BitsPerComponent + 7) / 8
}

// rowsToGray reads h rows of samples from r and converts them to gray.
func rowsToGray(r io.Reader, w, h, comps, bpc int) (*image.Gray, error) {
	switch {
	case bpc == 8 && (comps == 1 || comps == 3 || comps == 4):
	case bpc == 1 && comps == 1:
	default:
		return nil, fmt.Errorf("%w: %d components at %d bits", ErrUnsupportedFormat, comps, bpc)
	}
	g := image.NewGray(image.Rect(0, 0, w, h))
	row := make([]byte, (w*comps*bpc+7)/8)
	for y := 0; y < h; y++ {
		if _, err := io.ReadFull(r, row); err != nil {
			return nil, fmt.Errorf("%w: %d of %d sample rows: %v", ErrCorrupt, y, h, err)
		}
		out := g.Pix[y*w : (y+1)*w]
		switch {
		case comps == 1 && bpc == 8:
			copy(out, row)
		case comps == 3:
			for x := range out {
				r, gg, b := int(row[3*x]), int(row[3*x+1]), int(row[3*x+2])
				out[x] = uint8((299*r + 587*gg + 114*b) / 1000)
			}
		case comps == 4:
			for x := range out {
				c, m, yy, k := int(row[4*x]), int(row[4*x+1]), int(row[4*x+2]), int(row[4*x+3])
				out[x] = uint8(255 - min(255, (299*c+587*m+114*yy)/1000+k))
			}
		default: // 1 bit
			for x := range out {
				if row[x>>3]&(0x80>>(x&7)) != 0 {
					out[x] = 255
				}
			}
		}
	}
	return g, nil
}

// toGray converts any decoded image to 8-bit gray, fast paths first
// because this runs once per page on 8-megapixel scans.
func toGray(src image.Image) *image.Gray {
	b := src.Bounds()
	switch s := src.(type) {
	case *image.Gray:
		if b.Min == (image.Point{}) && s.Stride == b.Dx() {
			return s
		}
		// Go's JPEG decoder pads the stride to whole MCUs: copy rows.
		g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
		for y := 0; y < b.Dy(); y++ {
			copy(g.Pix[y*g.Stride:y*g.Stride+b.Dx()], s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):])
		}
		return g
	case *image.YCbCr:
		g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
		for y := 0; y < b.Dy(); y++ {
			copy(g.Pix[y*g.Stride:y*g.Stride+b.Dx()], s.Y[s.YOffset(b.Min.X, b.Min.Y+y):])
		}
		return g
	}
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			r, gg, bb, _ := src.At(b.Min.X+x, b.Min.Y+y).RGBA()
			g.Pix[y*g.Stride+x] = uint8((299*r + 587*gg + 114*bb) / 1000 >> 8)
		}
	}
	return g
}
