package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/eingang/eingang/internal/journal"
)

// noteRecognizer reports a recognition that left something out.
type noteRecognizer struct{ note string }

func (r noteRecognizer) Recognize(_ context.Context, _, out string) (*Recognition, error) {
	return &Recognition{Pages: 1, Note: r.note}, os.WriteFile(out, []byte("%PDF-1.4\n%%EOF\n"), 0o644)
}

// The OCR step's journal event carries the recognition's note (pages of
// the page tree left out because they are no pages) after the page count,
// so that a clerk reading the history sees why the document is shorter
// than its page tree claims.
func TestRecognitionNoteInJournal(t *testing.T) {
	tests := []struct{ note, want string }{
		{"", "1 pages"},
		{"1 page of the page tree is not a page and was left out", "1 pages; 1 page of the page tree is not a page and was left out"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			p, j, root := newTestPipeline(t)
			p.ocr = noteRecognizer{tt.note}
			ctx := context.Background()
			pdf, err := os.ReadFile(filepath.Join("..", "pdf", "testdata", "pages-tree-loop.pdf"))
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Intake(&recordingQueue{}).HandleClaim(ctx, claim(t, p, root, "a.pdf", string(pdf))); err != nil {
				t.Fatal(err)
			}
			docs, _ := j.List(ctx, journal.Filter{})
			id := docs[0].ID
			for _, step := range []string{StepIngest, StepOCR} {
				if _, err := p.Run(ctx, step, id); err != nil {
					t.Fatalf("%s: %v", step, err)
				}
			}
			var got []string
			for _, e := range mustGet(t, j, id).Events {
				if e.Step == StepOCR {
					got = append(got, e.Detail)
				}
			}
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("OCR events %q, want %q", got, tt.want)
			}
		})
	}
}
