package pdf

import (
	"fmt"
	"io"
)

// Predictor values of a FlateDecode /DecodeParms (ISO 32000-1 §7.4.4.4).
const (
	PredictorNone = 1
	PredictorTIFF = 2
	// PredictorPNG is the lowest of the PNG values 10–15; all of them
	// mean the same to a decoder (each row names its own filter).
	PredictorPNG = 10
)

// predictorSupported reports whether newPredictorReader undoes p for
// samples of the given size. TIFF predictor 2 on sub-byte samples
// differences bit fields, which no scanner writes: those images keep
// the decoded path.
func predictorSupported(p, bpc int) bool {
	switch {
	case p <= PredictorNone:
		return true
	case p == PredictorTIFF:
		return bpc == 8
	case p >= PredictorPNG && p <= 15:
		return bpc == 1 || bpc == 2 || bpc == 4 || bpc == 8 || bpc == 16
	}
	return false
}

// newPredictorReader returns r with the predictor p undone: it reads
// rows of columns×colors samples of bpc bits from the inflated stream
// and yields the original sample rows. p ≤ 1 returns r itself.
func newPredictorReader(r io.Reader, p, colors, bpc, columns int) (io.Reader, error) {
	if p <= PredictorNone {
		return r, nil
	}
	if !predictorSupported(p, bpc) || colors < 1 || columns < 1 || colors > 32 {
		return nil, fmt.Errorf("%w: predictor %d with %d colours at %d bits", ErrUnsupportedFormat, p, colors, bpc)
	}
	rowBits := int64(columns) * int64(colors) * int64(bpc)
	if rowBits > 1<<34 {
		return nil, fmt.Errorf("%w: predictor row of %d bits", ErrCorrupt, rowBits)
	}
	rowLen := int((rowBits + 7) / 8)
	// bpp is the distance to the corresponding byte of the pixel to the
	// left, at least one byte (PNG's rule, which PDF adopts).
	bpp := max(1, (colors*bpc+7)/8)
	pr := &predictorReader{r: r, png: p >= PredictorPNG, bpp: bpp, prev: make([]byte, rowLen), cur: make([]byte, rowLen)}
	if pr.png {
		pr.in = make([]byte, rowLen+1)
	} else {
		pr.in = pr.cur
	}
	return pr, nil
}

type predictorReader struct {
	r         io.Reader
	png       bool
	bpp       int
	in        []byte // the encoded row: the PNG filter type byte, then the row
	prev, cur []byte
	out       []byte // what is left of the decoded current row
	err       error
}

func (p *predictorReader) Read(b []byte) (int, error) {
	for len(p.out) == 0 {
		if p.err != nil {
			return 0, p.err
		}
		if p.err = p.row(); p.err != nil && len(p.out) == 0 {
			return 0, p.err
		}
	}
	n := copy(b, p.out)
	p.out = p.out[n:]
	return n, nil
}

// row reads and decodes the next row into out.
func (p *predictorReader) row() error {
	if _, err := io.ReadFull(p.r, p.in); err != nil {
		if err == io.ErrUnexpectedEOF {
			// A stream cut inside a row: the rows before it were whole.
			return fmt.Errorf("%w: predictor row cut short", ErrCorrupt)
		}
		return err
	}
	if p.png {
		p.prev, p.cur = p.cur, p.prev
		if err := unPNG(p.in[0], p.in[1:], p.prev, p.cur, p.bpp); err != nil {
			return err
		}
	} else {
		unTIFF(p.cur, p.bpp)
	}
	p.out = p.cur
	return nil
}

// unPNG decodes one PNG-filtered row (filter type typ, data in) into
// cur, given the decoded row above it (zeros for the first row).
func unPNG(typ byte, in, prev, cur []byte, bpp int) error {
	switch typ {
	case 0: // None
		copy(cur, in)
	case 1: // Sub
		for i := range in {
			var a byte
			if i >= bpp {
				a = cur[i-bpp]
			}
			cur[i] = in[i] + a
		}
	case 2: // Up
		for i := range in {
			cur[i] = in[i] + prev[i]
		}
	case 3: // Average
		for i := range in {
			var a int
			if i >= bpp {
				a = int(cur[i-bpp])
			}
			cur[i] = in[i] + byte((a+int(prev[i]))/2)
		}
	case 4: // Paeth
		for i := range in {
			var a, c byte
			if i >= bpp {
				a, c = cur[i-bpp], prev[i-bpp]
			}
			cur[i] = in[i] + paeth(a, prev[i], c)
		}
	default:
		return fmt.Errorf("%w: PNG predictor type %d", ErrCorrupt, typ)
	}
	return nil
}

// paeth is the PNG Paeth predictor of left a, above b, upper left c.
func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := absInt(p-int(a)), absInt(p-int(b)), absInt(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// unTIFF undoes TIFF predictor 2 for 8-bit samples in place: each sample
// is stored as the difference to the same colour component of the pixel
// to its left (n components per pixel).
func unTIFF(row []byte, n int) {
	for i := n; i < len(row); i++ {
		row[i] += row[i-n]
	}
}
