package ocr

/*
#cgo LDFLAGS: -llept
#include <stdlib.h>
#include <leptonica/allheaders.h>

// eingang_read_jpeg_gray decodes a JPEG to 8-bit gray through leptonica's
// libjpeg(-turbo), keeping only the luminance of a YCbCr JPEG. It returns
// NULL when the stream is not gray or YCbCr (then the caller's decoder
// decides) and sets *nwarn to libjpeg's count of corrupt-data warnings.
static PIX *eingang_read_jpeg_gray(const l_uint8 *data, size_t size, l_int32 *nwarn) {
	*nwarn = 0;
	PIX *pix = pixReadMemJpeg(data, size, 0, 1, nwarn, L_JPEG_READ_LUMINANCE);
	if (pix == NULL) {
		return NULL;
	}
	if (pixGetDepth(pix) != 8 || pixGetColormap(pix) != NULL) {
		pixDestroy(&pix);
		return NULL;
	}
	return pix;
}

static void eingang_pix_destroy(PIX *pix) { pixDestroy(&pix); }
*/
import "C"

import (
	"encoding/binary"
	"image"
	"unsafe"

	"github.com/eingang/eingang/internal/pdf"
)

// pageGray decodes a page image for recognition. A gray or YCbCr JPEG —
// every scanned page of the corpus — is decoded by libjpeg-turbo, which
// Tesseract's leptonica links anyway: Go's image/jpeg took ≈ 65 ms of CPU
// for an A4 page at 300 dpi, about 5 % of the page's recognition, and
// libjpeg-turbo's SIMD decoder a fraction of that. Both implement the same
// integer IDCT, so the pixels differ by at most a level here and there
// (see TestPageGrayMatchesGo). Anything else, and any stream libjpeg
// warns about, goes through pdf.Image.Gray, whose errors (ErrCorrupt
// makes the engine render the page with poppler instead) stay as they
// are.
func pageGray(im *pdf.Image, lim pdf.Limits) (*image.Gray, error) {
	if g := jpegGray(im, lim); g != nil {
		return g, nil
	}
	return im.Gray(lim)
}

// jpegGray is pageGray's libjpeg path; nil means "not taken".
func jpegGray(im *pdf.Image, lim pdf.Limits) *image.Gray {
	if im.Filter != pdf.FilterDCT || (im.Components != 1 && im.Components != 3) || len(im.Data) == 0 {
		return nil
	}
	// Out-of-limit sizes get their error from pdf.Image.Gray.
	if im.Width <= 0 || im.Height <= 0 || im.Width < lim.MinSide || im.Height < lim.MinSide ||
		(lim.MaxPixels > 0 && int64(im.Width)*int64(im.Height) > lim.MaxPixels) {
		return nil
	}
	// libjpeg prints its warnings about a damaged stream straight to fd 2;
	// a truncated one (no end marker) is left to Go's decoder, which only
	// returns an error.
	if !endsWithEOI(im.Data) {
		return nil
	}
	var nwarn C.l_int32
	pix := C.eingang_read_jpeg_gray((*C.l_uint8)(unsafe.Pointer(&im.Data[0])), C.size_t(len(im.Data)), &nwarn)
	if pix == nil {
		return nil
	}
	defer C.eingang_pix_destroy(pix)
	w, h := int(C.pixGetWidth(pix)), int(C.pixGetHeight(pix))
	if nwarn != 0 || w != im.Width || h != im.Height {
		return nil
	}
	wpl := int(C.pixGetWpl(pix))
	words := unsafe.Slice((*uint32)(unsafe.Pointer(C.pixGetData(pix))), wpl*h)
	g := image.NewGray(image.Rect(0, 0, w, h))
	// Leptonica keeps 8-bit pixels in 32-bit words, the leftmost pixel in
	// the most significant byte whatever the machine's byte order.
	full := w / 4
	for y := range h {
		row := words[y*wpl : (y+1)*wpl]
		out := g.Pix[y*w : (y+1)*w]
		for x := range full {
			binary.BigEndian.PutUint32(out[4*x:], row[x])
		}
		for x := 4 * full; x < w; x++ {
			out[x] = uint8(row[x/4] >> (24 - 8*(x%4)))
		}
	}
	if im.Invert {
		for i, v := range g.Pix {
			g.Pix[i] = 255 - v
		}
	}
	return g
}

// endsWithEOI reports whether the JPEG's end-of-image marker is within its
// last bytes (a PDF stream may carry a line end or padding after it).
func endsWithEOI(b []byte) bool {
	tail := b[max(0, len(b)-16):]
	for i := len(tail) - 2; i >= 0; i-- {
		if tail[i] == 0xFF && tail[i+1] == 0xD9 {
			return true
		}
	}
	return false
}
