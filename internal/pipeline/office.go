package pipeline

import (
	"context"
	"errors"
	"os"
)

// OfficeConverter renders a word-processing document (DOCX, DOC, ODT,
// RTF) as PDF (package office). The PDF must appear at out only when
// complete: ingest takes an existing out as a finished conversion.
type OfficeConverter interface {
	Convert(ctx context.Context, in, out string) error
}

// ErrNoOfficeConverter means an office document arrived but no converter
// is set up (the program was started without one).
var ErrNoOfficeConverter = errors.New("office document but no office converter is configured")

// convertOffice renders the office document of doc into its work folder,
// unless an earlier attempt already did: the step is retried after a
// crash or a transient failure, and a second conversion would only cost
// time.
func (p *Pipeline) convertOffice(ctx context.Context, w workDir, in string) error {
	if _, err := os.Stat(w.ConvertedPDF()); err == nil {
		return nil
	}
	if p.office == nil {
		return ErrNoOfficeConverter
	}
	if err := w.Create(); err != nil {
		return err
	}
	return p.office.Convert(ctx, in, w.ConvertedPDF())
}
