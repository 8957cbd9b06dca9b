//go:build zxingcpp

package barcode

// #cgo CXXFLAGS: -std=c++17
// #cgo pkg-config: zxing
// #include <stdlib.h>
// #include "zxingcpp.h"
import "C"

import (
	"context"
	"errors"
	"fmt"
	"image"
	"strings"
	"unsafe"
)

// ZXingCPP decodes with zxing-cpp (Debian libzxing-dev) through cgo. It
// is built only with the build tag zxingcpp, so the default build stays
// pure Go; the README compares it with [GoZXing].
type ZXingCPP struct {
	Formats   []Format
	TryHarder bool
}

// Decode implements [Decoder].
func (z ZXingCPP) Decode(ctx context.Context, img image.Image) ([]Code, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g := Gray(img)
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	if w < 8 || h < 8 {
		return nil, nil
	}
	mask := 0
	formats := z.Formats
	if len(formats) == 0 {
		formats = []Format{QR, Code128}
	}
	for _, f := range formats {
		switch f {
		case QR:
			mask |= 1
		case Code128:
			mask |= 2
		default:
			return nil, fmt.Errorf("barcode: zxing-cpp cannot read %s", f)
		}
	}
	harder := 0
	if z.TryHarder {
		harder = 1
	}
	const capacity = 8192
	out := (*C.char)(C.malloc(capacity))
	defer C.free(unsafe.Pointer(out))
	n := C.eingang_zxing_decode((*C.uchar)(unsafe.Pointer(&g.Pix[0])), C.int(w), C.int(h), C.int(g.Stride), C.int(mask), C.int(harder), out, capacity)
	if n < 0 {
		return nil, errors.New("barcode: zxing-cpp failed")
	}
	var codes []Code
	for _, line := range strings.Split(C.GoString(out), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			continue
		}
		var r image.Rectangle
		fmt.Sscan(f[2], &r.Min.X, &r.Min.Y, &r.Max.X, &r.Max.Y)
		codes = append(codes, Code{Format: Format(f[0]), Text: f[1], Bounds: r})
	}
	return codes, nil
}

func zxingCPPBackend() *Backend {
	return &Backend{Name: "zxing-cpp", New: func(f []Format, hard bool) Decoder { return ZXingCPP{Formats: f, TryHarder: hard} }}
}
