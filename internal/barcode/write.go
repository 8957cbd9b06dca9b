package barcode

import (
	"fmt"
	"image"
	"image/color"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// QRImage draws text as a QR code (error correction level M) with module
// pixels per module and a quiet zone of four modules.
func QRImage(text string, module int) (*image.Gray, error) {
	if module < 1 {
		return nil, fmt.Errorf("barcode: module %d < 1", module)
	}
	hints := map[gozxing.EncodeHintType]interface{}{
		gozxing.EncodeHintType_ERROR_CORRECTION: "M",
		gozxing.EncodeHintType_MARGIN:           4,
		gozxing.EncodeHintType_CHARACTER_SET:    "UTF-8",
	}
	// Size 1 asks for the natural size: one pixel per module.
	m, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, 1, 1, hints)
	if err != nil {
		return nil, fmt.Errorf("barcode: qr: %w", err)
	}
	return scale(m, module, module), nil
}

// Code128Image draws text as Code 128 with module pixels per narrow bar,
// height pixels high and a quiet zone of ten modules on either side.
func Code128Image(text string, module, height int) (*image.Gray, error) {
	if module < 1 || height < 1 {
		return nil, fmt.Errorf("barcode: module %d, height %d", module, height)
	}
	// The quiet zone is added here: the writer's margin hint is split
	// over both sides, which left five modules, half what ISO/IEC 15417
	// asks for and too little beside a letter's print.
	const quiet = 10
	hints := map[gozxing.EncodeHintType]interface{}{gozxing.EncodeHintType_MARGIN: 0}
	m, err := oned.NewCode128Writer().Encode(text, gozxing.BarcodeFormat_CODE_128, 1, 1, hints)
	if err != nil {
		return nil, fmt.Errorf("barcode: code 128: %w", err)
	}
	w := m.GetWidth()
	img := image.NewGray(image.Rect(0, 0, (w+2*quiet)*module, height))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for x := 0; x < w; x++ {
		if !m.Get(x, 0) {
			continue
		}
		for dx := 0; dx < module; dx++ {
			for y := 0; y < height; y++ {
				img.SetGray((quiet+x)*module+dx, y, color.Gray{})
			}
		}
	}
	return img, nil
}

func scale(m *gozxing.BitMatrix, sx, sy int) *image.Gray {
	w, h := m.GetWidth(), m.GetHeight()
	img := image.NewGray(image.Rect(0, 0, w*sx, h*sy))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if !m.Get(x, y) {
				continue
			}
			for dy := 0; dy < sy; dy++ {
				row := img.Pix[(y*sy+dy)*img.Stride:]
				for dx := 0; dx < sx; dx++ {
					row[x*sx+dx] = 0
				}
			}
		}
	}
	return img
}
