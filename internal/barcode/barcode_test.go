package barcode

import (
	"context"
	"image"
	"image/draw"
	"testing"
)

// TestRoundTrip: what the writers draw, the decoder reads back, also
// when the code sits somewhere on a larger white page.
func TestRoundTrip(t *testing.T) { roundTrip(t, GoZXing{}) }

func roundTrip(t *testing.T, dec Decoder) {
	t.Helper()
	qr, err := QRImage("EINGANG:SEP?profile=stapel&meta.az=12-34", 4)
	if err != nil {
		t.Fatal(err)
	}
	bar, err := Code128Image("EINGANG:SEP", 3, 60)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		img    *image.Gray
		format Format
		text   string
	}{
		{"qr", qr, QR, "EINGANG:SEP?profile=stapel&meta.az=12-34"},
		{"code128", bar, Code128, "EINGANG:SEP"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page := image.NewGray(image.Rect(0, 0, 700, 500))
			draw.Draw(page, page.Bounds(), image.White, image.Point{}, draw.Src)
			draw.Draw(page, tc.img.Bounds().Add(image.Pt(100, 120)), tc.img, image.Point{}, draw.Src)
			codes, err := dec.Decode(context.Background(), page)
			if err != nil {
				t.Fatal(err)
			}
			if len(codes) != 1 || codes[0].Format != tc.format || codes[0].Text != tc.text {
				t.Fatalf("got %+v, want one %s %q", codes, tc.format, tc.text)
			}
		})
	}
}

// TestBlankAndTiny: a white image and one too small for any code yield
// nothing, without an error.
func TestBlankAndTiny(t *testing.T) {
	for _, r := range []image.Rectangle{image.Rect(0, 0, 300, 300), image.Rect(0, 0, 3, 3), image.Rect(0, 0, 1, 500)} {
		g := image.NewGray(r)
		draw.Draw(g, r, image.White, image.Point{}, draw.Src)
		codes, err := GoZXing{}.Decode(context.Background(), g)
		if err != nil || len(codes) != 0 {
			t.Errorf("%v: codes %v, err %v", r, codes, err)
		}
	}
}

// FuzzDecode: garbage pixels never panic the decoder or hang it.
func FuzzDecode(f *testing.F) {
	f.Add(uint16(64), uint16(64), []byte{0, 255, 0, 255})
	f.Add(uint16(200), uint16(31), []byte("EINGANG:SEP"))
	f.Fuzz(func(t *testing.T, w, h uint16, data []byte) {
		w, h = w%400+1, h%400+1
		g := image.NewGray(image.Rect(0, 0, int(w), int(h)))
		for i := range g.Pix {
			if len(data) > 0 {
				g.Pix[i] = data[i%len(data)]
			}
		}
		_, _ = GoZXing{}.Decode(context.Background(), g)
	})
}
