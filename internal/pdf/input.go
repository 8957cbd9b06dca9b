package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Document is an input opened for OCR: a PDF (given, or built in memory
// around the images of a TIFF, JPEG or PNG) and what each page holds.
type Document struct {
	Format Format
	Pages  []Page
	// Path is the original file; poppler tools read it for PDF input.
	Path string
	// src is the PDF the pages were read from: the input itself, or the
	// wrapper built around its images. The output starts with these bytes.
	src []byte
	ctx *model.Context
	// protected is set for an encrypted PDF that opens without a password.
	protected bool
	// leftOut counts the kids of the page tree that are not pages; when
	// it is set, src is the rewrite without them and tmp (= Path) a copy
	// of it for poppler.
	leftOut int
	tmp     string
}

// Protected reports whether the PDF is encrypted but opens without a
// password (an owner password that only restricts permissions, common for
// e-mailed invoices and for signed PDFs). Its pages can be read, rendered
// and recognised, but it must not be updated: an update would have to
// carry the author's encryption on, and a rewrite would drop it together
// with any signature. Callers deliver the original bytes instead
// ([Document.WriteOriginal]).
func (doc *Document) Protected() bool { return doc.protected }

// WriteOriginal writes the input PDF to out unchanged (atomically).
func (doc *Document) WriteOriginal(out string) error {
	return writeAtomic(out, doc.src)
}

// Page describes one input page.
type Page struct {
	Number int // 1-based
	// Image is the page's only image when it covers the page, decodable
	// without rendering; nil otherwise (then rasterise).
	Image *Image
	// ImageMatrix maps the image's unit square to user space.
	ImageMatrix Matrix
	// MediaBox is the page's visible area in user space (CropBox if set).
	MediaBox [4]float64
	// Rotate is the page's /Rotate in the input, degrees clockwise.
	Rotate int
	// ShowsText is true when the content stream draws text; such pages are
	// born-digital (or already OCRed) and are kept.
	ShowsText bool
}

var disableConfigDir sync.Once

// pdfcpuConf returns a configuration that never touches the user's config
// directory (workers run as service users without a home).
func pdfcpuConf(maxDecode int64) *model.Configuration {
	disableConfigDir.Do(api.DisableConfigDir)
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	conf.Offline = true
	if maxDecode > 0 {
		conf.Limits.MaxDecodeBytes = maxDecode
	}
	return conf
}

// Open reads the input at path. Image files are wrapped into an in-memory
// PDF whose image streams carry the original encoded data.
func Open(ctx context.Context, path string, lim Limits) (*Document, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return OpenBytes(ctx, data, path, lim)
}

// OpenBytes is [Open] for data already in memory; path is only used to
// let poppler read PDF input.
func OpenBytes(ctx context.Context, data []byte, path string, lim Limits) (*Document, error) {
	format := Sniff(data[:min(len(data), 1024)])
	doc := &Document{Format: format, Path: path}
	var imgs []*Image
	var err error
	switch format {
	case FormatPDF:
	case FormatTIFF:
		imgs, err = ReadTIFF(data, lim)
	case FormatJPEG:
		var im *Image
		im, err = ReadJPEG(data, lim)
		imgs = []*Image{im}
	case FormatPNG:
		var im *Image
		im, err = ReadPNG(data, lim)
		imgs = []*Image{im}
	case FormatHEIC:
		var im *Image
		im, err = ReadHEIC(ctx, data, lim)
		imgs = []*Image{im}
	case FormatGIF, FormatBMP, FormatWebP:
		var im *Image
		im, err = ReadDecoded(data, format, lim)
		imgs = []*Image{im}
	default:
		return nil, ErrUnsupportedFormat
	}
	if err != nil {
		return nil, err
	}
	if format != FormatPDF {
		data = ImagesToPDF(imgs)
		doc.Path = ""
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pc, err := readContext(data, lim)
	if errors.Is(err, ErrCorrupt) && format == FormatPDF {
		// pdfcpu is stricter than viewers (a page tree without /Count, a
		// root that is a single page). qpdf repairs what poppler and
		// Acrobat read anyway, and where qpdf gives up poppler redraws the
		// pages it finds; the update then goes onto the repaired copy,
		// and VerifyOutput compares the result with the original as
		// poppler renders it.
		if fixed, ferr := repairPDF(ctx, data); ferr == nil {
			if pc2, err2 := readContext(fixed, lim); err2 == nil {
				pc, err, data = pc2, nil, fixed
			}
		}
	}
	if err != nil {
		return nil, err
	}
	err = doc.analysePDF(pc, data, imgs, lim)
	if errors.Is(err, ErrCorrupt) && format == FormatPDF && pc.XRefTable.Encrypt == nil {
		// pdfcpu read a cross-reference table it rebuilt itself, but its
		// page tree leads nowhere (objects without endobj, an xref keyword
		// misspelt): qpdf's reconstruction is the one viewers agree with.
		if fixed, ferr := repairPDF(ctx, data); ferr == nil {
			if pc2, err2 := readContext(fixed, lim); err2 == nil {
				if err2 = doc.analysePDF(pc2, fixed, imgs, lim); err2 == nil {
					err = nil
				}
			}
		}
	}
	if errors.Is(err, errNoRealPage) {
		return nil, fmt.Errorf("%w: %v", ErrNoPages, err)
	}
	if err != nil {
		return nil, err
	}
	if doc.leftOut > 0 && doc.Path != "" {
		if err := doc.usePoppler(doc.src); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// analysePDF is analyse after leaving out what the page tree holds that
// is not a page (see dropNonPages); the pages are then those of the
// rewrite, and so is the base of the searchable PDF.
func (doc *Document) analysePDF(pc *model.Context, data []byte, imgs []*Image, lim Limits) error {
	doc.leftOut = 0
	if doc.Format != FormatPDF {
		return doc.analyse(pc, data, imgs, lim)
	}
	fixed, n, err := dropNonPages(pc, data)
	if err != nil {
		return err
	}
	if n > 0 {
		if pc, err = readContext(fixed, lim); err != nil {
			return fmt.Errorf("rewritten page tree: %w", err)
		}
	}
	if err := doc.analyse(pc, fixed, imgs, lim); err != nil {
		return err
	}
	doc.leftOut = n
	return nil
}

// analyse describes the pages of the document pc read from data.
func (doc *Document) analyse(pc *model.Context, data []byte, imgs []*Image, lim Limits) error {
	doc.ctx, doc.src, doc.protected, doc.Pages = pc, data, pc.XRefTable.Encrypt != nil, nil
	if pc.PageCount == 0 {
		return ErrNoPages
	}
	if lim.MaxPages > 0 && pc.PageCount > lim.MaxPages {
		return fmt.Errorf("%w: %d pages, limit %d", ErrTooManyPages, pc.PageCount, lim.MaxPages)
	}
	for i := 1; i <= pc.PageCount; i++ {
		p, err := doc.analysePage(i, lim)
		if err != nil {
			return fmt.Errorf("page %d: %w", i, err)
		}
		if doc.Format != FormatPDF {
			// The wrapper PDF was built from these very images; keep the
			// decoded parameters (pdfcpu does not know TIFF's inversion).
			p.Image = imgs[i-1]
		}
		doc.Pages = append(doc.Pages, p)
	}
	return nil
}

func readContext(data []byte, lim Limits) (pc *model.Context, err error) {
	// pdfcpu panics on some hostile files; its own fault.Catch covers most,
	// this covers the rest.
	defer func() {
		if r := recover(); r != nil {
			pc, err = nil, fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}()
	maxDecode := int64(512 << 20)
	if lim.MaxPixels > 0 {
		maxDecode = max(64<<20, 4*lim.MaxPixels)
	}
	pc, err = api.ReadContext(bytes.NewReader(data), pdfcpuConf(maxDecode))
	if err != nil {
		switch {
		case errors.Is(err, pdfcpu.ErrWrongPassword), strings.Contains(err.Error(), "password"):
			return nil, fmt.Errorf("%w: %v", ErrEncrypted, err)
		}
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if err := pc.EnsurePageCount(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return pc, nil
}

func (doc *Document) analysePage(nr int, lim Limits) (p Page, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}()
	xt := doc.ctx.XRefTable
	pd, _, inh, err := xt.PageDict(nr, false)
	if err != nil || pd == nil {
		return p, fmt.Errorf("%w: page dict: %v", ErrCorrupt, err)
	}
	p.Number = nr
	box := inh.MediaBox
	if inh.CropBox != nil {
		box = inh.CropBox
	}
	if box == nil {
		box = types.NewRectangle(0, 0, 612, 792)
	}
	p.MediaBox = [4]float64{box.LL.X, box.LL.Y, box.UR.X, box.UR.Y}
	p.Rotate = ((inh.Rotate % 360) + 360) % 360
	content, err := xt.PageContent(pd, nr)
	if err != nil && !errors.Is(err, model.ErrNoContent) {
		if doc.Path != "" {
			// A content stream whose filter data is broken (LZW or Flate
			// cut short) is drawn by viewers as far as it decodes: poppler
			// renders the page, the recognition reads the picture.
			return p, nil
		}
		return p, fmt.Errorf("%w: content: %v", ErrCorrupt, err)
	}
	sum := scanContent(content)
	p.ShowsText = sum.showText
	if sum.showText || sum.inline || len(sum.draws) != 1 || inh.Resources == nil {
		return p, nil
	}
	xobjs, err := xt.DereferenceDict(inh.Resources["XObject"])
	if err != nil || xobjs == nil {
		return p, nil
	}
	sd, _, err := xt.DereferenceStreamDict(xobjs[sum.draws[0].name])
	if err != nil || sd == nil {
		return p, nil
	}
	if st := sd.Subtype(); st == nil || *st != "Image" {
		return p, nil
	}
	m := sum.draws[0].ctm
	// The image must cover (nearly) the whole page and be axis-aligned, or
	// the text layer of the image would not describe the page.
	if math.Abs(m[1]) > 1e-6 || math.Abs(m[2]) > 1e-6 {
		return p, nil
	}
	pw, ph := p.MediaBox[2]-p.MediaBox[0], p.MediaBox[3]-p.MediaBox[1]
	if math.Abs(m[0])*math.Abs(m[3]) < 0.85*pw*ph {
		return p, nil
	}
	img, err := imageFromStream(xt, sd, lim)
	if errors.Is(err, ErrCorrupt) && doc.Path != "" {
		// An image dictionary this reader cannot make sense of (no
		// /Height, a stream shorter than its size …) is often one that
		// viewers display anyway: let poppler render the page, and refuse
		// only if that fails too.
		return p, nil
	}
	if err != nil {
		return p, err
	}
	p.Image, p.ImageMatrix = img, m
	return p, nil
}

// imageFromStream describes an image XObject. It returns nil (rasterise)
// for colour spaces and filters it does not decode itself. DCT, CCITT and
// single-filter Flate streams (see keptPredictor) are kept as stored;
// other lossless chains (LZW, RunLength, ASCIIHex, ASCII85, Flate in a
// chain, a predictor this reader does not undo) come back decoded as
// FilterNone samples, which a writer must compress again.
func imageFromStream(xt *model.XRefTable, sd *types.StreamDict, lim Limits) (*Image, error) {
	w, h := sd.IntEntry("Width"), sd.IntEntry("Height")
	if w == nil || h == nil {
		return nil, fmt.Errorf("%w: image without size", ErrCorrupt)
	}
	if err := lim.check(*w, *h); err != nil {
		return nil, err
	}
	if b := sd.BooleanEntry("ImageMask"); b != nil && *b {
		return nil, nil
	}
	img := &Image{Width: *w, Height: *h, BitsPerComponent: 8}
	if bpc := sd.IntEntry("BitsPerComponent"); bpc != nil {
		img.BitsPerComponent = *bpc
	}
	switch comps := colorComponents(xt, sd.Dict["ColorSpace"]); comps {
	case 1, 3, 4:
		img.Components = comps
	default:
		return nil, nil
	}
	if dec, err := xt.DereferenceArray(sd.Dict["Decode"]); err == nil && len(dec) >= 2 {
		a, _ := xt.DereferenceNumber(dec[0])
		b, _ := xt.DereferenceNumber(dec[1])
		img.Invert = a > b
	}
	if len(sd.FilterPipeline) == 1 {
		f := sd.FilterPipeline[0]
		switch f.Name {
		case FilterDCT:
			img.Filter, img.Data = FilterDCT, sd.Raw
			return img, nil
		case FilterCCITT:
			img.Filter, img.Data, img.K = FilterCCITT, sd.Raw, 0
			img.BitsPerComponent = 1
			if f.DecodeParms != nil {
				if k := f.DecodeParms.IntEntry("K"); k != nil {
					img.K = *k
				}
				if b := f.DecodeParms.BooleanEntry("BlackIs1"); b != nil && *b {
					img.Invert = !img.Invert
				}
				if b := f.DecodeParms.BooleanEntry("EncodedByteAlign"); b != nil {
					img.EncodedByteAlign = *b
				}
			}
			if img.K > 0 {
				return nil, nil // mixed 1-D/2-D G3: let poppler render it
			}
			return img, nil
		case FilterFlate:
			if p, ok := keptPredictor(img, f.DecodeParms); ok {
				// The stream is decoded only when its samples are needed
				// (Gray), so a batch part can carry it byte for byte.
				img.Filter, img.Data, img.Predictor = FilterFlate, sd.Raw, p
				return img, nil
			}
		}
	}
	for _, f := range sd.FilterPipeline {
		switch f.Name {
		case "FlateDecode", "LZWDecode", "RunLengthDecode", "ASCIIHexDecode", "ASCII85Decode":
		default:
			return nil, nil // JBIG2, JPX, DCT in a chain: rasterise
		}
	}
	if img.BitsPerComponent != 8 && !(img.BitsPerComponent == 1 && img.Components == 1) {
		return nil, nil
	}
	if err := sd.Decode(); err != nil {
		return nil, fmt.Errorf("%w: image stream: %v", ErrCorrupt, err)
	}
	img.Filter, img.Data = FilterNone, sd.Content
	if len(img.Data) < img.rowBytes()*img.Height {
		return nil, fmt.Errorf("%w: image stream shorter than its size", ErrCorrupt)
	}
	return img, nil
}

// keptPredictor tells whether a FlateDecode image with the parameters
// parms can be kept as stored, and with which predictor: without a
// predictor, or with one Gray undoes whose /Colors, /BitsPerComponent and
// /Columns are the image's own (ImagesToPDF writes them so).
func keptPredictor(img *Image, parms types.Dict) (int, bool) {
	if img.BitsPerComponent != 8 && !(img.BitsPerComponent == 1 && img.Components == 1) {
		return 0, false
	}
	if parms == nil {
		return 0, true
	}
	get := func(key string, def int) int {
		if v := parms.IntEntry(key); v != nil {
			return *v
		}
		return def
	}
	p := get("Predictor", PredictorNone)
	if p == PredictorNone {
		return 0, true
	}
	if !predictorSupported(p, img.BitsPerComponent) || get("Colors", 1) != img.Components ||
		get("BitsPerComponent", 8) != img.BitsPerComponent || get("Columns", 1) != img.Width {
		return 0, false
	}
	return p, true
}

func colorComponents(xt *model.XRefTable, o types.Object) int {
	o, err := xt.Dereference(o)
	if err != nil || o == nil {
		return 0
	}
	switch cs := o.(type) {
	case types.Name:
		switch cs {
		case "DeviceGray", "CalGray", "G":
			return 1
		case "DeviceRGB", "CalRGB", "RGB":
			return 3
		case "DeviceCMYK", "CMYK":
			return 4
		}
	case types.Array:
		if len(cs) < 2 {
			return 0
		}
		n, _ := xt.Dereference(cs[0])
		switch n {
		case types.Name("ICCBased"):
			sd, _, err := xt.DereferenceStreamDict(cs[1])
			if err == nil && sd != nil {
				if v := sd.IntEntry("N"); v != nil {
					return *v
				}
			}
		case types.Name("CalGray"):
			return 1
		case types.Name("CalRGB"):
			return 3
		}
	}
	return 0
}
