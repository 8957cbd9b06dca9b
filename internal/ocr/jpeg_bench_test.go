package ocr

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/eingang/eingang/internal/pdf"
	"github.com/eingang/eingang/internal/testenv/repo"
)

func benchPageImage(b *testing.B) *pdf.Image {
	doc, err := pdf.Open(context.Background(), filepath.Join(repo.CorpusDefault("scans"), "scan-0001.pdf"), pdf.Limits{MaxPixels: 100_000_000, MinSide: 16})
	if err != nil {
		b.Skip(err)
	}
	b.Cleanup(func() { doc.Close() })
	return doc.Pages[0].Image
}

func BenchmarkPageGray(b *testing.B) {
	im := benchPageImage(b)
	lim := pdf.Limits{MaxPixels: 100_000_000, MinSide: 16}
	b.Run("go", func(b *testing.B) {
		for b.Loop() {
			im.Gray(lim)
		}
	})
	b.Run("libjpeg", func(b *testing.B) {
		for b.Loop() {
			pageGray(im, lim)
		}
	})
}
