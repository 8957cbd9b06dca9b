package ocr

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"math"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/otiai10/gosseract/v2"

	"github.com/eingang/eingang/internal/layout"
	"github.com/eingang/eingang/internal/pdf"
)

type job struct {
	ctx     context.Context
	doc     *pdf.Document
	page    pdf.Page
	started chan struct{}
	done    chan pageResult // buffered: the worker never blocks on it
}

type pageResult struct {
	info  layout.PageInfo
	page  layout.Page
	layer *pdf.TextLayer
	err   error
}

// worker owns one gosseract client for its lifetime on one locked OS
// thread: Tesseract handles are not goroutine-safe, and the OpenMP limit
// is per thread.
func (e *Engine) worker(id int) {
	defer e.wg.Done()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	singleThreadOpenMP()
	var cl *gosseract.Client
	var sc scratch
	served := 0
	recycle := func(reason string) {
		if cl == nil {
			return
		}
		cl.Close()
		cl = nil
		trimHeap()
		e.recycles.Add(1)
		e.log.Debug("ocr client recycled", "worker", id, "reason", reason, "pages", served, "rss_mb", rssMB())
		served = 0
	}
	defer recycle("shutdown")
	for j := range e.jobs {
		close(j.started)
		if err := j.ctx.Err(); err != nil {
			j.done <- pageResult{err: err}
			continue
		}
		if cl == nil {
			var err error
			if cl, err = e.newClient(); err != nil {
				j.done <- pageResult{err: err}
				continue
			}
		}
		r := e.runPage(j, cl, &sc)
		// Give Tesseract's freed page memory back to the OS once RSS is
		// high, not only at recycling: glibc keeps per-thread arenas
		// otherwise. Not after every page: the next page would fault the
		// same memory in again, and two workers faulting in one process
		// contend in the kernel (bench/ocr: ≈ 8 % of the 2-worker time).
		if rssMB() > trimAboveMB {
			trimHeap()
		}
		served++
		e.pages.Add(1)
		j.done <- r
		switch {
		case served >= e.cfg.RecycleAfterPages:
			recycle("pages")
		case e.cfg.RecycleRSSMB > 0 && rssMB() > e.cfg.RecycleRSSMB:
			recycle("rss")
		}
	}
}

// minDeskewDeg is the smallest skew removed before recognition. Below it
// Tesseract's own line finding copes (it fits each text line's slope), and
// the bilinear copy would cost ≈ 33 ms per page. Against 0.1°, bench/ocr
// (run 4) kept orientation and invoice numbers and lowered the upright CER
// from 0.251 to 0.248.
const minDeskewDeg = 0.3

// trimAboveMB is the process RSS above which a worker returns the freed C
// heap to the OS after a page. The 500-page soak with 2 workers peaked at
// 503 MiB when trimming after every page; the goal is ≤ 600 MiB.
const trimAboveMB = 384

// scratch is a worker's reusable page buffer: room for an image header
// followed by the pixels of the recogniser's image.
type scratch struct{ buf []byte }

// headerRoom is the size of the uncompressed-TIFF header written in front
// of the pixels (8-byte header, 9-entry IFD, padding).
const headerRoom = 128

func (s *scratch) grow(n int) []byte {
	if cap(s.buf) < n+headerRoom {
		s.buf = make([]byte, n+headerRoom)
	}
	return s.buf[:n+headerRoom]
}

// putTIFFHeader writes into hdr[:headerRoom] the header of a little-endian,
// uncompressed, single-strip 8-bit BlackIsZero TIFF whose pixels start at
// offset headerRoom. The image goes to Tesseract as a TIFF rather than a
// PGM because leptonica reads binary PGM one fread per pixel (≈ 130 ms for
// an A4 page at 300 dpi) but a TIFF strip in one copy (≈ 2 ms).
func putTIFFHeader(hdr []byte, w, h int) {
	clear(hdr[:headerRoom])
	copy(hdr, "II*\x00")
	binary.LittleEndian.PutUint32(hdr[4:], 8)
	entries := [...]struct {
		tag, typ uint16
		val      uint32
	}{
		{256, 4, uint32(w)},     // ImageWidth
		{257, 4, uint32(h)},     // ImageLength
		{258, 3, 8},             // BitsPerSample
		{259, 3, 1},             // Compression: none
		{262, 3, 1},             // Photometric: BlackIsZero
		{273, 4, headerRoom},    // StripOffsets
		{277, 3, 1},             // SamplesPerPixel
		{278, 4, uint32(h)},     // RowsPerStrip
		{279, 4, uint32(w * h)}, // StripByteCounts
	}
	binary.LittleEndian.PutUint16(hdr[8:], uint16(len(entries)))
	for i, e := range entries {
		p := hdr[10+12*i:]
		binary.LittleEndian.PutUint16(p, e.tag)
		binary.LittleEndian.PutUint16(p[2:], e.typ)
		binary.LittleEndian.PutUint32(p[4:], 1)
		if e.typ == 3 {
			binary.LittleEndian.PutUint16(p[8:], uint16(e.val))
		} else {
			binary.LittleEndian.PutUint32(p[8:], e.val)
		}
	}
	// The next-IFD offset after the entries stays 0: one image.
}

func (e *Engine) runPage(j *job, cl *gosseract.Client, sc *scratch) (r pageResult) {
	defer func() {
		if p := recover(); p != nil {
			r = pageResult{err: fmt.Errorf("ocr: page %d: internal error: %v", j.page.Number, p)}
		}
	}()
	p := j.page
	lim := e.limits()
	t0 := time.Now()
	var src *image.Gray
	var err error
	dpi := e.cfg.RasterDPI
	rasterDPI := 0.0
	if p.Image != nil {
		src, err = pageGray(p.Image, lim)
		undecodable := errors.Is(err, pdf.ErrCorrupt) || errors.Is(err, pdf.ErrUnsupportedFormat)
		if err != nil && (!undecodable || !j.doc.CanRender()) {
			return pageResult{err: err}
		}
		if err == nil {
			dpi = imageDPI(p)
		}
	}
	if src == nil {
		// No single image, or one whose samples this reader cannot decode
		// (an unusual colour transform, a truncated stream) that poppler
		// may still render.
		dpi = fitDPI(p, dpi, e.cfg.RecognitionPixels)
		if src, err = j.doc.Rasterize(j.ctx, p.Number, dpi, lim); err != nil {
			return pageResult{err: err}
		}
		rasterDPI = float64(dpi)
	}
	tDecode := time.Since(t0)
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	o := DetectOrientation(src, dpi)
	tOrient := time.Since(t0) - tDecode
	if math.Abs(o.Skew) < minDeskewDeg {
		o.Skew = 0
	}
	// Above the recognition budget Tesseract reads a smaller copy, and
	// the full-size image is let go here so that only the copy stays in
	// memory while Tesseract runs. back maps the copy's pixels to the
	// source's.
	back := pdf.Identity
	if small := shrink(src, e.cfg.RecognitionPixels); small != src {
		sw, sh := small.Bounds().Dx(), small.Bounds().Dy()
		back = pdf.Matrix{float64(w) / float64(sw), 0, 0, float64(h) / float64(sh), 0, 0}
		dpi = max(1, int(math.Round(float64(dpi)*float64(sw)/float64(w))))
		src = small
		// Give the full-size image back to the system before Tesseract
		// allocates (in C, outside the Go heap): otherwise both stay
		// resident until the next collection. Rare enough (pages above
		// the budget) for a forced collection to cost nothing noticeable.
		debug.FreeOSMemory()
	}
	words, conf, m, uw, uh, err := e.recognizeOriented(cl, sc, src, o.Rotate, o.Skew, dpi)
	if err != nil {
		return pageResult{err: err}
	}
	second := false
	if needSecondPass(o, conf, words) {
		// Weak evidence: let recognition confidence decide between the
		// estimate and its alternative (by default the page turned 180°).
		rot2 := (o.Rotate + 180) % 360
		if o.Alternative >= 0 {
			rot2 = o.Alternative
		}
		w2, c2, m2, uw2, uh2, err := e.recognizeOriented(cl, sc, src, rot2, o.Skew, dpi)
		if err != nil {
			return pageResult{err: err}
		}
		second = true
		// Switch only on clear evidence: a blank or picture page gives
		// noise either way and stays as scanned.
		if g2, g1 := goodMass(w2), goodMass(words); g2 > 1.2*g1 && g2 >= 300 {
			words, conf, m, uw, uh = w2, c2, m2, uw2, uh2
			o.Rotate = rot2
		}
	}
	e.log.Debug("ocr page", "page", p.Number, "decode", tDecode, "orient", tOrient, "total", time.Since(t0), "second_pass", second)
	info := layout.PageInfo{
		Number: p.Number, Source: "ocr", RotationDeg: o.Rotate, SkewDeg: math.Round(o.Skew*100) / 100,
		MeanConfidence: math.Round(conf*10) / 10, Width: uw, Height: uh, DPI: dpi,
		ImageSHA256: imageHash(p.Image), OrientationScore: math.Round(o.Score*1000) / 1000, SecondPass: second,
	}
	lp := layout.Page{Number: p.Number, Width: uw, Height: uh, DPI: dpi, Words: words}
	upright, _, _ := toSource(w, h, o.Rotate, 0)
	layer := &pdf.TextLayer{ToSource: m.Mul(back), Upright: upright, SourceWidth: w, SourceHeight: h, RasterDPI: rasterDPI, Rotate: o.Rotate}
	for _, wd := range words {
		line := wd.Block<<20 | wd.Par<<10 | wd.Line
		layer.Words = append(layer.Words, pdf.Word{Text: wd.Text, X0: float64(wd.X0), Y0: float64(wd.Y0), X1: float64(wd.X1), Y1: float64(wd.Y1), Line: line})
	}
	return pageResult{info: info, page: lp, layer: layer}
}

// A reading this sure of this many words settles the orientation even
// when the image statistics do not: on the scan corpus Tesseract read the
// upside-down or sideways pages with a mean word confidence of 17–44 (the
// wrong-way readings of every second pass, and bare Tesseract on the 8
// upside-down pages), the upright pages that had a second pass with 74–92,
// and none of those second passes changed the orientation. They cost a
// whole recognition each, up to 4.6 s of CPU on a large page: 8 of the 80
// s the first 40 corpus pages took.
const (
	clearReadingConf  = 60
	clearReadingWords = 20
)

// needSecondPass reports whether the page must also be read in the
// alternative orientation: when the orientation estimate is weak and the
// first reading is not clearly upright text, or when the reading is poor
// whatever the estimate said.
func needSecondPass(o Orientation, conf float64, words []layout.Word) bool {
	if conf < 50 {
		return true
	}
	if o.Confident() {
		return false
	}
	if conf < clearReadingConf {
		return true
	}
	good := 0
	for _, w := range words {
		if w.Confidence >= 50 {
			good++
		}
	}
	// Few words make a noisy mean; such a page is cheap to read again.
	return good < clearReadingWords
}

// goodMass sums the confidence of plausible words (two or more
// characters, confidence at least 50): noise recognised on an upside-down
// or empty page scores low even when it yields many "words".
func goodMass(words []layout.Word) float64 {
	var m float64
	for _, w := range words {
		if w.Confidence >= 50 && len([]rune(w.Text)) >= 2 {
			m += w.Confidence
		}
	}
	return m
}

// imageDPI derives the resolution from the image size and its placement.
func imageDPI(p pdf.Page) int {
	wpt := math.Hypot(p.ImageMatrix[0], p.ImageMatrix[1])
	if wpt <= 0 {
		return 300
	}
	dpi := float64(p.Image.Width) / (wpt / 72)
	if dpi < 50 || dpi > 2400 {
		return 300
	}
	return int(math.Round(dpi))
}

// recognizeOriented recognises src turned by rot and deskewed; the
// returned matrix maps the recogniser's pixels to src's.
func (e *Engine) recognizeOriented(cl *gosseract.Client, sc *scratch, src *image.Gray, rot int, skew float64, dpi int) ([]layout.Word, float64, pdf.Matrix, int, int, error) {
	m, uw, uh := toSource(src.Bounds().Dx(), src.Bounds().Dy(), rot, skew)
	buf := sc.grow(uw * uh)
	img := warpInto(buf[headerRoom:], src, m, uw, uh)
	words, conf, err := recognize(cl, buf, img, dpi)
	// A page read with low overall confidence is probably turned the wrong
	// way; the caller tries the other orientation, and re-reading its
	// lines would be wasted.
	if err == nil && conf >= 50 {
		words = rereadWeakLines(cl, img, words, dpi, e.cfg.PSM)
	}
	return words, conf, m, uw, uh, err
}

// recognize runs Tesseract once (verbose boxes carry block, paragraph and
// line numbers, so no second pass for hOCR is needed).
//
// buf holds img's pixels at offset headerRoom (or is nil); the TIFF
// header is written right in front of them, avoiding a copy.
func recognize(cl *gosseract.Client, buf []byte, img *image.Gray, dpi int) ([]layout.Word, float64, error) {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	var tif []byte
	if len(buf) >= headerRoom+w*h && img.Stride == w && len(img.Pix) > 0 && &buf[headerRoom] == &img.Pix[0] {
		tif = buf[:headerRoom+w*h]
	} else {
		tif = make([]byte, headerRoom+w*h)
		for y := range h {
			copy(tif[headerRoom+y*w:headerRoom+(y+1)*w], img.Pix[y*img.Stride:])
		}
	}
	putTIFFHeader(tif, w, h)
	if err := cl.SetImageFromBytes(tif); err != nil {
		return nil, 0, fmt.Errorf("tesseract: %w", err)
	}
	cl.SetVariable("user_defined_dpi", strconv.Itoa(dpi))
	boxes, err := cl.GetBoundingBoxesVerbose()
	if err != nil {
		return nil, 0, fmt.Errorf("tesseract: %w", err)
	}
	words := make([]layout.Word, 0, len(boxes))
	var sum float64
	for _, b := range boxes {
		t := strings.TrimSpace(b.Word)
		if t == "" {
			continue
		}
		words = append(words, layout.Word{
			Text: t, X0: b.Box.Min.X, Y0: b.Box.Min.Y, X1: b.Box.Max.X, Y1: b.Box.Max.Y,
			Confidence: math.Round(b.Confidence*10) / 10, Block: b.BlockNum, Par: b.ParNum, Line: b.LineNum,
		})
		sum += b.Confidence
	}
	if len(words) == 0 {
		return words, 0, nil
	}
	return words, sum / float64(len(words)), nil
}

// recognitionScale is the factor by which a w×h image must shrink to fit
// budget pixels (1 when it fits).
func recognitionScale(w, h int, budget int64) float64 {
	n := int64(w) * int64(h)
	if budget <= 0 || n <= budget {
		return 1
	}
	return math.Sqrt(float64(n) / float64(budget))
}

// shrink returns src itself when it fits budget pixels, else a copy that
// does: averaged over whole pixel blocks first (no aliasing, and the
// common case of a 600 dpi scan is exact), then sampled bilinearly for the
// rest of the factor.
func shrink(src *image.Gray, budget int64) *image.Gray {
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	f := recognitionScale(w, h, budget)
	if f <= 1 {
		return src
	}
	if n := int(f); n >= 2 {
		src = downscale(src, n)
		f /= float64(n)
	}
	w, h = src.Bounds().Dx(), src.Bounds().Dy()
	if recognitionScale(w, h, budget) <= 1 {
		return src
	}
	uw, uh := max(1, int(float64(w)/f)), max(1, int(float64(h)/f))
	for int64(uw)*int64(uh) > budget {
		uw, uh = uw-1, max(1, uh-1)
	}
	return warp(src, pdf.Matrix{float64(w) / float64(uw), 0, 0, float64(h) / float64(uh), 0, 0}, uw, uh)
}

// fitDPI lowers the rendering resolution of a page without a usable image
// so that the rendering fits the recognition budget: a poster or a plan
// is then read at, say, 150 dpi instead of being refused.
func fitDPI(p pdf.Page, dpi int, budget int64) int {
	wpt, hpt := p.MediaBox[2]-p.MediaBox[0], p.MediaBox[3]-p.MediaBox[1]
	size := func(dpi int) (int, int) { return int(wpt*float64(dpi)/72) + 1, int(hpt*float64(dpi)/72) + 1 }
	w, h := size(dpi)
	if recognitionScale(w, h, budget) == 1 {
		return dpi
	}
	d := int(float64(dpi) / recognitionScale(w, h, budget))
	for d > 36 {
		if w, h := size(d); int64(w)*int64(h) <= budget {
			break
		}
		d--
	}
	return max(36, d)
}
