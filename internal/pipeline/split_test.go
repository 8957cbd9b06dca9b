package pipeline

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/batch/batchtest"
	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/dms/archive"
	"github.com/eingang/eingang/internal/fields"
	"github.com/eingang/eingang/internal/intake"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/journal/sqlite"
	"github.com/eingang/eingang/internal/layout"
	"github.com/eingang/eingang/internal/pdf"
)

// newBatchPipeline is a pipeline with a profile stapel that splits at
// separator sheets, removes blank pages and reads Aktenzeichen labels.
func newBatchPipeline(t *testing.T, maxPages int) (*Pipeline, *sqlite.Journal, *recordingQueue, string) {
	t.Helper()
	root := t.TempDir()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
paths: {work: %[1]s/work, done: %[1]s/done, error: %[1]s/error}
targets: {archive: {type: archive, dir: %[1]s/archive}}
profiles:
  - name: stapel
    folder: %[1]s/inbox
    kind: post
    target: archive
    batch:
      separators: true
      blank_pages: remove
      max_pages_per_document: %[2]d
      barcode_fields: {aktenzeichen: '%[3]s'}
`, root, maxPages, batchtest.FieldLabel)), nil)
	if err != nil {
		t.Fatal(err)
	}
	j, err := sqlite.Open(context.Background(), filepath.Join(root, "j.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	q := &recordingQueue{}
	return New(Options{Config: cfg, Journal: j, Enqueuer: q}), j, q, root
}

// batchPDF builds the batch as a scanner would deliver it: one PDF of the
// page images (JPEG), and returns the images too.
func batchPDF(t *testing.T, b batchtest.Batch, pages []int) ([]byte, []*pdf.Image) {
	t.Helper()
	var imgs []*pdf.Image
	for _, n := range pages {
		data, err := os.ReadFile(b.Pages[n-1].File)
		if err != nil {
			t.Fatal(err)
		}
		im, err := pdf.ReadJPEG(data, pdf.Limits{})
		if err != nil {
			t.Fatalf("%s page %d: %v", b.Name, n, err)
		}
		imgs = append(imgs, im)
	}
	return pdf.ImagesToPDF(imgs), imgs
}

func claimBytes(t *testing.T, p *Pipeline, root, profile, name string, data []byte) intake.Claim {
	t.Helper()
	src := filepath.Join(root, name)
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := intake.ClaimFile(src, filepath.Join(p.ClaimDir(), profile), profile)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func pickBatches(t *testing.T, names ...string) []batchtest.Batch {
	t.Helper()
	all := batchtest.Load(t)
	var out []batchtest.Batch
	for _, b := range all {
		if slices.Contains(names, b.Name) {
			out = append(out, b)
		}
	}
	if len(out) != len(names) {
		t.Fatalf("found %d of the batches %v", len(out), names)
	}
	return out
}

func allPages(b batchtest.Batch) []int {
	var n []int
	for i := range b.Pages {
		n = append(n, i+1)
	}
	return n
}

// A batch scan becomes one document per separated document: each part
// holds exactly its pages' images byte for byte (a blank back the test
// kept may stay, nothing with content is lost), names its place in the
// batch, carries the Aktenzeichen of its own label and no other's, and
// lists the removed pages for the Transfervermerk; the batch ends split
// with its original in done/. Running the split again, as after a crash,
// creates no further document.
func TestSplitGeneratedBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("analyses generated batch scans")
	}
	ctx := context.Background()
	for _, b := range pickBatches(t, "batch-06", "batch-17") {
		t.Run(b.Name, func(t *testing.T) {
			p, j, q, root := newBatchPipeline(t, 20)
			data, imgs := batchPDF(t, b, allPages(b))
			c := claimBytes(t, p, root, "stapel", b.Name+".pdf", data)
			id, err := p.Intake(q).Register(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			if next, err := p.Run(ctx, StepIngest, id); err != nil || next != StepSplit {
				t.Fatalf("ingest: next %q, %v", next, err)
			}
			if next, err := p.Run(ctx, StepSplit, id); err != nil || next != "" {
				t.Fatalf("split: next %q, %v", next, err)
			}
			bd, err := j.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if bd.State != journal.StateSplit || !bd.Terminal() || len(bd.Parts) != len(b.Docs) || bd.Pages != len(b.Pages) {
				t.Fatalf("batch: state %q, %d parts for %d documents, %d pages", bd.State, len(bd.Parts), len(b.Docs), bd.Pages)
			}
			done, _ := filepath.Glob(filepath.Join(root, "done", "*", b.Name+".pdf"))
			if len(done) != 1 {
				t.Fatalf("original in done/: %v", done)
			}
			if got, _ := os.ReadFile(done[0]); !bytes.Equal(got, data) {
				t.Error("the original in done/ was changed")
			}
			want := b.Want()
			seen := map[int]bool{}
			for i, pid := range bd.Parts {
				pd, err := j.Get(ctx, pid)
				if err != nil {
					t.Fatal(err)
				}
				if pd.Batch == nil || pd.Batch.ID != id || pd.Batch.Part != i+1 || pd.State != journal.StateReceived || pd.Step != StepIngest {
					t.Fatalf("part %d: batch %+v state %q step %q", i+1, pd.Batch, pd.State, pd.Step)
				}
				if pd.Channel != bd.Channel || pd.Profile != "stapel" {
					t.Errorf("part %d: channel %q profile %q", i+1, pd.Channel, pd.Profile)
				}
				for _, f := range []string{"aktenzeichen", "posteingang"} {
					if got, w := pd.Fields[f], b.Docs[i].Fields[f]; got != w {
						t.Errorf("part %d: %s %q, want %q", i+1, f, got, w)
					}
				}
				// The part's pages are the document's own images, unchanged.
				part, err := pdf.Open(ctx, pd.WorkPath, pdf.Limits{})
				if err != nil {
					t.Fatal(err)
				}
				var got []int
				for _, pg := range part.Pages {
					k := slices.IndexFunc(imgs, func(im *pdf.Image) bool { return pg.Image != nil && bytes.Equal(im.Data, pg.Image.Data) })
					if k < 0 {
						t.Fatalf("part %d: a page that is no batch page byte for byte", i+1)
					}
					seen[k+1] = true
					bp := b.Pages[k]
					if bp.Kind == batchtest.Blank && bp.Doc == i {
						continue // a blank back kept errs on the safe side
					}
					got = append(got, k+1)
				}
				if !slices.Equal(got, want[i]) {
					t.Errorf("part %d: batch pages %v, want %v", i+1, got, want[i])
				}
				if pd.Pages != 0 && pd.Pages != len(part.Pages) {
					t.Errorf("part %d: %d pages recorded, %d in the file", i+1, pd.Pages, len(part.Pages))
				}
				tv, err := p.batchRecord(pid)
				if err != nil || tv == nil || tv.ID != id {
					t.Fatalf("part %d: batch record %+v, %v", i+1, tv, err)
				}
				for _, r := range tv.RemovedPages {
					k := b.Pages[r.BatchPage-1].Kind
					if (k != batchtest.Blank && k != batchtest.Separator) || seen[r.BatchPage] {
						t.Errorf("part %d: removed batch page %d is %s", i+1, r.BatchPage, k)
					}
					seen[r.BatchPage] = true
				}
				rec := p.transfervermerk(pd, &config.ScanProtocol{Operator: "M. Muster"}, []layout.PageInfo{{Number: 1, DPI: b.DPI}}, tv)
				if rec.Batch == nil || len(rec.Batch.RemovedPages) != len(tv.RemovedPages) {
					t.Errorf("part %d: Transfervermerk batch %+v", i+1, rec.Batch)
				}
			}
			if len(seen) != len(b.Pages) {
				t.Errorf("%d of %d batch pages are in a part or listed as removed", len(seen), len(b.Pages))
			}

			// A crash after the parts were registered, before the batch
			// recorded them: the step runs again on the original.
			before, _ := j.List(ctx, journal.Filter{})
			if err := os.Rename(done[0], bd.WorkPath); err != nil {
				t.Fatal(err)
			}
			if _, err := j.Update(ctx, id, journal.Event{}, func(d *journal.Document) error {
				d.State, d.Step, d.Parts = journal.StateProcessing, StepSplit, nil
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := p.Run(ctx, StepSplit, id); err != nil {
				t.Fatal(err)
			}
			after, _ := j.List(ctx, journal.Filter{})
			again, _ := j.Get(ctx, id)
			if len(after) != len(before) || !slices.Equal(again.Parts, bd.Parts) || again.State != journal.StateSplit {
				t.Errorf("split again: %d documents (was %d), parts %v (were %v), state %q", len(after), len(before), again.Parts, bd.Parts, again.State)
			}
		})
	}
}

// copyRecognizer stands in for OCR: the output is the input, unchanged.
type copyRecognizer struct{ pages int }

func (r copyRecognizer) Recognize(_ context.Context, in, out string) (*Recognition, error) {
	data, err := os.ReadFile(in)
	if err != nil {
		return nil, err
	}
	return &Recognition{Pages: r.pages}, os.WriteFile(out, data, 0o644)
}

// scanPage is a synthetic page image: lines of "text" on white, or a
// blank back (white with faint noise), Flate-compressed.
func scanPage(t *testing.T, blank bool, seed uint64) *pdf.Image {
	t.Helper()
	const w, h = 850, 1100 // A4 at 100 dpi
	r := rand.New(rand.NewPCG(seed, 1))
	pix := make([]byte, w*h)
	for i := range pix {
		pix[i] = byte(250 + r.IntN(6))
	}
	if !blank {
		// Sparse, as letters are: ink is a small share of the page.
		for y := 150; y < h/2; y += 45 {
			for x := 120; x < w-120-r.IntN(300); x += 12 + r.IntN(8) {
				for dy := range 10 {
					for dx := range 4 {
						pix[(y+dy)*w+x+dx] = 20
					}
				}
			}
		}
	}
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write(pix)
	zw.Close()
	return &pdf.Image{Width: w, Height: h, BitsPerComponent: 8, Components: 1, Filter: pdf.FilterFlate, Data: buf.Bytes(), DPIX: 100, DPIY: 100}
}

// A batch with a part over max_pages_per_document (a missed separator
// sheet) is not split and does not fail: it goes on as one document,
// every page kept (the blank back too), and is delivered flagged for
// review with a German reason naming the part; its original goes to
// done/.
func TestSplitOverMaxPagesGoesToReview(t *testing.T) {
	ctx := context.Background()
	p, j, q, root := newBatchPipeline(t, 2)
	imgs := []*pdf.Image{scanPage(t, false, 1), scanPage(t, true, 2), scanPage(t, false, 3), scanPage(t, false, 4)}
	data := pdf.ImagesToPDF(imgs)
	p.ocr = copyRecognizer{pages: len(imgs)}
	p.targets = map[string]dms.Target{"archive": archive.New("archive", filepath.Join(root, "archive"))}
	id, err := p.Intake(q).Register(ctx, claimBytes(t, p, root, "stapel", "stapel.pdf", data))
	if err != nil {
		t.Fatal(err)
	}
	step := StepIngest
	var steps []string
	for step != "" {
		steps = append(steps, step)
		if step, err = p.Run(ctx, step, id); err != nil {
			t.Fatalf("%s: %v", steps[len(steps)-1], err)
		}
		if len(steps) > 10 {
			t.Fatalf("steps %v", steps)
		}
	}
	d := mustGet(t, j, id)
	if d.State != journal.StateDelivered || len(d.Parts) != 0 || !slices.Contains(steps, StepOCR) {
		t.Fatalf("batch %q parts %v after steps %v (%s)", d.State, d.Parts, steps, d.Error)
	}
	why := d.Fields[fields.ReviewWhy]
	if d.Fields[fields.NeedsReview] != "true" || !strings.Contains(why, "Teil 1 hätte 3 Seiten, mehr als die erlaubten 2") || !strings.Contains(why, "Trennblatt") {
		t.Errorf("needs_review %q, reason %q", d.Fields[fields.NeedsReview], why)
	}
	if docs, _ := j.List(ctx, journal.Filter{}); len(docs) != 1 {
		t.Errorf("%d documents, want only the batch", len(docs))
	}
	done, _ := filepath.Glob(filepath.Join(root, "done", "*", "stapel.pdf"))
	if len(done) != 1 {
		t.Fatalf("original in done/: %v", done)
	}
	if got, _ := os.ReadFile(done[0]); !bytes.Equal(got, data) {
		t.Error("the original in done/ was changed")
	}
	var delivered []string
	filepath.WalkDir(filepath.Join(root, "archive"), func(path string, e os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".pdf") {
			delivered = append(delivered, path)
		}
		return nil
	})
	if len(delivered) != 1 {
		t.Fatalf("delivered PDFs %v, want one", delivered)
	}
	out, err := pdf.Open(ctx, delivered[0], pdf.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Pages) != len(imgs) {
		t.Errorf("delivered %d pages, the batch has %d: nothing may be removed", len(out.Pages), len(imgs))
	}
}

// A batch page whose image stream is damaged cannot be checked for a
// separator: the batch goes on whole, for review, instead of being cut
// in a place nobody can vouch for.
func TestSplitUnreadablePageGoesToReview(t *testing.T) {
	ctx := context.Background()
	p, j, q, root := newBatchPipeline(t, 20)
	broken := scanPage(t, false, 2)
	broken.Data = broken.Data[:len(broken.Data)/3] // cut off mid-stream
	data := pdf.ImagesToPDF([]*pdf.Image{scanPage(t, false, 1), broken, scanPage(t, true, 3)})
	id, err := p.Intake(q).Register(ctx, claimBytes(t, p, root, "stapel", "stapel.pdf", data))
	if err != nil {
		t.Fatal(err)
	}
	if next, err := p.Run(ctx, StepIngest, id); err != nil || next != StepSplit {
		t.Fatalf("ingest: next %q, %v", next, err)
	}
	next, err := p.Run(ctx, StepSplit, id)
	if err != nil || next != StepOCR {
		t.Fatalf("split: next %q, %v; want OCR of the whole batch", next, err)
	}
	d := mustGet(t, j, id)
	if why := d.Fields[fields.BatchReview]; !strings.Contains(why, "Seite 2 des Stapels") || len(d.Parts) != 0 {
		t.Errorf("batch review %q, parts %v", why, d.Parts)
	}
}

// A batch of only blank pages has no document to check: it fails with a
// German reason and goes to the error folder as a whole.
func TestSplitOnlyBlankPagesFails(t *testing.T) {
	ctx := context.Background()
	p, j, q, root := newBatchPipeline(t, 2)
	data := pdf.ImagesToPDF([]*pdf.Image{scanPage(t, true, 5), scanPage(t, true, 6)})
	id, err := p.Intake(q).Register(ctx, claimBytes(t, p, root, "stapel", "leer.pdf", data))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(ctx, StepIngest, id); err != nil {
		t.Fatal(err)
	}
	_, err = p.Run(ctx, StepSplit, id)
	var se *SplitError
	v := p.faults.Classify(err)
	if !errors.As(err, &se) || !v.Permanent || !strings.Contains(v.Clerk, "keine Seite mit Inhalt") {
		t.Fatalf("split: %v (permanent %v, clerk %q)", err, v.Permanent, v.Clerk)
	}
	if err := p.Fail(ctx, id, StepSplit, err, v.Clerk); err != nil {
		t.Fatal(err)
	}
	d := mustGet(t, j, id)
	reason, rerr := os.ReadFile(filepath.Join(root, "error", "leer.pdf.error.txt"))
	if d.State != journal.StateFailed || len(d.Parts) != 0 || rerr != nil || !strings.Contains(string(reason), "keine Seite mit Inhalt") {
		t.Errorf("batch %q parts %v, reason %q (%v)", d.State, d.Parts, reason, rerr)
	}
}

// A file of one document with nothing to remove continues as any scan.
func TestSplitOneDocumentContinues(t *testing.T) {
	if testing.Short() {
		t.Skip("analyses a generated batch scan")
	}
	ctx := context.Background()
	b := pickBatches(t, "batch-06")[0]
	p, j, q, root := newBatchPipeline(t, 20)
	data, _ := batchPDF(t, b, b.Want()[1])
	id, err := p.Intake(q).Register(ctx, claimBytes(t, p, root, "stapel", "brief.pdf", data))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(ctx, StepIngest, id); err != nil {
		t.Fatal(err)
	}
	if next, err := p.Run(ctx, StepSplit, id); err != nil || next != StepOCR {
		t.Fatalf("split: next %q, %v", next, err)
	}
	if d, _ := j.Get(ctx, id); d.State != journal.StateProcessing || d.Step != StepOCR || d.Parts != nil {
		t.Errorf("document %q step %q parts %v", d.State, d.Step, d.Parts)
	}
}

// A part that fails later fails alone: its file goes to the error folder,
// the batch and the other parts stay as they are, and a retry of the
// part keeps its place in the batch and its record of removed pages.
func TestSplitPartFailsAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("analyses a generated batch scan")
	}
	ctx := context.Background()
	b := pickBatches(t, "batch-02")[0]
	p, j, q, root := newBatchPipeline(t, 20)
	data, _ := batchPDF(t, b, allPages(b))
	in := p.Intake(q)
	id, err := in.Register(ctx, claimBytes(t, p, root, "stapel", "stapel.pdf", data))
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{StepIngest, StepSplit} {
		if _, err := p.Run(ctx, step, id); err != nil {
			t.Fatal(err)
		}
	}
	bd, _ := j.Get(ctx, id)
	if len(bd.Parts) != 2 {
		t.Fatalf("parts %v", bd.Parts)
	}
	// The second part starts with the sheet, which its record lists.
	first, second := bd.Parts[1], bd.Parts[0]
	if err := p.Fail(ctx, first, StepOCR, errors.New("ocr broke"), "Texterkennung fehlgeschlagen."); err != nil {
		t.Fatal(err)
	}
	f, _ := j.Get(ctx, first)
	s, _ := j.Get(ctx, second)
	bd, _ = j.Get(ctx, id)
	if f.State != journal.StateFailed || s.State != journal.StateReceived || bd.State != journal.StateSplit {
		t.Fatalf("states: failed part %q, other part %q, batch %q", f.State, s.State, bd.State)
	}
	if _, err := os.Stat(filepath.Join(root, "error", "stapel-teil-02.pdf")); err != nil {
		t.Errorf("failed part not in the error folder: %v", err)
	}
	if err := in.Retry(ctx, first, "clerk"); err != nil {
		t.Fatal(err)
	}
	f, _ = j.Get(ctx, first)
	tv, err := p.batchRecord(first)
	if f.State != journal.StateReceived || f.Batch == nil || f.Batch.ID != id || f.Batch.Part != 2 || err != nil || tv == nil || len(tv.RemovedPages) != 1 {
		t.Errorf("retried part: state %q batch %+v, record %+v (%v)", f.State, f.Batch, tv, err)
	}
}

// A multi-page TIFF batch splits like a PDF one; its parts are PDFs of
// the TIFF's page images.
func TestSplitTIFFBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("analyses a generated batch scan")
	}
	ctx := context.Background()
	b := pickBatches(t, "batch-02")[0]
	p, j, q, root := newBatchPipeline(t, 20)
	tif := filepath.Join(t.TempDir(), "stapel.tif")
	args := []string{}
	for _, pg := range b.Pages {
		args = append(args, pg.File)
	}
	args = append(args, "-colorspace", "Gray", "-compress", "lzw", tif)
	if out, err := exec.Command("convert", args...).CombinedOutput(); err != nil {
		t.Fatalf("convert: %v\n%s", err, out)
	}
	data, err := os.ReadFile(tif)
	if err != nil {
		t.Fatal(err)
	}
	id, err := p.Intake(q).Register(ctx, claimBytes(t, p, root, "stapel", "stapel.tif", data))
	if err != nil {
		t.Fatal(err)
	}
	if next, err := p.Run(ctx, StepIngest, id); err != nil || next != StepSplit {
		t.Fatalf("ingest: next %q, %v", next, err)
	}
	if _, err := p.Run(ctx, StepSplit, id); err != nil {
		t.Fatal(err)
	}
	bd, _ := j.Get(ctx, id)
	if bd.State != journal.StateSplit || len(bd.Parts) != len(b.Docs) {
		t.Fatalf("batch %q parts %v", bd.State, bd.Parts)
	}
	for i, pid := range bd.Parts {
		pd, _ := j.Get(ctx, pid)
		part, err := pdf.Open(ctx, pd.WorkPath, pdf.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if len(part.Pages) != len(b.Want()[i]) || pd.Batch == nil || pd.Batch.Part != i+1 {
			t.Errorf("part %d: %d pages, want %d; batch %+v", i+1, len(part.Pages), len(b.Want()[i]), pd.Batch)
		}
	}
}
