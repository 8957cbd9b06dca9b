// Package barcode reads and writes the barcodes of eingang's separator
// sheets: QR codes and Code 128. Readers sit behind [Decoder], so the
// batch splitter does not depend on one library; the implementation in
// use was chosen by measurement (see the README, "Batch scanning").
package barcode

import (
	"context"
	"image"
	"image/draw"
)

// Format names a barcode symbology.
type Format string

// The symbologies eingang reads.
const (
	QR      Format = "QR"
	Code128 Format = "CODE_128"
)

// Code is one decoded barcode.
type Code struct {
	Format Format
	Text   string
	// Bounds encloses the points the decoder reported, in the
	// coordinates of the image it was given.
	Bounds image.Rectangle
}

// Decoder finds and decodes the barcodes in an image. An image without a
// barcode is no error: it yields no codes.
type Decoder interface {
	Decode(ctx context.Context, img image.Image) ([]Code, error)
}

// Gray returns img as 8-bit grey with its origin at (0,0) and a stride
// equal to its width, copying only when it has to.
func Gray(img image.Image) *image.Gray {
	b := img.Bounds()
	if g, ok := img.(*image.Gray); ok && b.Min == (image.Point{}) && g.Stride == b.Dx() {
		return g
	}
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(g, g.Bounds(), img, b.Min, draw.Src)
	return g
}
