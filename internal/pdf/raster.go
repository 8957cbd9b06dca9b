package pdf

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/bmp"
	"golang.org/x/image/webp"
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
	gray := cfg.ColorModel == color.GrayModel || cfg.ColorModel == color.Gray16Model
	img := flateImage(src, gray)
	img.DPIX, img.DPIY = pngDPI(data)
	return img, nil
}

// ReadDecoded reads a GIF (its first frame), BMP or WebP image. These
// formats are photos and screenshots from phones and office work rather
// than scans: they are decoded once and stored losslessly (Flate), since
// PDF has no filter that takes their bytes as they are.
func ReadDecoded(data []byte, format Format, lim Limits) (img *Image, err error) {
	// The x/image decoders are young compared with image/png; a hostile
	// file must end as an error, not take the worker down.
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, format, r)
		}
	}()
	var decodeConfig func(io.Reader) (image.Config, error)
	var decode func(io.Reader) (image.Image, error)
	switch format {
	case FormatGIF:
		decodeConfig, decode = gif.DecodeConfig, gif.Decode
	case FormatBMP:
		decodeConfig, decode = bmp.DecodeConfig, bmp.Decode
	case FormatWebP:
		decodeConfig, decode = webp.DecodeConfig, webp.Decode
	default:
		return nil, fmt.Errorf("%w: %s", ErrUnsupportedFormat, format)
	}
	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, format, err)
	}
	if err := lim.check(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	src, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, format, err)
	}
	return flateImage(src, isGray(src)), nil
}

// isGray reports whether every pixel of src is gray (GIF and BMP carry
// gray scans in palettes).
func isGray(src image.Image) bool {
	switch s := src.(type) {
	case *image.Gray, *image.Gray16:
		return true
	case *image.Paletted:
		for _, c := range s.Palette {
			r, g, b, _ := c.RGBA()
			if r != g || g != b {
				return false
			}
		}
		return true
	}
	return false
}

// flateImage stores src as 8-bit gray or RGB samples (alpha flattened onto
// white) for a Flate stream.
func flateImage(src image.Image, gray bool) *Image {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	img := &Image{Width: w, Height: h, BitsPerComponent: 8, Filter: FilterFlate}
	if gray {
		raw := make([]byte, 0, w*h)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				v, _, _, a := src.At(x, y).RGBA()
				raw = append(raw, byte((v+(0xFFFF-a))>>8))
			}
		}
		img.Components, img.Data = 1, deflate(raw)
		return img
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
	return img
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
