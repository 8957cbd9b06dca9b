package pdf

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/testenv"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"golang.org/x/image/tiff"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func needTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not installed: %v", name, err)
	}
}

var testLimits = Limits{MaxPixels: 100_000_000, MinSide: 16, MaxPages: 500}

func TestSniff(t *testing.T) {
	tests := []struct {
		head string
		want Format
	}{
		{"%PDF-1.7\n", FormatPDF},
		{"\n\n%PDF-1.4", FormatPDF},
		{"II*\x00\x08\x00\x00\x00", FormatTIFF},
		{"MM\x00*\x00\x00\x00\x08", FormatTIFF},
		{"\xff\xd8\xff\xe0", FormatJPEG},
		{"\x89PNG\r\n\x1a\n", FormatPNG},
		{"GIF89a", FormatGIF},
		{"RIFF\x10\x00\x00\x00WEBPVP8 ", FormatWebP},
		{"RIFF\x10\x00\x00\x00WAVEfmt ", FormatUnknown},
		{"BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00", FormatBMP},
		{"BMW Niederlassung Musterstadt", FormatUnknown},
		{"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00heicmif1", FormatHEIC},
		{"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", FormatUnknown},
		{"GIF87", FormatUnknown},
		{"", FormatUnknown},
	}
	for _, tt := range tests {
		if got := Sniff([]byte(tt.head)); got != tt.want {
			t.Errorf("Sniff(%q) = %v, want %v", tt.head, got, tt.want)
		}
	}
}

// TestTIFFJPEGStripsJoined checks the corpus TIFF (JPEG, 9 strips,
// BlackIsZero) becomes one DCT stream whose pixels equal the strips
// decoded one by one.
func TestTIFFJPEGStripsJoined(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testenv.Corpus(t, "scans"), "scan-0003.tif"))
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := ReadTIFF(data, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 1 {
		t.Fatalf("pages = %d, want 1", len(imgs))
	}
	im := imgs[0]
	if im.Filter != FilterDCT || im.Invert || im.Components != 1 || im.Width != 2479 || im.Height != 3507 {
		t.Fatalf("image = %s inv=%v comps=%d %d×%d, want DCT gray 2479×3507 not inverted", im.Filter, im.Invert, im.Components, im.Width, im.Height)
	}
	merged, err := im.Gray(testLimits)
	if err != nil {
		t.Fatal(err)
	}
	// Independent path: splice tables into each strip and decode it alone.
	d, _, err := readIFD(data, leOrder(), uint64(le32(data[4:])))
	if err != nil {
		t.Fatal(err)
	}
	tables := d.raw[tagJPEGTables]
	rps := int(d.u(tagRowsPerStrip, 0))
	for i, off := range d.vals[tagStripOffsets] {
		strip := data[off : off+d.vals[tagStripByteCounts][i]]
		j := append(append([]byte{}, tables[:len(tables)-2]...), strip[2:]...)
		g, err := jpeg.Decode(bytes.NewReader(j))
		if err != nil {
			t.Fatalf("strip %d: %v", i, err)
		}
		b := g.Bounds()
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x += 7 {
				want := g.(*image.Gray).GrayAt(x, y).Y
				if got := merged.GrayAt(x, i*rps+y).Y; got != want {
					t.Fatalf("pixel (%d,%d) = %d, strip decode says %d", x, i*rps+y, got, want)
				}
			}
		}
	}
	// Paper is light: BlackIsZero needs no inversion.
	var sum int
	for _, v := range merged.Pix {
		sum += int(v)
	}
	if mean := sum / len(merged.Pix); mean < 150 {
		t.Errorf("mean gray %d: image looks inverted", mean)
	}
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func testGray(w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	for y := h / 4; y < h/4+h/10; y++ {
		for x := w / 5; x < w-w/5; x++ {
			if (x/7)%3 != 0 {
				g.Pix[y*w+x] = uint8(x % 64)
			}
		}
	}
	return g
}

// TestTIFFLossless checks uncompressed and deflate TIFFs decode to the
// written pixels (x/image/tiff is the independent encoder).
func TestTIFFLossless(t *testing.T) {
	src := testGray(300, 200)
	for _, c := range []tiff.CompressionType{tiff.Uncompressed, tiff.Deflate} {
		var buf bytes.Buffer
		if err := tiff.Encode(&buf, src, &tiff.Options{Compression: c}); err != nil {
			t.Fatal(err)
		}
		imgs, err := ReadTIFF(buf.Bytes(), testLimits)
		if err != nil {
			t.Fatalf("compression %d: %v", c, err)
		}
		g, err := imgs[0].Gray(testLimits)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(g.Pix, src.Pix) {
			t.Errorf("compression %d: pixels differ", c)
		}
		if imgs[0].Filter != FilterFlate {
			t.Errorf("compression %d: filter %s, want Flate", c, imgs[0].Filter)
		}
	}
}

func pngBytes(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// hugePNG is a PNG header claiming w×h pixels with no real data: the
// limits must refuse it before any allocation.
func hugePNG(t testing.TB, w, h int) []byte {
	b := pngBytes(t, image.NewGray(image.Rect(0, 0, 1, 1)))
	// IHDR width/height at offsets 16 and 20; fix the CRC.
	put := func(off, v int) { b[off], b[off+1], b[off+2], b[off+3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v) }
	put(16, w)
	put(20, h)
	crc := crc32IEEE(b[12:29])
	put(29, int(crc))
	return b
}

func TestOpenBadInput(t *testing.T) {
	scans := testenv.Corpus(t, "scans")
	dir := t.TempDir()
	needTool(t, "qpdf")
	enc := filepath.Join(dir, "enc.pdf")
	if out, err := exec.Command("qpdf", "--encrypt", "geheim", "geheim", "256", "--", filepath.Join(scans, "scan-0002.pdf"), enc).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v %s", err, out)
	}
	tif, _ := os.ReadFile(filepath.Join(scans, "scan-0003.tif"))
	lying := bytes.Clone(tif)
	// Claim 20000×20000 in the first IFD (SHORT values at entry 0 and 1).
	off := le32(lying[4:])
	lying[off+2+8], lying[off+2+9] = 0x20, 0x4E
	lying[off+14+8], lying[off+14+9] = 0x20, 0x4E
	small := bytes.Clone(tif)
	small[off+2+8], small[off+2+9] = 0x00, 0x04 // width 1024 < real 2479
	cut := tif[:len(tif)/2]
	zero := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R /Size 3 >>\n%%EOF\n")
	many := ImagesToPDF(func() []*Image {
		var imgs []*Image
		im := &Image{Width: 32, Height: 32, BitsPerComponent: 8, Components: 1, Filter: FilterFlate, Data: deflate(make([]byte, 32*32))}
		for range 300 {
			imgs = append(imgs, im)
		}
		return imgs
	}())
	read := func(p string) []byte { b, _ := os.ReadFile(p); return b }
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"encrypted", read(enc), ErrEncrypted},
		{"zero pages", zero, ErrNoPages},
		{"1x1 png", pngBytes(t, image.NewGray(image.Rect(0, 0, 1, 1))), ErrImageTooSmall},
		{"20000x20000 png", hugePNG(t, 20000, 20000), ErrImageTooLarge},
		{"tiff claims 20000x20000", lying, ErrImageTooLarge},
		{"tiff claims smaller size than its jpeg", small, ErrCorrupt},
		{"truncated tiff", cut, ErrCorrupt},
		{"garbage", []byte("hello world"), ErrUnsupportedFormat},
		{"truncated pdf", read(filepath.Join(scans, "scan-0002.pdf"))[:2000], ErrCorrupt},
		{"300 pages over limit", many, ErrTooManyPages},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := testLimits
			lim.MaxPages = 200
			_, err := OpenBytes(context.Background(), tt.data, "", lim)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	// Within the limit, 300 pages open quickly.
	doc, err := OpenBytes(context.Background(), many, "", testLimits)
	if err != nil || len(doc.Pages) != 300 {
		t.Fatalf("300 pages: %v", err)
	}
}

// TestWriteSearchable writes a text layer over a corpus scan and checks
// the result with qpdf, pdfcpu, pdftotext and pdfimages.
func TestWriteSearchable(t *testing.T) {
	needTool(t, "pdftotext")
	path := filepath.Join(testenv.Corpus(t, "scans"), "scan-0002.pdf")
	doc, err := Open(context.Background(), path, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	p := doc.Pages[0]
	if p.Image == nil || p.Image.Filter != FilterDCT {
		t.Fatalf("page 1 should be one DCT image, got %+v", p.Image)
	}
	words := []Word{
		{Text: "Rechnung", X0: 300, Y0: 400, X1: 700, Y1: 450, Line: 1},
		{Text: "Nr.", X0: 720, Y0: 400, X1: 800, Y1: 450, Line: 1},
		{Text: "4711-Ä", X0: 820, Y0: 405, X1: 1000, Y1: 452, Line: 1},
		{Text: "Summe", X0: 300, Y0: 600, X1: 500, Y1: 650, Line: 2},
	}
	layer := &TextLayer{Words: words, ToSource: Identity, SourceWidth: p.Image.Width, SourceHeight: p.Image.Height, Rotate: 180}
	out := filepath.Join(t.TempDir(), "out.pdf")
	icc, _ := os.ReadFile("/usr/share/color/icc/sRGB.icc")
	if err := doc.WriteSearchable(out, []*TextLayer{layer}, Meta{ICCProfile: icc}); err != nil {
		t.Fatal(err)
	}
	checkPDF(t, out)
	text := pdftotext(t, out)
	if !strings.Contains(text, "Rechnung Nr. 4711-Ä\n") || !strings.Contains(text, "Summe") {
		t.Errorf("pdftotext = %q, want the words in reading order", text)
	}
	// bbox: "Rechnung" must be where the box says (image 2479 px on the
	// page width; the page shows rotated by 180°).
	bbox := pdftotextBBox(t, out)
	if len(bbox) == 0 || len(bbox[0].Words) == 0 {
		t.Fatal("no words in bbox output")
	}
	w0 := bbox[0].Words[0]
	pt := func(px float64) float64 { return px * 72 / 300 }
	// Displayed rotated by 180°: x' = W - x.
	wantX := bbox[0].Width - pt(700)
	if w0.Text != "Rechnung" || abs(w0.XMin-wantX) > 3 {
		t.Errorf("first word %q at x %.1f, want Rechnung at %.1f", w0.Text, w0.XMin, wantX)
	}
	// The image stream is byte-identical.
	back, err := Open(context.Background(), out, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	if raws := imageStreams(t, back); len(raws) != 1 || !bytes.Equal(raws[0], p.Image.Data) {
		t.Error("image data changed")
	}
	if back.Pages[0].Rotate != 180 {
		t.Errorf("/Rotate = %d, want 180", back.Pages[0].Rotate)
	}
	golden(t, "structure.golden", structure(t, out))
}

// imageStreams returns the encoded bytes of every image XObject.
func imageStreams(t *testing.T, doc *Document) [][]byte {
	t.Helper()
	var out [][]byte
	for _, e := range doc.ctx.XRefTable.Table {
		if e == nil || e.Object == nil {
			continue
		}
		if sd, ok := e.Object.(types.StreamDict); ok {
			if st := sd.Subtype(); st != nil && *st == "Image" {
				out = append(out, sd.Raw)
			}
		}
	}
	return out
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// checkPDF runs the acceptance tools on a written PDF.
func checkPDF(t *testing.T, path string) {
	t.Helper()
	needTool(t, "qpdf")
	if out, err := exec.Command("qpdf", "--check", path).CombinedOutput(); err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors") {
		t.Errorf("qpdf --check: %v\n%s", err, out)
	}
	if err := api.ValidateFile(path, pdfcpuConf(0)); err != nil {
		t.Errorf("pdfcpu validate: %v", err)
	}
	if out, err := exec.Command("pdftotext", "-q", path, "/dev/null").CombinedOutput(); err != nil {
		t.Errorf("pdftotext: %v %s", err, out)
	}
}

func pdftotext(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("pdftotext", "-q", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func pdftotextBBox(t *testing.T, path string) []PageText {
	t.Helper()
	out, err := exec.Command("pdftotext", "-q", "-bbox-layout", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	pages, err := ParseBBoxLayout(out)
	if err != nil {
		t.Fatal(err)
	}
	return pages
}

// structure lists the structural facts of a written PDF that must not
// change by accident, from qpdf's uncompressed rewrite (an independent
// reader).
func structure(t *testing.T, path string) string {
	t.Helper()
	qdf := filepath.Join(t.TempDir(), "qdf.pdf")
	if out, err := exec.Command("qpdf", "--qdf", "--object-streams=disable", path, qdf).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --qdf: %v %s", err, out)
	}
	b, _ := os.ReadFile(qdf)
	var lines []string
	for _, probe := range []string{"/Rotate 180", "/Filter /DCTDecode", "3 Tr", "/Subtype /Type0", "/BaseFont /GlyphLessFont",
		"/Encoding /Identity-H", "/FontFile2", "/ToUnicode", "/S /GTS_PDFA1", "<pdfaid:part>2</pdfaid:part>",
		"<pdfaid:conformance>B</pdfaid:conformance>", "/JBIG2Decode"} {
		lines = append(lines, probe+": "+itoa(bytes.Count(b, []byte(probe))))
	}
	return strings.Join(lines, "\n") + "\n"
}

func itoa(n int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(n)) }

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs:\n got:\n%s\nwant:\n%s", name, got, want)
	}
}
