package batch

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"image"
	"image/draw"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/eingang/eingang/internal/barcode"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func needTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not installed: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
}

var testPayload = SeparatorPayload{Profile: "stapel", Meta: map[string]string{"aktenzeichen": "12-345/2026"}}

// TestSheetLayoutGolden pins what the sheet shows and where: the codes
// only in the corner squares the detector reads, the label in the middle.
func TestSheetLayoutGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    SeparatorPayload
	}{{"plain", SeparatorPayload{}}, {"profile", SeparatorPayload{Profile: "post"}}, {"profile-meta", testPayload}} {
		t.Run(tc.name, func(t *testing.T) {
			_, lay, err := SheetImage(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.MarshalIndent(lay, "", "  ")
			golden := filepath.Join("testdata", "sheet-"+tc.name+".golden.json")
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(bytes.TrimSpace(want), got) {
				t.Errorf("layout differs from %s (run with -update after checking):\n%s", golden, got)
			}
			side := cornerFrac * sheetWmm
			titled := false
			for _, e := range lay.Elements {
				inCorner := (e.Box.X+e.Box.W <= side || e.Box.X >= sheetWmm-side) && (e.Box.Y+e.Box.H <= side || e.Box.Y >= sheetHmm-side)
				inBand := e.Box.Y+e.Box.H <= 0.13*sheetHmm || e.Box.Y >= sheetHmm*0.87
				switch e.Kind {
				case "qr":
					if !inCorner || e.Text != tc.p.String() {
						t.Errorf("QR %+v outside the corners or not carrying %q", e, tc.p.String())
					}
				case "code128":
					if !inBand || !strings.HasPrefix(e.Text, SeparatorCommand) {
						t.Errorf("Code 128 %+v outside the bands", e)
					}
				case "text":
					titled = titled || e.Text == "Trennblatt – eingang"
					if inBand {
						t.Errorf("text %+v in a code band", e)
					}
				}
			}
			if !titled {
				t.Error("no title")
			}
		})
	}
}

// TestRenderSeparatorValid: the PDF passes qpdf and pdfcpu and is one
// A4 page.
func TestRenderSeparatorValid(t *testing.T) {
	needTool(t, "qpdf")
	data, _, err := RenderSeparator(context.Background(), testPayload)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "trennblatt.pdf")
	if err := os.WriteFile(f, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("qpdf", "--check", f).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
	conf := model.NewDefaultConfiguration()
	if err := api.Validate(bytes.NewReader(data), conf); err != nil {
		t.Fatalf("pdfcpu validate: %v", err)
	}
	dims, err := api.PageDims(bytes.NewReader(data), conf)
	if err != nil || len(dims) != 1 || int(dims[0].Width+0.5) != 595 || int(dims[0].Height+0.5) != 842 {
		t.Fatalf("page dims %v, %v; want one A4 page", dims, err)
	}
	if _, _, err := RenderSeparator(context.Background(), SeparatorPayload{Meta: map[string]string{"x": strings.Repeat("y", 400)}}); err == nil {
		t.Error("an overlong payload was rendered")
	}
}

// scanned returns the sheet reduced to dpi, turned by turn degrees and
// with noise, as a scanner would deliver it.
func scanned(t testing.TB, img *image.Gray, dpi, turn int, noise float64, seed uint64) *image.Gray {
	t.Helper()
	g := img
	switch {
	case dpi > sheetDPI:
		g = enlarge(img, dpi/sheetDPI)
	case dpi < sheetDPI:
		g = shrink(img, img.Bounds(), sheetDPI/dpi)
	}
	for range turn / 90 {
		g = rotate90(g)
	}
	r := rand.New(rand.NewPCG(seed, 1))
	out := image.NewGray(g.Bounds())
	for i, v := range g.Pix {
		out.Pix[i] = uint8(max(0, min(255, float64(v)*0.93+10+r.NormFloat64()*noise)))
	}
	return out
}

// enlarge repeats every pixel f times in both directions.
func enlarge(g *image.Gray, f int) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	out := image.NewGray(image.Rect(0, 0, w*f, h*f))
	for y := 0; y < h*f; y++ {
		for x := 0; x < w*f; x++ {
			out.Pix[y*out.Stride+x] = g.Pix[(y/f)*g.Stride+x/f]
		}
	}
	return out
}

func TestFindSeparatorTurned(t *testing.T) {
	sheetImg, _, err := SheetImage(testPayload)
	if err != nil {
		t.Fatal(err)
	}
	d := NewDetector(nil, false)
	for _, dpi := range []int{150, 300, 600} {
		for _, turn := range []int{0, 90, 180, 270} {
			p, ok, err := d.FindSeparator(context.Background(), scanned(t, sheetImg, dpi, turn, 8, uint64(turn)))
			if err != nil || !ok {
				t.Errorf("%d dpi, turned %d°: found %v, err %v", dpi, turn, ok, err)
				continue
			}
			if p.String() != testPayload.String() {
				t.Errorf("%d dpi, turned %d°: payload %q", dpi, turn, p.String())
			}
		}
	}
}

// letter is a page with some text and the given codes at the given
// places, at 150 dpi.
func letter(t testing.TB, codes map[image.Point]*image.Gray) *image.Gray {
	t.Helper()
	page := image.NewGray(image.Rect(0, 0, 1240, 1754))
	draw.Draw(page, page.Bounds(), image.White, image.Point{}, draw.Src)
	f, _ := opentype.Parse(goregular.TTF)
	fc, _ := opentype.NewFace(f, &opentype.FaceOptions{Size: 11, DPI: 150})
	defer fc.Close()
	for i := range 20 {
		d := &font.Drawer{Dst: page, Src: image.Black, Face: fc, Dot: fixed.P(180, 500+i*40)}
		d.DrawString("Sehr geehrte Damen und Herren, anbei die Rechnung Nr. 4711.")
	}
	for at, c := range codes {
		draw.Draw(page, c.Bounds().Add(at), c, image.Point{}, draw.Src)
	}
	return page
}

// TestForeignCodes: a letter with codes that are not separator payloads
// where the sheet's codes would be is no separator, unless a configured
// separator string matches.
func TestForeignCodes(t *testing.T) {
	url, _ := barcode.QRImage("https://www.example.org/rechnung/4711", 4)
	parcel, _ := barcode.Code128Image("JJD00012345678", 3, 60)
	patch, _ := barcode.Code128Image("PATCHT", 3, 60)
	near, _ := barcode.QRImage("EINGANG:SEPARATOR", 4)
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		codes   map[image.Point]*image.Gray
		strings []string
		want    bool
	}{
		{"url qr in a corner", map[image.Point]*image.Gray{{60, 60}: url}, nil, false},
		{"parcel code at the top", map[image.Point]*image.Gray{{600, 60}: parcel}, nil, false},
		{"look-alike payload", map[image.Point]*image.Gray{{60, 60}: near}, nil, false},
		{"patch sheet not configured", map[image.Point]*image.Gray{{300, 60}: patch}, nil, false},
		{"patch sheet configured", map[image.Point]*image.Gray{{300, 60}: patch}, []string{"PATCHT"}, true},
		{"patch sheet anywhere, whole page", map[image.Point]*image.Gray{{300, 900}: patch}, []string{"PATCHT"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDetector(tc.strings, len(tc.strings) > 0)
			_, ok, err := d.FindSeparator(ctx, letter(t, tc.codes))
			if err != nil || ok != tc.want {
				t.Fatalf("found %v, err %v; want %v", ok, err, tc.want)
			}
		})
	}
}

func TestIsBlankSynthetic(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	noisy := func(g *image.Gray) *image.Gray {
		for i, v := range g.Pix {
			g.Pix[i] = uint8(max(0, min(255, float64(v)*0.95+5+r.NormFloat64()*6)))
		}
		return g
	}
	white := image.NewGray(image.Rect(0, 0, 1240, 1754))
	draw.Draw(white, white.Bounds(), image.White, image.Point{}, draw.Src)
	if blank, why := IsBlank(noisy(white)); !blank {
		t.Errorf("noisy white page not blank: %s", why)
	}
	if blank, why := IsBlank(noisy(letter(t, nil))); blank {
		t.Errorf("letter blank: %s", why)
	}
	line := image.NewGray(white.Bounds())
	draw.Draw(line, line.Bounds(), image.White, image.Point{}, draw.Src)
	f, _ := opentype.Parse(goregular.TTF)
	fc, _ := opentype.NewFace(f, &opentype.FaceOptions{Size: 9, DPI: 150})
	(&font.Drawer{Dst: line, Src: image.Black, Face: fc, Dot: fixed.P(400, 900)}).DrawString("Gesehen")
	if blank, why := IsBlank(noisy(line)); blank {
		t.Errorf("one word blank: %s", why)
	}
	if blank, _ := IsBlank(image.NewGray(image.Rect(0, 0, 20, 20))); blank {
		t.Error("a tiny image is not judged blank")
	}
}

// FuzzReader: garbage bytes, decoded as PNG or taken as pixels, never
// panic or hang the separator search and blank test.
func FuzzReader(f *testing.F) {
	f.Add([]byte("\x89PNG\r\n\x1a\n"), uint16(100))
	f.Add(bytes.Repeat([]byte{0, 255, 128}, 400), uint16(37))
	d := NewDetector([]string{"PATCHT"}, true)
	f.Fuzz(func(t *testing.T, data []byte, w uint16) {
		var img image.Image
		if im, _, err := image.Decode(bytes.NewReader(data)); err == nil && im.Bounds().Dx()*im.Bounds().Dy() < 1<<22 {
			img = im
		} else {
			w = w%600 + 1
			g := image.NewGray(image.Rect(0, 0, int(w), len(data)/int(w)+1))
			copy(g.Pix, data)
			img = g
		}
		_, _, _ = d.FindSeparator(context.Background(), img)
		_, _ = IsBlank(img)
	})
}

// TestFindSeparatorByBarCode: with both QR codes unreadable (torn off,
// covered), the Code 128 in the bands still marks the sheet, whichever
// way up. It carries the bare command (a payload with a profile is too
// long for it), so the profile is then lost.
func TestFindSeparatorByBarCode(t *testing.T) {
	for _, tc := range []struct {
		p    SeparatorPayload
		want string
	}{
		{SeparatorPayload{}, SeparatorCommand},
		{SeparatorPayload{Profile: "post"}, SeparatorCommand},
		{testPayload, SeparatorCommand},
	} {
		img, lay, err := SheetImage(tc.p)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range lay.Elements {
			if e.Kind == "qr" {
				r := image.Rect(mmToPx(e.Box.X), mmToPx(e.Box.Y), mmToPx(e.Box.X+e.Box.W), mmToPx(e.Box.Y+e.Box.H))
				draw.Draw(img, r, image.White, image.Point{}, draw.Src)
			}
		}
		d := NewDetector(nil, false)
		for _, turn := range []int{0, 90, 180, 270} {
			p, ok, err := d.FindSeparator(context.Background(), scanned(t, img, 150, turn, 6, 9))
			if err != nil || !ok || p.String() != tc.want {
				t.Errorf("%q turned %d°: found %v (%q), err %v; want %q", tc.p.String(), turn, ok, p.String(), err, tc.want)
			}
		}
	}
}
