package ocr

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/eingang/eingang/internal/ocr/ocrtest"
	"github.com/eingang/eingang/internal/pdf"
	"github.com/eingang/eingang/internal/testenv"
)

func newTestEngine(t *testing.T) *Engine {
	t.Helper()
	e, err := New(Config{Workers: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func checkOutput(t *testing.T, path string) string {
	t.Helper()
	if out, err := exec.Command("qpdf", "--check", path).CombinedOutput(); err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors") {
		t.Errorf("qpdf --check: %v\n%s", err, out)
	}
	api.DisableConfigDir()
	conf := model.NewDefaultConfiguration()
	if err := api.ValidateFile(path, conf); err != nil {
		t.Errorf("pdfcpu validate: %v", err)
	}
	out, err := exec.Command("pdftotext", "-q", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func pageRotations(t *testing.T, path string) []int {
	t.Helper()
	doc, err := pdf.Open(context.Background(), path, pdf.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var r []int
	for _, p := range doc.Pages {
		r = append(r, p.Rotate)
	}
	return r
}

// TestProcessCorpus recognises a few corpus scans (upright and upside
// down, PDF and TIFF) with real Tesseract and checks them against the
// truth files.
func TestProcessCorpus(t *testing.T) {
	scans := testenv.Corpus(t, "scans")
	e := newTestEngine(t)
	tests := []struct {
		name   string
		maxCER float64
	}{
		{"scan-0031", 0.30}, // PDF, page 2 upside down
		{"scan-0003", 0.30}, // TIFF, JPEG strips, poor tier
		{"scan-0039", 0.30}, // TIFF, both pages upside down
	}
	var wg sync.WaitGroup
	for _, tt := range tests {
		wg.Add(1)
		// Documents run concurrently through the one engine.
		go func() {
			defer wg.Done()
			t.Run(tt.name, func(t *testing.T) {
				tr := loadTruth(t, tt.name)
				in := filepath.Join(scans, tr.File)
				out := filepath.Join(t.TempDir(), "out.pdf")
				res, err := e.Process(context.Background(), in, out)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Pages) != len(tr.Pages) {
					t.Fatalf("pages = %d, want %d", len(res.Pages), len(tr.Pages))
				}
				rots := pageRotations(t, out)
				for i, p := range res.Pages {
					want := 0
					if tr.Pages[i].Rotation.UpsideDown {
						want = 180
					}
					if p.RotationDeg != want || rots[i] != want {
						t.Errorf("page %d: rotation %d, /Rotate %d, want %d", i+1, p.RotationDeg, rots[i], want)
					}
					if d := p.SkewDeg - tr.Pages[i].Rotation.SkewDeg; d > 0.3 || d < -0.3 {
						t.Errorf("page %d: skew %.2f, truth %.2f", i+1, p.SkewDeg, tr.Pages[i].Rotation.SkewDeg)
					}
					c := ocrtest.CER(res.Layout.Pages[i].Text(), tr.Pages[i].ReferenceTextRaw)
					t.Logf("page %d: rotation %d skew %.2f conf %.1f second %v CER %.3f", i+1, p.RotationDeg, p.SkewDeg, p.MeanConfidence, p.SecondPass, c)
					if c > tt.maxCER {
						t.Errorf("page %d: CER %.3f > %.2f", i+1, c, tt.maxCER)
					}
					lp := res.Layout.Pages[i]
					if lp.Width != p.Width || lp.Height != p.Height || lp.DPI != 300 || len(lp.Words) < 5 {
						t.Errorf("page %d: layout %d×%d@%d with %d words", i+1, lp.Width, lp.Height, lp.DPI, len(lp.Words))
					}
					for _, w := range lp.Words {
						if w.Block < 1 || w.Line < 1 || w.X0 < 0 || w.Y0 < 0 || w.X1 > lp.Width || w.Y1 > lp.Height || w.X1 < w.X0 {
							t.Errorf("page %d: bad word %+v", i+1, w)
							break
						}
					}
				}
				text := checkOutput(t, out)
				num := tr.Fields["invoice_number"]
				if !strings.Contains(res.Text(), num) || !strings.Contains(text, num) {
					t.Errorf("invoice number %q not in the text", num)
				}
				// The visible pages are the original images, byte for byte.
				got := pdfimagesHashes(t, out)
				for i, p := range res.Pages {
					if i >= len(got) || got[i] != p.ImageSHA256 {
						t.Errorf("page %d: image hash %v, PageInfo says %s", i+1, got, p.ImageSHA256)
					}
				}
				if strings.HasSuffix(tr.File, ".pdf") {
					if in := pdfimagesHashes(t, in); strings.Join(in, ",") != strings.Join(got, ",") {
						t.Errorf("images differ from the input:\n in %v\nout %v", in, got)
					}
				}
			})
		}()
	}
	wg.Wait()
}

// TestProcessSideways feeds a page turned by 90°.
func TestProcessSideways(t *testing.T) {
	scans := testenv.Corpus(t, "scans")
	tr := loadTruth(t, "scan-0003")
	doc, err := pdf.Open(context.Background(), filepath.Join(scans, tr.File), pdf.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	g, err := doc.Pages[0].Image.Gray(pdf.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	// Turn clockwise by 90°: upright needs 270° more.
	m, w, h := toSource(g.Bounds().Dx(), g.Bounds().Dy(), 90, 0)
	side := warp(g, m, w, h)
	if w != g.Bounds().Dy() {
		t.Fatalf("turned width %d", w)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "side.png")
	var buf bytes.Buffer
	if err := png.Encode(&buf, side); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(in, buf.Bytes(), 0o644)
	e := newTestEngine(t)
	out := filepath.Join(dir, "out.pdf")
	res, err := e.Process(context.Background(), in, out)
	if err != nil {
		t.Fatal(err)
	}
	if res.Pages[0].RotationDeg != 270 || pageRotations(t, out)[0] != 270 {
		t.Errorf("rotation %d, want 270", res.Pages[0].RotationDeg)
	}
	if lp := res.Layout.Pages[0]; lp.Width != g.Bounds().Dx() || lp.Height != g.Bounds().Dy() {
		t.Errorf("upright layout is %d×%d, want %d×%d", lp.Width, lp.Height, g.Bounds().Dx(), g.Bounds().Dy())
	}
	text := checkOutput(t, out)
	if num := tr.Fields["invoice_number"]; !strings.Contains(text, num) {
		t.Errorf("invoice number %q not found in %q", num, text)
	}
}

// TestProcessMixed keeps a born-digital page and recognises a scanned one.
func TestProcessMixed(t *testing.T) {
	scans := testenv.Corpus(t, "scans")
	born := filepath.Join(testenv.RepoRoot(t), "..", "shared", "corpus", "einvoice", "files", "zugferd-corpus", "ZUGFeRDv1", "correct", "Intarsys", "ZUGFeRD_1p0_COMFORT_Kraftfahrversicherung_Bruttopreise.pdf")
	if _, err := os.Stat(born); err != nil {
		t.Skipf("born-digital sample missing: %v", err)
	}
	dir := t.TempDir()
	mixed := filepath.Join(dir, "mixed.pdf")
	if out, err := exec.Command("qpdf", "--empty", "--pages", born, filepath.Join(scans, "scan-0031.pdf"), "1", "--", mixed).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v %s", err, out)
	}
	e := newTestEngine(t)
	out := filepath.Join(dir, "out.pdf")
	res, err := e.Process(context.Background(), mixed, out)
	if err != nil {
		t.Fatal(err)
	}
	if res.Pages[0].Source != "text" || res.Pages[1].Source != "ocr" {
		t.Fatalf("sources %q %q, want text ocr", res.Pages[0].Source, res.Pages[1].Source)
	}
	if len(res.Layout.Pages[0].Words) < 20 || res.Layout.Pages[0].Words[0].Line < 1 {
		t.Errorf("born-digital page has %d words", len(res.Layout.Pages[0].Words))
	}
	text := checkOutput(t, out)
	bornText, _ := exec.Command("pdftotext", "-q", "-l", "1", born, "-").Output()
	first := strings.Fields(string(bornText))
	if len(first) == 0 || !strings.Contains(text, first[0]) {
		t.Errorf("born-digital text lost")
	}
	if num := loadTruth(t, "scan-0031").Fields["invoice_number"]; !strings.Contains(text, num) {
		t.Errorf("invoice number %q not in OCR page", num)
	}
}

func TestProcessBadInput(t *testing.T) {
	scans := testenv.Corpus(t, "scans")
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		return p
	}
	enc := filepath.Join(dir, "enc.pdf")
	if out, err := exec.Command("qpdf", "--encrypt", "geheim", "geheim", "256", "--", filepath.Join(scans, "scan-0002.pdf"), enc).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v %s", err, out)
	}
	var one bytes.Buffer
	png.Encode(&one, image.NewGray(image.Rect(0, 0, 1, 1)))
	tif, _ := os.ReadFile(filepath.Join(scans, "scan-0003.tif"))
	lying := bytes.Clone(tif)
	off := int(lying[4]) | int(lying[5])<<8 | int(lying[6])<<16 | int(lying[7])<<24
	lying[off+2+8], lying[off+2+9] = 0x20, 0x4E // width 20000
	lying[off+14+8], lying[off+14+9] = 0x20, 0x4E
	e := newTestEngine(t)
	tests := []struct {
		name string
		path string
		want error
	}{
		{"encrypted", enc, ErrEncrypted},
		{"empty file", write("empty.pdf", nil), ErrUnsupportedFormat},
		{"1x1 png", write("one.png", one.Bytes()), ErrImageTooSmall},
		{"tiff lying about its size", write("lying.tif", lying), ErrImageTooLarge},
		{"text file", write("x.pdf", []byte("not a pdf")), ErrUnsupportedFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Process(context.Background(), tt.path, filepath.Join(dir, "out.pdf"))
			if !errors.Is(err, tt.want) || !isPermanent(err) || clerkMessage(err) == "" {
				t.Fatalf("err = %v, want %v (permanent, with clerk message)", err, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "out.pdf")); err == nil {
		t.Error("output written for bad input")
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantKey string
	}{
		{"zero is valid", Config{}, ""},
		{"deu+eng", Config{Languages: "deu+eng"}, ""},
		{"bad languages", Config{Languages: "deu eng"}, "languages:"},
		{"psm osd only", Config{PSM: 2}, "psm:"},
		{"oem", Config{OEM: 7}, "oem:"},
		{"workers", Config{Workers: -1}, "workers:"},
		{"timeout", Config{PageTimeout: 1}, "page_timeout:"},
		{"rss", Config{RecycleRSSMB: 10}, "recycle_rss_mb:"},
		{"pixels", Config{MaxPixels: 10}, "max_pixels:"},
		{"dpi", Config{RasterDPI: 1200}, "raster_dpi:"},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		switch {
		case tt.wantKey == "" && err != nil:
			t.Errorf("%s: unexpected %v", tt.name, err)
		case tt.wantKey != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantKey)):
			t.Errorf("%s: err = %v, want %s…", tt.name, err, tt.wantKey)
		}
	}
	if _, err := New(Config{Languages: "xxx"}, nil); err == nil || !strings.Contains(err.Error(), "languages:") {
		t.Errorf("New with missing language: %v", err)
	}
}

// TestWarpQuarterTurnExact checks the gather path for pure turns against
// the pixel each output centre maps to, and against the bilinear path
// (a translation of 1e-9 px forces it and must not change any pixel).
func TestWarpQuarterTurnExact(t *testing.T) {
	const w, h = 37, 23
	src := image.NewGray(image.Rect(0, 0, w, h))
	for i := range src.Pix {
		src.Pix[i] = uint8(i*7919 + i/w*31)
	}
	for _, rot := range []int{0, 90, 180, 270} {
		m, uw, uh := toSource(w, h, rot, 0)
		if !quarterTurn(m) {
			t.Fatalf("rot %d: %v not recognised as a quarter turn", rot, m)
		}
		got := warp(src, m, uw, uh)
		nudged := m
		nudged[4] += 1e-9
		bil := warp(src, nudged, uw, uh)
		for y := range uh {
			for x := range uw {
				sx, sy := m.Apply(float64(x)+0.5, float64(y)+0.5)
				want := src.GrayAt(int(sx), int(sy)).Y
				if g := got.GrayAt(x, y).Y; g != want {
					t.Fatalf("rot %d (%d,%d): got %d, want %d", rot, x, y, g, want)
				}
				if b := bil.GrayAt(x, y).Y; b != want {
					t.Fatalf("rot %d (%d,%d): bilinear %d, want %d", rot, x, y, b, want)
				}
			}
		}
	}
	if m, _, _ := toSource(w, h, 90, 0.5); quarterTurn(m) {
		t.Error("skewed matrix taken for a quarter turn")
	}
}

func BenchmarkWarpHalfTurn(b *testing.B) {
	src := image.NewGray(image.Rect(0, 0, 2480, 3508))
	buf := make([]byte, len(src.Pix))
	for _, c := range []struct {
		name string
		skew float64
	}{{"gather", 0}, {"bilinear", 0.01}} {
		m, uw, uh := toSource(2480, 3508, 180, c.skew)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				warpInto(buf, src, m, uw, uh)
			}
		})
	}
}
