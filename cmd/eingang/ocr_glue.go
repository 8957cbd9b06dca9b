package main

import (
	"context"
	"log/slog"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/ocr"
	"github.com/eingang/eingang/internal/pipeline"
)

// ocrConfig is the ocr section, with the pool sized like the workers
// unless set.
func ocrConfig(c *config.Config) ocr.Config {
	oc := c.OCR
	if oc.Workers == 0 {
		oc.Workers = c.Workers.Concurrency
	}
	return oc
}

// newRecognizer starts the Tesseract pool.
func newRecognizer(c *config.Config, log *slog.Logger) (pipeline.Recognizer, func(), error) {
	e, err := ocr.New(ocrConfig(c), log.With("component", "ocr"))
	if err != nil {
		return nil, nil, err
	}
	return recognizer{e}, func() { e.Close() }, nil
}

// recognizer adapts the OCR engine to the pipeline.
type recognizer struct{ e *ocr.Engine }

func (r recognizer) Recognize(ctx context.Context, in, outPDF string) (*pipeline.Recognition, error) {
	res, err := r.e.Process(ctx, in, outPDF)
	if err != nil {
		return nil, err
	}
	return &pipeline.Recognition{Pages: len(res.Pages), Layout: res.Layout, PageInfo: res.Pages, Note: res.LeftOutNote()}, nil
}
