// Package ocr turns scans into searchable PDFs: it finds each page's
// orientation and skew cheaply from image statistics, recognises the page
// with Tesseract through a pool of gosseract clients, and lays the words
// as invisible text over the untouched scan image (package pdf).
package ocr

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/otiai10/gosseract/v2"

	"github.com/eingang/eingang/internal/layout"
	"github.com/eingang/eingang/internal/pdf"
)

// Errors caused by bad input: permanent, a retry cannot help. They are the
// same values as package pdf's, so errors.Is works with either.
var (
	ErrEncrypted         = pdf.ErrEncrypted
	ErrNoPages           = pdf.ErrNoPages
	ErrUnsupportedFormat = pdf.ErrUnsupportedFormat
	ErrCorrupt           = pdf.ErrCorrupt
	ErrImageTooLarge     = pdf.ErrImageTooLarge
	ErrImageTooSmall     = pdf.ErrImageTooSmall
	ErrTooManyPages      = pdf.ErrTooManyPages
	ErrOutputDamaged     = pdf.ErrOutputDamaged
	// ErrPageTimeout: recognising one page took longer than
	// Config.PageTimeout (pathological image content).
	ErrPageTimeout = errors.New("ocr: page timed out")
)

// ErrClosed is returned by Process after Close.
var ErrClosed = errors.New("ocr: engine closed")

// Result describes a finished document.
type Result struct {
	Pages []layout.PageInfo
	// Layout holds the words of every page in upright-page pixels.
	Layout layout.Document
	// KeptOriginal is set when the output is the input unchanged, without
	// text layers: an encrypted PDF that opens without a password (see
	// pdf.Document.Protected). Its text is only in Layout.
	KeptOriginal bool
	// LeftOut counts the kids of the input's page tree that are not pages
	// (a node looping back into the tree, a page without area): they are
	// not in Pages nor in the output (see pdf.Document.LeftOut).
	LeftOut int
}

// LeftOutNote says, for the log and the journal, what LeftOut means; it
// is empty when nothing was left out.
func (r *Result) LeftOutNote() string {
	switch r.LeftOut {
	case 0:
		return ""
	case 1:
		return "1 page of the page tree is not a page and was left out"
	}
	return fmt.Sprintf("%d pages of the page tree are not pages and were left out", r.LeftOut)
}

// Text returns the document text, pages separated by form feeds.
func (r *Result) Text() string { return r.Layout.Text() }

// Engine recognises pages with a fixed pool of Tesseract clients. It is
// safe for concurrent use.
type Engine struct {
	cfg     Config
	log     *slog.Logger
	jobs    chan *job
	wg      sync.WaitGroup
	mu      sync.RWMutex
	closed  bool
	icc     []byte
	cfgFile string
	// counters for benchmarks and metrics
	pages, recycles atomic.Int64
}

// Stats are engine counters.
type Stats struct {
	Pages, Recycles int64
	RSSMB           int
}

// Stats returns the counters.
func (e *Engine) Stats() Stats {
	return Stats{Pages: e.pages.Load(), Recycles: e.recycles.Load(), RSSMB: rssMB()}
}

// New checks that Tesseract and the configured languages are available
// and starts the client pool.
func New(cfg Config, log *slog.Logger) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	quietLeptonica()
	// For child processes and for libraries loaded later; this process's
	// libgomp already read its environment (see singleThreadOpenMP).
	os.Setenv("OMP_THREAD_LIMIT", "1")
	if cfg.TessdataPrefix != "" {
		if _, err := os.Stat(cfg.TessdataPrefix); err != nil {
			return nil, fmt.Errorf("tessdata_prefix: %w", err)
		}
	}
	if err := checkLanguages(cfg); err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg, log: log, jobs: make(chan *job)}
	icc := cfg.ICCProfile
	if icc == "" {
		icc = "/usr/share/color/icc/sRGB.icc"
	}
	if b, err := os.ReadFile(icc); err == nil {
		e.icc = b
	} else if cfg.ICCProfile != "" {
		return nil, fmt.Errorf("icc_profile: %w", err)
	}
	f, err := os.CreateTemp("", "eingang-tess-*.cfg")
	if err != nil {
		return nil, err
	}
	// Init-only parameter: it must reach Tesseract through a config file.
	fmt.Fprintf(f, "tessedit_ocr_engine_mode %d\n", cfg.OEM)
	f.Close()
	e.cfgFile = f.Name()
	// Fail early with a clear message when a language does not load.
	if err := e.probe(); err != nil {
		os.Remove(e.cfgFile)
		return nil, err
	}
	n := cfg.Workers
	if n == 0 {
		n = runtime.NumCPU()
	}
	for i := range n {
		e.wg.Add(1)
		go e.worker(i)
	}
	log.Info("ocr engine started", "workers", n, "languages", cfg.Languages, "psm", cfg.PSM, "tesseract", gosseract.Version())
	return e, nil
}

func checkLanguages(cfg Config) error {
	dir := cfg.TessdataPrefix
	var avail []string
	if dir != "" {
		m, _ := filepath.Glob(filepath.Join(dir, "*.traineddata"))
		for _, p := range m {
			avail = append(avail, strings.TrimSuffix(filepath.Base(p), ".traineddata"))
		}
	} else {
		var err error
		if avail, err = gosseract.GetAvailableLanguages(); err != nil {
			avail = nil // unknown; the probe decides
		}
	}
	if avail == nil {
		return nil
	}
	for _, l := range strings.Split(cfg.Languages, "+") {
		if !slices.Contains(avail, l) {
			return fmt.Errorf("languages: %q is not installed (have %s)", l, strings.Join(avail, ", "))
		}
	}
	return nil
}

// probe initialises one client on a tiny white image.
func (e *Engine) probe() error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		singleThreadOpenMP()
		cl, err := e.newClient()
		if err != nil {
			errc <- err
			return
		}
		defer cl.Close()
		_, err = cl.GetBoundingBoxesVerbose()
		errc <- err
	}()
	if err := <-errc; err != nil {
		return fmt.Errorf("tesseract (languages %q): %w", e.cfg.Languages, err)
	}
	return nil
}

func (e *Engine) newClient() (*gosseract.Client, error) {
	cl := gosseract.NewClient()
	if e.cfg.TessdataPrefix != "" {
		cl.SetTessdataPrefix(e.cfg.TessdataPrefix)
	}
	cl.SetLanguage(strings.Split(e.cfg.Languages, "+")...)
	cl.SetConfigFile(e.cfgFile)
	cl.DisableOutput()
	cl.SetVariable("tessedit_pageseg_mode", fmt.Sprint(e.cfg.PSM))
	restored, err := initClient(cl)
	if restored {
		e.log.Warn("ocr: tesseract initialisation left standard error redirected; restored")
	}
	if err != nil {
		cl.Close()
		return nil, err
	}
	return cl, nil
}

// Close stops the pool after running pages have finished.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	close(e.jobs)
	e.mu.Unlock()
	e.wg.Wait()
	os.Remove(e.cfgFile)
	return nil
}

func (e *Engine) limits() pdf.Limits {
	return pdf.Limits{MaxPixels: e.cfg.MaxPixels, MinSide: 16, MaxPages: e.cfg.MaxPages}
}

// Process reads a PDF (image-only, mixed or born-digital), multi-page
// TIFF, JPEG or PNG at in and writes a searchable PDF to out. Pages that
// already carry text are kept as they are; every other page keeps its
// image and gets an invisible text layer and an upright /Rotate.
func (e *Engine) Process(ctx context.Context, in, out string) (*Result, error) {
	e.mu.RLock()
	closed := e.closed
	e.mu.RUnlock()
	if closed {
		return nil, ErrClosed
	}
	doc, err := pdf.Open(ctx, in, e.limits())
	if err != nil {
		return nil, err
	}
	defer doc.Close()
	res := &Result{Pages: make([]layout.PageInfo, len(doc.Pages)), Layout: layout.Document{Pages: make([]layout.Page, len(doc.Pages))}, LeftOut: doc.LeftOut()}
	if res.LeftOut > 0 {
		e.log.Warn("ocr: "+res.LeftOutNote(), "file", in, "pages", len(doc.Pages))
	}
	layers := make([]*pdf.TextLayer, len(doc.Pages))

	var texts []pdf.PageText
	for _, p := range doc.Pages {
		if p.ShowsText {
			if texts, err = doc.TextWords(ctx); err != nil {
				return nil, err
			}
			break
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var pending []*job
	for i, p := range doc.Pages {
		if p.ShowsText && i < len(texts) && len(texts[i].Words) > 0 {
			res.Pages[i], res.Layout.Pages[i] = e.textPage(p, texts[i])
			continue
		}
		j := &job{ctx: ctx, doc: doc, page: p, started: make(chan struct{}), done: make(chan pageResult, 1)}
		pending = append(pending, j)
	}
	// Feed the pool from a goroutine so that pages of this document are
	// interleaved fairly with other documents' pages.
	go func() {
		for _, j := range pending {
			if !e.submit(ctx, j) {
				return
			}
		}
	}()
	for _, j := range pending {
		r := e.wait(ctx, j)
		if r.err != nil {
			cancel()
			return nil, fmt.Errorf("page %d: %w", j.page.Number, r.err)
		}
		i := j.page.Number - 1
		res.Pages[i], res.Layout.Pages[i], layers[i] = r.info, r.page, r.layer
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if doc.Protected() {
		// The recognised text still feeds classification and extraction;
		// the file itself goes on byte for byte, its encryption and any
		// signature intact.
		res.KeptOriginal = true
		return res, doc.WriteOriginal(out)
	}
	meta := pdf.Meta{ICCProfile: e.icc}
	if err := doc.WriteSearchable(out, layers, meta); err != nil {
		return nil, err
	}
	if err := doc.VerifyOutput(ctx, out, layers); err != nil {
		os.Remove(out)
		return nil, err
	}
	return res, nil
}

func (e *Engine) submit(ctx context.Context, j *job) (ok bool) {
	defer func() {
		// Close raced with this send: the channel is closed.
		if recover() != nil {
			j.done <- pageResult{err: ErrClosed}
			ok = false
		}
	}()
	select {
	case e.jobs <- j:
		return true
	case <-ctx.Done():
		return false
	}
}

// wait returns the job's result, bounding the time from when a worker took
// the page. Tesseract cannot be interrupted: on timeout the worker
// finishes the page in the background and its result is dropped.
func (e *Engine) wait(ctx context.Context, j *job) pageResult {
	select {
	case <-j.started:
	case r := <-j.done:
		return r
	case <-ctx.Done():
		return pageResult{err: ctx.Err()}
	}
	t := time.NewTimer(e.cfg.PageTimeout)
	defer t.Stop()
	select {
	case r := <-j.done:
		return r
	case <-t.C:
		e.log.Warn("ocr page timed out", "page", j.page.Number, "timeout", e.cfg.PageTimeout)
		return pageResult{err: fmt.Errorf("%w after %s", ErrPageTimeout, e.cfg.PageTimeout)}
	case <-ctx.Done():
		return pageResult{err: ctx.Err()}
	}
}

// textPage converts a born-digital page's words to layout coordinates at
// the raster resolution.
func (e *Engine) textPage(p pdf.Page, t pdf.PageText) (layout.PageInfo, layout.Page) {
	dpi := e.cfg.RasterDPI
	s := float64(dpi) / 72
	lp := layout.Page{Number: p.Number, Width: int(math.Round(t.Width * s)), Height: int(math.Round(t.Height * s)), DPI: dpi}
	for _, w := range t.Words {
		lp.Words = append(lp.Words, layout.Word{
			Text: w.Text, X0: int(w.XMin * s), Y0: int(w.YMin * s), X1: int(math.Ceil(w.XMax * s)), Y1: int(math.Ceil(w.YMax * s)),
			Confidence: 100, Block: w.Block, Par: 1, Line: w.Line,
		})
	}
	info := layout.PageInfo{Number: p.Number, Source: "text", RotationDeg: p.Rotate, MeanConfidence: 100, Width: lp.Width, Height: lp.Height, DPI: dpi}
	return info, lp
}

func imageHash(im *pdf.Image) string {
	if im == nil {
		return ""
	}
	h := sha256.Sum256(im.Data)
	return hex.EncodeToString(h[:])
}
