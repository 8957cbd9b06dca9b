package pdf

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
)

// ReadJPEG wraps a JPEG file as a page image without touching its bytes.
func ReadJPEG(data []byte, lim Limits) (*Image, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: jpeg: %v", ErrCorrupt, err)
	}
	if err := lim.check(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	img := &Image{Width: cfg.Width, Height: cfg.Height, BitsPerComponent: 8, Filter: FilterDCT, Data: data}
	switch cfg.ColorModel {
	case color.GrayModel:
		img.Components = 1
	case color.CMYKModel:
		// Adobe writes inverted CMYK in JPEG; PDF needs /Decode to match.
		img.Components, img.Invert = 4, hasAdobeMarker(data)
	default:
		img.Components = 3
	}
	img.DPIX, img.DPIY = jfifDPI(data)
	return img, nil
}

// jfifDPI reads the density of a JFIF APP0 segment; scanners write it.
func jfifDPI(data []byte) (float64, float64) {
	if len(data) > 20 && data[2] == 0xFF && data[3] == 0xE0 && string(data[6:11]) == "JFIF\x00" {
		unit := data[13]
		x, y := float64(binary.BigEndian.Uint16(data[14:])), float64(binary.BigEndian.Uint16(data[16:]))
		switch {
		case unit == 1 && x > 0 && y > 0:
			return x, y
		case unit == 2 && x > 0 && y > 0:
			return x * 2.54, y * 2.54
		}
	}
	return defaultScanDPI, defaultScanDPI
}

func hasAdobeMarker(data []byte) bool {
	return bytes.Contains(data[:min(len(data), 64*1024)], []byte("Adobe"))
}

// ReadPNG decodes a PNG and stores its samples losslessly as Flate (8-bit
// gray or RGB; transparency is flattened onto white paper).
func ReadPNG(data []byte, lim Limits) (*Image, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: png: %v", ErrCorrupt, err)
	}
	if err := lim.check(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	src, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: png: %v", ErrCorrupt, err)
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	img := &Image{Width: w, Height: h, BitsPerComponent: 8, Filter: FilterFlate}
	img.DPIX, img.DPIY = pngDPI(data)
	gray := false
	switch cfg.ColorModel {
	case color.GrayModel, color.Gray16Model:
		gray = true
	}
	if gray {
		raw := make([]byte, 0, w*h)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				raw = append(raw, color.GrayModel.Convert(src.At(x, y)).(color.Gray).Y)
			}
		}
		img.Components, img.Data = 1, deflate(raw)
		return img, nil
	}
	raw := make([]byte, 0, w*h*3)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, a := src.At(x, y).RGBA()
			// Flatten premultiplied colour onto white.
			r, g, bb = r+(0xFFFF-a), g+(0xFFFF-a), bb+(0xFFFF-a)
			raw = append(raw, byte(r>>8), byte(g>>8), byte(bb>>8))
		}
	}
	img.Components, img.Data = 3, deflate(raw)
	return img, nil
}

// pngDPI reads the pHYs chunk (pixels per metre).
func pngDPI(data []byte) (float64, float64) {
	for p := 8; p+12 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[p:]))
		typ := string(data[p+4 : p+8])
		if n < 0 || p+12+n > len(data) {
			break
		}
		if typ == "pHYs" && n == 9 && data[p+16] == 1 {
			x, y := float64(binary.BigEndian.Uint32(data[p+8:])), float64(binary.BigEndian.Uint32(data[p+12:]))
			if x > 0 && y > 0 {
				return x * 0.0254, y * 0.0254
			}
		}
		if typ == "IDAT" {
			break
		}
		p += 12 + n
	}
	return defaultScanDPI, defaultScanDPI
}

var _ image.Image = (*image.Gray)(nil)
