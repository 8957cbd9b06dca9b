package barcode

import (
	"context"
	"fmt"
	"image"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// GoZXing decodes with the pure-Go port of ZXing
// (github.com/makiuchi-d/gozxing): no cgo, no system library.
type GoZXing struct {
	// Formats limits the symbologies tried; empty means QR and Code 128.
	Formats []Format
	// TryHarder makes the readers scan more rows and, for Code 128, the
	// image turned by 90°: slower, for whole pages of unknown layout.
	TryHarder bool
}

// Decode implements [Decoder]. A panic inside the library (it is a port
// of Java code that was not written for hostile input) becomes an error,
// so a garbage page cannot take the service down.
func (z GoZXing) Decode(ctx context.Context, img image.Image) (codes []Code, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g := Gray(img)
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	if w < 8 || h < 8 {
		return nil, nil
	}
	defer func() {
		if r := recover(); r != nil {
			codes, err = nil, fmt.Errorf("barcode: gozxing: %v", r)
		}
	}()
	src, err := gozxing.NewPlanarYUVLuminanceSource(g.Pix, w, h, 0, 0, w, h, false)
	if err != nil {
		return nil, fmt.Errorf("barcode: %w", err)
	}
	formats := z.Formats
	if len(formats) == 0 {
		formats = []Format{QR, Code128}
	}
	hints := map[gozxing.DecodeHintType]interface{}{}
	if z.TryHarder {
		hints[gozxing.DecodeHintType_TRY_HARDER] = true
	}
	for _, f := range formats {
		var r gozxing.Reader
		switch f {
		case QR:
			r = qrcode.NewQRCodeReader()
		case Code128:
			r = oned.NewCode128Reader()
		default:
			return nil, fmt.Errorf("barcode: gozxing cannot read %s", f)
		}
		// Each reader gets its own bitmap: the binarizer caches its
		// matrix, and the 1-D reader wants rows the 2-D one does not.
		bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
		if err != nil {
			return nil, fmt.Errorf("barcode: %w", err)
		}
		res, err := r.Decode(bmp, hints)
		if err != nil {
			// Not found, checksum and format errors all mean the
			// same here: no readable code of this kind.
			continue
		}
		codes = append(codes, Code{Format: f, Text: res.GetText(), Bounds: bounds(res.GetResultPoints())})
	}
	return codes, nil
}

func bounds(pts []gozxing.ResultPoint) image.Rectangle {
	var r image.Rectangle
	for i, p := range pts {
		q := image.Rect(int(p.GetX()), int(p.GetY()), int(p.GetX())+1, int(p.GetY())+1)
		if i == 0 {
			r = q
		} else {
			r = r.Union(q)
		}
	}
	return r
}
