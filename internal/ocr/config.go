package ocr

import (
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Config configures the OCR engine. The zero value of a field means its
// default (see [Defaults]).
type Config struct {
	// Languages are Tesseract language codes joined by "+": "deu" (default)
	// or "deu+eng". Every extra language costs recognition time.
	Languages string `yaml:"languages"`
	// TessdataPrefix is the directory holding *.traineddata; "" uses
	// Tesseract's compiled-in default (TESSDATA_PREFIX if set).
	TessdataPrefix string `yaml:"tessdata_prefix"`
	// PSM is Tesseract's page segmentation mode (default 3, fully automatic
	// without OSD: orientation is detected by eingang itself).
	PSM int `yaml:"psm"`
	// OEM is Tesseract's engine mode (default 1, LSTM only). It only
	// matters with traineddata that contain the legacy engine.
	OEM int `yaml:"oem"`
	// Workers is the number of Tesseract clients, i.e. pages recognised at
	// the same time; 0 means one per CPU core.
	Workers int `yaml:"workers"`
	// PageTimeout bounds the time for one page (default 120s).
	PageTimeout time.Duration `yaml:"page_timeout"`
	// RecycleAfterPages replaces a Tesseract client after this many pages
	// (default 200), because gosseract leaks a little per page.
	RecycleAfterPages int `yaml:"recycle_after_pages"`
	// RecycleRSSMB replaces a client after a page when the process's
	// resident memory exceeds this many MiB (default 1024).
	RecycleRSSMB int `yaml:"recycle_rss_mb"`
	// MaxPixels refuses page images with more pixels (default 100 million:
	// an A3 page at 600 dpi is 70 million). Guards against decompression
	// bombs; a worker needs about 6 bytes per pixel of the largest page.
	MaxPixels int64 `yaml:"max_pixels"`
	// RecognitionPixels is the largest image Tesseract is given (default 25
	// million: A4 at 500 dpi). Larger pages are recognised from a
	// downscaled copy and their word boxes scaled back, so that memory per
	// page stays bounded (Tesseract needs several bytes per pixel); the
	// visible page keeps its full resolution. Pages that must be rendered
	// are rendered at a resolution that fits.
	RecognitionPixels int64 `yaml:"recognition_pixels"`
	// MaxPages refuses longer documents (default 2000).
	MaxPages int `yaml:"max_pages"`
	// RasterDPI is the resolution for pages that must be rendered (default
	// 300).
	RasterDPI int `yaml:"raster_dpi"`
	// ICCProfile is the path of an sRGB ICC profile for the PDF/A output
	// intent; "" tries /usr/share/color/icc/sRGB.icc (Debian
	// icc-profiles-free). Without a profile no PDF/A identification is
	// written.
	ICCProfile string `yaml:"icc_profile"`
}

// Defaults returns the configuration used for zero fields.
func Defaults() Config {
	return Config{
		Languages:         "deu",
		PSM:               3,
		OEM:               1,
		PageTimeout:       120 * time.Second,
		RecycleAfterPages: 200,
		RecycleRSSMB:      1024,
		MaxPixels:         100_000_000,
		RecognitionPixels: 25_000_000,
		MaxPages:          2000,
		RasterDPI:         300,
	}
}

// withDefaults fills zero fields from Defaults.
func (c Config) withDefaults() Config {
	d := Defaults()
	if c.Languages == "" {
		c.Languages = d.Languages
	}
	if c.PSM == 0 {
		c.PSM = d.PSM
	}
	if c.OEM == 0 {
		c.OEM = d.OEM
	}
	if c.PageTimeout == 0 {
		c.PageTimeout = d.PageTimeout
	}
	if c.RecycleAfterPages == 0 {
		c.RecycleAfterPages = d.RecycleAfterPages
	}
	if c.RecycleRSSMB == 0 {
		c.RecycleRSSMB = d.RecycleRSSMB
	}
	if c.MaxPixels == 0 {
		c.MaxPixels = d.MaxPixels
	}
	if c.RecognitionPixels == 0 {
		c.RecognitionPixels = min(d.RecognitionPixels, c.MaxPixels)
	}
	if c.MaxPages == 0 {
		c.MaxPages = d.MaxPages
	}
	if c.RasterDPI == 0 {
		c.RasterDPI = d.RasterDPI
	}
	return c
}

var langRe = regexp.MustCompile(`^[a-z][a-z_]{1,20}(\+[a-z][a-z_]{1,20})*$`)

// Validate checks the configuration; messages name the offending key.
func (c Config) Validate() error {
	var errs []error
	if c.Languages != "" && !langRe.MatchString(c.Languages) {
		errs = append(errs, fmt.Errorf("languages: %q is not like \"deu\" or \"deu+eng\"", c.Languages))
	}
	// PSM 0 is "OSD only" and yields no text; zero here means default.
	if c.PSM < 0 || c.PSM > 13 || c.PSM == 2 {
		errs = append(errs, fmt.Errorf("psm: %d is not a page segmentation mode that recognises text (1, 3–13)", c.PSM))
	}
	if c.OEM < 0 || c.OEM > 3 {
		errs = append(errs, fmt.Errorf("oem: %d is not 0–3", c.OEM))
	}
	if c.Workers < 0 || c.Workers > 256 {
		errs = append(errs, fmt.Errorf("workers: %d is not 0 (one per core) to 256", c.Workers))
	}
	if c.PageTimeout < 0 || (c.PageTimeout > 0 && c.PageTimeout < time.Second) {
		errs = append(errs, fmt.Errorf("page_timeout: %s is shorter than 1s", c.PageTimeout))
	}
	if c.RecycleAfterPages < 0 {
		errs = append(errs, fmt.Errorf("recycle_after_pages: must not be negative"))
	}
	if c.RecycleRSSMB < 0 || (c.RecycleRSSMB > 0 && c.RecycleRSSMB < 100) {
		errs = append(errs, fmt.Errorf("recycle_rss_mb: %d is below 100", c.RecycleRSSMB))
	}
	if c.MaxPixels < 0 || (c.MaxPixels > 0 && c.MaxPixels < 1_000_000) {
		errs = append(errs, fmt.Errorf("max_pixels: %d is below one million", c.MaxPixels))
	}
	if c.RecognitionPixels < 0 || (c.RecognitionPixels > 0 && c.RecognitionPixels < 2_000_000) {
		errs = append(errs, fmt.Errorf("recognition_pixels: %d is below two million (A4 at 200 dpi)", c.RecognitionPixels))
	} else if c.RecognitionPixels > 0 && c.MaxPixels > 0 && c.RecognitionPixels > c.MaxPixels {
		errs = append(errs, fmt.Errorf("recognition_pixels: %d is above max_pixels (%d)", c.RecognitionPixels, c.MaxPixels))
	}
	if c.MaxPages < 0 {
		errs = append(errs, fmt.Errorf("max_pages: must not be negative"))
	}
	if c.RasterDPI < 0 || (c.RasterDPI > 0 && (c.RasterDPI < 100 || c.RasterDPI > 600)) {
		errs = append(errs, fmt.Errorf("raster_dpi: %d is not 100–600", c.RasterDPI))
	}
	return errors.Join(errs...)
}
