package main

import (
	"context"

	"github.com/eingang/eingang/internal/extract/tesscli"
	"github.com/eingang/eingang/internal/layout"
)

// cliSource is the fallback while internal/ocr is not built in.
type cliSource struct{ r *tesscli.Runner }

func newCLISource(cache string) layoutSource { return cliSource{tesscli.New(cache)} }

func (cliSource) Name() string {
	return "tesseract CLI stand-in (pdfimages/pdftoppm + tesseract --psm 1 tsv), NOT the workers' internal/ocr path"
}

func (s cliSource) Layout(ctx context.Context, path string) (layout.Document, error) {
	return s.r.Layout(ctx, path)
}
