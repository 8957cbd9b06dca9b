package pdf

import (
	"fmt"
	"io"

	"github.com/eingang/eingang/internal/pdfraw"
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
		if !pdfraw.UndoPNGFilter(p.in[0], p.in[1:], p.prev, p.cur, p.bpp) {
			return fmt.Errorf("%w: PNG predictor type %d", ErrCorrupt, p.in[0])
		}
	} else {
		unTIFF(p.cur, p.bpp)
	}
	p.out = p.cur
	return nil
}

// unTIFF undoes TIFF predictor 2 for 8-bit samples in place: each sample
// is stored as the difference to the same colour component of the pixel
// to its left (n components per pixel).
func unTIFF(row []byte, n int) {
	for i := n; i < len(row); i++ {
		row[i] += row[i-n]
	}
}
