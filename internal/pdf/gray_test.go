package pdf

import (
	"image"
	"image/color"
	"testing"
)

// TestToGrayFastPaths compares the row-copy paths with a pixel-by-pixel
// read through image.Image.At, including sub-images with padded strides
// and non-zero origins (what Go's JPEG decoder returns).
func TestToGrayFastPaths(t *testing.T) {
	gray := image.NewGray(image.Rect(0, 0, 24, 16))
	ycc := image.NewYCbCr(image.Rect(0, 0, 24, 16), image.YCbCrSubsampleRatio420)
	for i := range gray.Pix {
		gray.Pix[i] = byte(i * 13)
	}
	for i := range ycc.Y {
		ycc.Y[i] = byte(i * 7)
	}
	for i := range ycc.Cb {
		ycc.Cb[i], ycc.Cr[i] = 128, 128
	}
	tests := []struct {
		name string
		img  image.Image
	}{
		{"gray whole", gray},
		{"gray padded stride", gray.SubImage(image.Rect(0, 0, 19, 13))},
		{"gray offset", gray.SubImage(image.Rect(3, 2, 21, 15))},
		{"ycbcr padded stride", ycc.SubImage(image.Rect(0, 0, 19, 13))},
		{"ycbcr offset", ycc.SubImage(image.Rect(4, 2, 22, 14))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := toGray(tt.img)
			b := tt.img.Bounds()
			if g.Bounds() != image.Rect(0, 0, b.Dx(), b.Dy()) {
				t.Fatalf("bounds %v, want origin-based %dx%d", g.Bounds(), b.Dx(), b.Dy())
			}
			for y := range b.Dy() {
				for x := range b.Dx() {
					want := color.GrayModel.Convert(tt.img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y
					if d := int(g.GrayAt(x, y).Y) - int(want); d < -1 || d > 1 {
						t.Fatalf("pixel (%d,%d) = %d, want %d", x, y, g.GrayAt(x, y).Y, want)
					}
				}
			}
		})
	}
}
