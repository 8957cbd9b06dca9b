package batch

import (
	"image"
	"image/color"
	"testing"
)

// TestShrinkPaths: every fast path gives what the generic one gives.
func TestShrinkPaths(t *testing.T) {
	r := image.Rect(0, 0, 61, 47)
	gray := image.NewGray(r)
	rgba := image.NewRGBA(r)
	ycc := image.NewYCbCr(r, image.YCbCrSubsampleRatio420)
	gen := image.NewGray16(r)
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			v := uint8((x*7 + y*13) % 256)
			gray.SetGray(x, y, color.Gray{Y: v})
			rgba.SetRGBA(x, y, color.RGBA{v, v, v, 255})
			ycc.Y[ycc.YOffset(x, y)] = v
			gen.SetGray16(x, y, color.Gray16{Y: uint16(v) * 257})
		}
	}
	sub := image.Rect(3, 5, 58, 44)
	for _, f := range []int{1, 2, 3, 5} {
		want := shrink(gen, sub, f)
		for name, img := range map[string]image.Image{"gray": gray, "rgba": rgba, "ycbcr": ycc} {
			got := shrink(img, sub, f)
			if got.Bounds() != want.Bounds() || string(got.Pix) != string(want.Pix) {
				t.Errorf("%s, factor %d: differs from the generic path", name, f)
			}
		}
	}
}
