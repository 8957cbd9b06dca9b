package sign

import (
	"io"

	"github.com/eingang/eingang/internal/pdfraw"
)

type pdfString = pdfraw.String

func openForTest(r io.ReaderAt, size int64) (*pdfraw.File, error) { return pdfraw.Open(r, size) }
