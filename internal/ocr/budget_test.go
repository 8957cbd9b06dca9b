package ocr

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/eingang/eingang/internal/ocr/ocrtest"
	"github.com/eingang/eingang/internal/pdf"
	"github.com/eingang/eingang/internal/testenv"
)

// TestRecognitionBudget recognises a page above the recognition budget from
// a downscaled copy: the text must still be read, and every word of the
// text layer must sit where the full-resolution recognition puts it (the
// boxes are mapped back to the source page, also on a turned page).
func TestRecognitionBudget(t *testing.T) {
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
	full := newTestEngine(t)
	small, err := New(Config{Workers: 2, RecognitionPixels: 4_000_000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { small.Close() })
	if px := g.Bounds().Dx() * g.Bounds().Dy(); px < 8_000_000 {
		t.Fatalf("page has %d pixels: too small to exercise a budget of 4 million", px)
	}
	for _, turn := range []int{0, 90} {
		t.Run(map[int]string{0: "upright", 90: "sideways"}[turn], func(t *testing.T) {
			m, w, h := toSource(g.Bounds().Dx(), g.Bounds().Dy(), turn, 0)
			page := warp(g, m, w, h)
			dir := t.TempDir()
			in := filepath.Join(dir, "page.png")
			var buf bytes.Buffer
			if err := png.Encode(&buf, page); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			outFull, outSmall := filepath.Join(dir, "full.pdf"), filepath.Join(dir, "small.pdf")
			rf, err := full.Process(context.Background(), in, outFull)
			if err != nil {
				t.Fatal(err)
			}
			rs, err := small.Process(context.Background(), in, outSmall)
			if err != nil {
				t.Fatal(err)
			}
			if lp := rs.Layout.Pages[0]; int64(lp.Width)*int64(lp.Height) > 4_000_000 {
				t.Errorf("recogniser got %d×%d pixels, budget 4 million", lp.Width, lp.Height)
			}
			if rs.Pages[0].RotationDeg != rf.Pages[0].RotationDeg {
				t.Errorf("rotation %d downscaled, %d at full size", rs.Pages[0].RotationDeg, rf.Pages[0].RotationDeg)
			}
			text := checkOutput(t, outSmall)
			if num := tr.Fields["invoice_number"]; !strings.Contains(text, num) {
				t.Errorf("invoice number %q not read from the downscaled copy", num)
			}
			cf, cs := ocrtest.CER(rf.Text(), tr.Pages[0].ReferenceTextRaw), ocrtest.CER(rs.Text(), tr.Pages[0].ReferenceTextRaw)
			t.Logf("CER %.3f at full size, %.3f downscaled", cf, cs)
			if cs > cf+0.05 {
				t.Errorf("CER %.3f downscaled vs %.3f at full size", cs, cf)
			}
			d, n := wordOffsets(t, outFull, outSmall)
			t.Logf("%d words matched, median offset %.2f pt, 90th percentile %.2f pt", n, d[len(d)/2], d[len(d)*9/10])
			if n < 50 || d[len(d)/2] > 2 || d[len(d)*9/10] > 6 {
				t.Errorf("text layer of the downscaled recognition is misplaced: %d words, median %.2f pt, p90 %.2f pt", n, d[len(d)/2], d[len(d)*9/10])
			}
		})
	}
}

// wordOffsets pairs words of equal text that occur once on the first page
// of both files and returns the sorted distances of their centres in
// points, as poppler reads them.
func wordOffsets(t *testing.T, a, b string) ([]float64, int) {
	t.Helper()
	centres := func(path string) map[string][2]float64 {
		doc, err := pdf.Open(context.Background(), path, pdf.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		pages, err := doc.TextWords(context.Background())
		if err != nil || len(pages) == 0 {
			t.Fatalf("text of %s: %v", path, err)
		}
		m, seen := map[string][2]float64{}, map[string]int{}
		for _, w := range pages[0].Words {
			seen[w.Text]++
			m[w.Text] = [2]float64{(w.XMin + w.XMax) / 2, (w.YMin + w.YMax) / 2}
		}
		for k, n := range seen {
			if n > 1 || len([]rune(k)) < 3 {
				delete(m, k)
			}
		}
		return m
	}
	ca, cb := centres(a), centres(b)
	var d []float64
	// The mean offset shows a mapping error as a shift; x and y are
	// logged separately because line heights legitimately differ a little
	// between resolutions, positions along the line must not.
	var sx, sy float64
	for k, p := range ca {
		if q, ok := cb[k]; ok {
			d = append(d, math.Hypot(p[0]-q[0], p[1]-q[1]))
			sx += q[0] - p[0]
			sy += q[1] - p[1]
		}
	}
	t.Logf("mean offset %+.2f %+.2f", sx/float64(len(d)), sy/float64(len(d)))
	if len(d) == 0 {
		t.Fatal("no common words")
	}
	sort.Float64s(d)
	return d, len(d)
}

func TestFitDPI(t *testing.T) {
	a4 := pdf.Page{MediaBox: [4]float64{0, 0, 595, 842}}
	a0 := pdf.Page{MediaBox: [4]float64{0, 0, 2384, 3370}}
	for _, tc := range []struct {
		name   string
		page   pdf.Page
		dpi    int
		budget int64
		want   func(int) bool
	}{
		{"a4 fits", a4, 300, 25_000_000, func(d int) bool { return d == 300 }},
		{"a0 shrinks", a0, 300, 25_000_000, func(d int) bool { return d >= 120 && d <= 127 }},
		{"no budget", a0, 300, 0, func(d int) bool { return d == 300 }},
	} {
		got := fitDPI(tc.page, tc.dpi, tc.budget)
		if !tc.want(got) {
			t.Errorf("%s: fitDPI = %d", tc.name, got)
		}
		w, h := int(2384*float64(got)/72)+1, int(3370*float64(got)/72)+1
		if tc.budget > 0 && tc.page == a0 && int64(w)*int64(h) > tc.budget {
			t.Errorf("%s: %d dpi renders %d×%d, above the budget", tc.name, got, w, h)
		}
	}
}

// TestLargePageMemory recognises two 9000×9000-pixel pages at once (two
// OCR workers, as one eingang worker process runs them) in a child
// process and bounds its peak resident memory as the kernel counts it
// (VmHWM): 600 MiB for both together. Whole-page recognition needs about
// 1.2 GiB here (go run ./bench/ocr -large 9000).
func TestLargePageMemory(t *testing.T) {
	if path := os.Getenv("EINGANG_TEST_LARGE_PAGE"); path != "" {
		largePageChild(t, path)
		return
	}
	if testing.Short() {
		t.Skip("short mode")
	}
	scans := testenv.Corpus(t, "scans")
	doc, err := pdf.Open(context.Background(), filepath.Join(scans, "scan-0001.pdf"), pdf.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	page, err := doc.Pages[0].Image.Gray(pdf.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	const side = 9000
	canvas := image.NewGray(image.Rect(0, 0, side, side))
	for i := range canvas.Pix {
		canvas.Pix[i] = 255
	}
	// Nearest-neighbour enlargement by 2.5: the text stays legible, so
	// Tesseract does its full work on the page.
	pw, ph := page.Bounds().Dx(), page.Bounds().Dy()
	for y := 0; y < min(side, ph*5/2); y++ {
		row := canvas.Pix[y*side:]
		for x := 0; x < min(side, pw*5/2); x++ {
			row[x] = page.Pix[(y*2/5)*page.Stride+x*2/5]
		}
	}
	in := filepath.Join(t.TempDir(), "large.jpg")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(f, canvas, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	canvas = nil
	cmd := exec.Command(os.Args[0], "-test.run=^TestLargePageMemory$", "-test.v")
	cmd.Env = append(os.Environ(), "EINGANG_TEST_LARGE_PAGE="+in, "OMP_THREAD_LIMIT=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`peak-rss-kib=(\d+) pages=(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("child printed no figures:\n%s", out)
	}
	kib, _ := strconv.Atoi(string(m[1]))
	t.Logf("two 9000×9000 pages at once: peak RSS %d MiB, %s pages", kib/1024, m[2])
	if string(m[2]) != "2" {
		t.Errorf("%s pages recognised, want 2", m[2])
	}
	if kib > 600*1024 {
		t.Errorf("peak RSS %d MiB for two large pages, want at most 600 MiB", kib/1024)
	}
}

func largePageChild(t *testing.T, in string) {
	e, err := New(Config{Workers: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var wg sync.WaitGroup
	var pages atomic.Int64
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := e.Process(context.Background(), in, filepath.Join(t.TempDir(), fmt.Sprintf("out%d.pdf", i)))
			if err != nil {
				t.Error(err)
				return
			}
			if !strings.Contains(res.Text(), "Rechnung") {
				t.Errorf("page text lacks \"Rechnung\"")
			}
			pages.Add(int64(len(res.Pages)))
		}()
	}
	wg.Wait()
	b, _ := os.ReadFile("/proc/self/status")
	hwm := regexp.MustCompile(`VmHWM:\s+(\d+)`).FindSubmatch(b)
	if hwm == nil {
		t.Fatal("no VmHWM in /proc/self/status")
	}
	fmt.Printf("peak-rss-kib=%s pages=%d\n", hwm[1], pages.Load())
}
