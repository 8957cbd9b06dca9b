package pipeline

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/eingang/eingang/internal/intake"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/journal/sqlite"
)

// fakeConverter writes a stand-in PDF and counts its calls.
type fakeConverter struct {
	calls int
	in    string
	err   error
}

func (c *fakeConverter) Convert(_ context.Context, in, out string) error {
	c.calls++
	c.in = in
	if c.err != nil {
		return c.err
	}
	return os.WriteFile(out, []byte("%PDF-1.4\n%%EOF\n"), 0o644)
}

// inputRecognizer remembers which file OCR was given.
type inputRecognizer struct{ in string }

func (r *inputRecognizer) Recognize(_ context.Context, in, out string) (*Recognition, error) {
	r.in = in
	return &Recognition{Pages: 1}, os.WriteFile(out, []byte("%PDF-1.4\n%%EOF\n"), 0o644)
}

func TestOfficeDocumentIsConvertedAtIngest(t *testing.T) {
	rtf := "{\\rtf1\\ansi Rechnung 4711}\n"
	tests := []struct {
		name      string
		converter *fakeConverter
		nilConv   bool
		wantErr   error
		wantCalls int
	}{
		{name: "converted", converter: &fakeConverter{}, wantCalls: 1},
		{name: "conversion fails", converter: &fakeConverter{err: errConvert}, wantErr: errConvert, wantCalls: 1},
		{name: "no converter", nilConv: true, wantErr: ErrNoOfficeConverter},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, j, root := newTestPipeline(t)
			if !tc.nilConv {
				p.office = tc.converter
			}
			rec := &inputRecognizer{}
			p.ocr = rec
			ctx := context.Background()
			c := claim(t, p, root, "brief.rtf", rtf)
			if err := p.Intake(&recordingQueue{}).HandleClaim(ctx, c); err != nil {
				t.Fatal(err)
			}
			docs, _ := j.List(ctx, journal.Filter{})
			id := docs[0].ID
			next, err := p.Run(ctx, StepIngest, id)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("ingest = %q, %v; want %v", next, err, tc.wantErr)
				}
				if tc.nilConv {
					if v := p.faults.Classify(err); !v.Permanent || v.Clerk == "" {
						t.Errorf("verdict %+v: want permanent with a clerk sentence", v)
					}
				}
				return
			}
			if err != nil || next != StepOCR {
				t.Fatalf("ingest = %q, %v; want %q", next, err, StepOCR)
			}
			if tc.converter.in != c.Path {
				t.Errorf("converted %s, want the claimed file %s", tc.converter.in, c.Path)
			}
			// A repeated ingest (the task ran again after a crash) finds
			// the PDF and does not convert again.
			if _, err := p.ingest(ctx, mustGet(t, j, id)); err != nil {
				t.Fatal(err)
			}
			if tc.converter.calls != tc.wantCalls {
				t.Errorf("%d conversions, want %d", tc.converter.calls, tc.wantCalls)
			}
			if d := mustGet(t, j, id); d.Format != string(intake.FormatRTF) {
				t.Errorf("format %q, want rtf", d.Format)
			}
			if _, err := p.Run(ctx, StepOCR, id); err != nil {
				t.Fatal(err)
			}
			if want := p.docDir(id).ConvertedPDF(); rec.in != want {
				t.Errorf("OCR read %s, want the converted PDF %s", rec.in, want)
			}
		})
	}
}

var errConvert = errors.New("soffice failed")

func mustGet(t *testing.T, j *sqlite.Journal, id string) *journal.Document {
	t.Helper()
	d, err := j.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
