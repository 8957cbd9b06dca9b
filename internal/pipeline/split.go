package pipeline

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/eingang/eingang/internal/batch"
	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/fields"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/pdf"
	"github.com/eingang/eingang/internal/transfervermerk"
)

// StepSplit cuts a batch scan into its documents, right after ingest and
// before OCR, for profiles with batch settings.
const StepSplit = "split"

// splitLimits bound the page images of a batch as OCR's defaults do.
var splitLimits = pdf.Limits{MaxPixels: 100_000_000, MinSide: 16}

// SplitError is a batch that cannot be split as configured: it has no
// page with content, its settings are invalid or a page image cannot be
// read. The batch goes to the error folder as a whole. (A part over
// max_pages_per_document is no SplitError: see split.)
type SplitError struct {
	// Why is the German reason (the plan's own words).
	Why string
	Err error
}

func (e *SplitError) Error() string { return "batch split: " + e.Why }

// Unwrap returns the cause.
func (e *SplitError) Unwrap() error { return e.Err }

// splits reports whether the profile cuts its files into documents.
func splits(prof config.Profile) bool {
	b := prof.Batch
	return b != nil && (b.Separators || b.SplitEvery > 0 || b.BlankPages == "remove")
}

// splitsProfile reports whether the document's profile splits batches.
func (p *Pipeline) splitsProfile(doc *journal.Document) bool {
	prof, ok := p.cfg.Profile(doc.Profile)
	return ok && splits(prof)
}

// batchRecordPath is where a part's place in the batch and the pages left
// out of it are kept for its Transfervermerk: beside the part files, not
// in the work folder, which a failure and a retry remove.
func (p *Pipeline) batchRecordPath(id string) string {
	return filepath.Join(p.partsDir(), id+".batch.json")
}

// partsDir is where the part files lie while they are processed; the
// batch's original goes to done/ unchanged, the parts are derived from it.
func (p *Pipeline) partsDir() string { return filepath.Join(p.cfg.Paths.Work, "parts") }

// split analyses every page of a batch (separator sheet? blank?), plans
// the parts and registers each part as a document of its own. Each part
// file holds the batch's page images unchanged and is byte-deterministic,
// so its id (the content hash) is the same every time: a split repeated
// after a crash finds its parts registered and creates none twice. A
// batch that is one document with nothing removed continues to OCR.
func (p *Pipeline) split(ctx context.Context, doc *journal.Document) (string, error) {
	prof, err := p.profile(doc)
	if err != nil {
		return "", err
	}
	if len(doc.Parts) > 0 {
		// The parts were registered before a crash; the original may
		// already lie in done/.
		return "", p.finishSplit(ctx, doc)
	}
	data, err := os.ReadFile(doc.WorkPath)
	if err != nil {
		return "", err
	}
	pd, err := pdf.OpenBytes(ctx, data, doc.WorkPath, splitLimits)
	if err != nil {
		// The OCR step reports what is wrong with the file, as for any
		// other document.
		return p.noSplit(ctx, doc, "not split: "+err.Error())
	}
	if len(pd.Pages) < 2 {
		return p.noSplit(ctx, doc, "one page, not split")
	}
	imgs := make([]*pdf.Image, len(pd.Pages))
	for i, pg := range pd.Pages {
		if pg.Image == nil {
			// A born-digital PDF or a page with more than one picture is
			// not a scanned batch: its pages could not be kept as they are.
			return p.noSplit(ctx, doc, fmt.Sprintf("page %d is not a page image, not split", i+1))
		}
		imgs[i] = pageImage(pg)
	}
	b := prof.Batch
	opts, err := b.Options()
	if err != nil {
		return "", &SplitError{Why: "die Stapel-Einstellungen des Profils sind ungültig (" + err.Error() + ").", Err: err}
	}
	// The whole page is read exactly when something can be found only
	// there: barcode_fields, and foreign separator codes. No setting
	// turns it on or off: on without them finds nothing Plan uses, off
	// with them loses fields and sheets.
	det := batch.NewDetector(b.SeparatorStrings, len(b.BarcodeFields) > 0 || len(b.SeparatorStrings) > 0)
	infos := make([]batch.PageInfo, len(imgs))
	for i, im := range imgs {
		g, err := im.Gray(splitLimits)
		if err != nil {
			// Without this page the plan could cut in the wrong place. The
			// file goes on whole: the OCR step rasterises such a page
			// with poppler or names what is wrong with it, and a person
			// splits the stack by hand.
			why := fmt.Sprintf("Seite %d des Stapels konnte nicht auf Trennblätter und Leerseiten geprüft werden; der Stapel wurde nicht aufgeteilt. Bitte den Stapel prüfen.", i+1)
			return p.reviewUnsplit(ctx, doc, why, fmt.Sprintf("not split: page %d: %v; one document for review", i+1, err))
		}
		if infos[i], err = det.Analyze(ctx, g); err != nil {
			return "", fmt.Errorf("page %d: %w", i+1, err)
		}
	}
	parts, removed, err := batch.Plan(infos, opts)
	var long *batch.PartTooLongError
	if errors.As(err, &long) {
		// A missed separator sheet: the batch goes on as one document,
		// nothing removed from it (not even blank backs), flagged for a
		// person who can see the whole stack and split it by hand.
		why := fmt.Sprintf("Teil %d hätte %d Seiten, mehr als die erlaubten %d: vermutlich fehlt ein Trennblatt. Bitte den Stapel prüfen.",
			long.Part, long.Pages, long.Max)
		return p.reviewUnsplit(ctx, doc, why, fmt.Sprintf("not split: part %d would have %d pages, limit %d; one document for review", long.Part, long.Pages, long.Max))
	}
	if err != nil {
		// Only blank pages and separator sheets: there is no document a
		// person could check in the DMS, only a stack to look at again
		// at the scan station, which the error folder and its reason
		// file are for.
		why := strings.TrimPrefix(err.Error(), batch.ErrReview.Error()+": ")
		return "", &SplitError{Why: why + ".", Err: err}
	}
	if len(parts) == 1 && len(removed) == 0 {
		return p.noSplit(ctx, doc, fmt.Sprintf("%d pages, one document", len(imgs)))
	}
	ids := make([]string, len(parts))
	for i, pt := range parts {
		if ids[i], err = p.registerPart(ctx, doc, pt, imgs); err != nil {
			return "", fmt.Errorf("part %d: %w", pt.Index, err)
		}
	}
	detail := fmt.Sprintf("%d pages into %d documents, %d pages removed", len(imgs), len(parts), len(removed))
	// The parts are recorded before the original is moved: a repeated
	// step then knows them without the file.
	upd, err := p.journal.Update(ctx, doc.ID, journal.Event{Step: StepSplit, Outcome: "ok", Detail: detail}, func(d *journal.Document) error {
		if d.Terminal() {
			return fmt.Errorf("%w: document is already %s", ErrFinished, d.State)
		}
		d.Parts, d.Pages = ids, len(imgs)
		return nil
	})
	if err != nil {
		return "", err
	}
	return "", p.finishSplit(ctx, upd)
}

// reviewUnsplit sends a batch that could not be split safely on to OCR
// as one document, with why (German, for the clerk) as its review reason.
func (p *Pipeline) reviewUnsplit(ctx context.Context, doc *journal.Document, why, detail string) (string, error) {
	return StepOCR, p.advance(ctx, doc.ID, StepSplit, StepOCR, detail, func(d *journal.Document) {
		if d.Fields == nil {
			d.Fields = map[string]string{}
		}
		d.Fields[fields.BatchReview] = why
	})
}

// noSplit sends a file that is one document on to OCR.
func (p *Pipeline) noSplit(ctx context.Context, doc *journal.Document, detail string) (string, error) {
	return StepOCR, p.advance(ctx, doc.ID, StepSplit, StepOCR, detail, nil)
}

// finishSplit moves the batch's original to done/ and ends the batch in
// state split.
func (p *Pipeline) finishSplit(ctx context.Context, doc *journal.Document) error {
	if err := p.disposeSource(doc.WorkPath, doc.SourceName); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if _, err := p.journal.Update(ctx, doc.ID, journal.Event{Step: StepFinish, Outcome: "ok", Detail: "batch source " + p.cfg.Intake.AfterSuccess + "d"}, func(d *journal.Document) error {
		if d.Terminal() {
			return fmt.Errorf("%w: document is already %s", ErrFinished, d.State)
		}
		d.State, d.Step = journal.StateSplit, ""
		return nil
	}); err != nil {
		return err
	}
	_ = p.docDir(doc.ID).Remove()
	p.obs.DocumentFinished(journal.StateSplit)
	p.log.Info("batch split", "id", doc.ID, "profile", doc.Profile, "parts", len(doc.Parts))
	return nil
}

// registerPart writes a part's file and registers it like a newly claimed
// file, with its place in the batch and the metadata the plan found.
func (p *Pipeline) registerPart(ctx context.Context, b *journal.Document, pt batch.Part, imgs []*pdf.Image) (string, error) {
	if p.enq == nil {
		return "", errors.New("no queue for the parts of a batch")
	}
	pimgs := make([]*pdf.Image, len(pt.Pages))
	for i, n := range pt.Pages {
		pimgs[i] = imgs[n-1]
	}
	// ImagesToPDF writes no date and no file id: the same pages always
	// give the same bytes, and so the same document id.
	data := pdf.ImagesToPDF(pimgs)
	sum := sha256.Sum256(data)
	id := hex.EncodeToString(sum[:])
	path := filepath.Join(p.partsDir(), id+".pdf")
	if _, err := os.Stat(path); err != nil {
		if err := writeFileAtomic(path, data); err != nil {
			return "", err
		}
	}
	profile := b.Profile
	if pt.Profile != "" {
		if _, ok := p.cfg.Profile(pt.Profile); ok {
			profile = pt.Profile
		} else {
			p.log.Warn("separator sheet names an unknown profile; the part stays in the batch's", "batch", b.ID, "part", pt.Index, "profile", pt.Profile)
		}
	}
	tv := transfervermerk.Batch{ID: b.ID, Position: fmt.Sprintf("Abbild %d bis %d", pt.From, pt.To)}
	for _, r := range pt.Removed {
		tv.RemovedPages = append(tv.RemovedPages, transfervermerk.RemovedPage{BatchPage: r.Page, Reason: r.Reason, Detail: r.Detail})
	}
	if err := writeJSON(p.batchRecordPath(id), tv); err != nil {
		return "", err
	}
	doc := &journal.Document{
		ID:         id,
		SourceName: partName(b.SourceName, pt.Index),
		Profile:    profile,
		State:      journal.StateReceived,
		Step:       StepIngest,
		WorkPath:   path,
		Channel:    b.Channel,
		Origin:     maps.Clone(b.Origin),
		Batch:      &journal.BatchRef{ID: b.ID, Part: pt.Index, Pages: pt.PageRange()},
		Events: []journal.Event{{Step: "intake", Outcome: "ok",
			Detail: fmt.Sprintf("part %d of batch %s (%s), batch pages %s", pt.Index, b.ID, b.SourceName, pt.PageRange())}},
	}
	if len(b.Fields) > 0 || len(pt.Meta) > 0 {
		// The batch's own metadata (from a mail rule, an upload), then the
		// part's from its separator sheet and barcodes.
		doc.Fields = maps.Clone(b.Fields)
		if doc.Fields == nil {
			doc.Fields = map[string]string{}
		}
		maps.Copy(doc.Fields, pt.Meta)
	}
	existing, created, err := p.journal.Create(ctx, doc)
	if err != nil {
		return "", err
	}
	if created {
		p.log.Info("document received", "id", id, "profile", profile, "batch", b.ID, "part", pt.Index)
		return id, p.enq.Enqueue(ctx, taskOf(doc, StepIngest))
	}
	// Registered before a crash: make sure its step is queued.
	if !existing.Terminal() && existing.Step != "" {
		return id, p.enq.Enqueue(ctx, taskOf(existing, existing.Step))
	}
	return id, nil
}

// partName names a part after its batch: "stapel.pdf" → "stapel-teil-02.pdf".
func partName(batchName string, n int) string {
	stem := strings.TrimSuffix(batchName, filepath.Ext(batchName))
	return fmt.Sprintf("%s-teil-%02d.pdf", stem, n)
}

// pageImage is the page's image as a part file stores it: the encoded
// bytes unchanged (JPEG, CCITT, Flate alone with or without a predictor),
// at the resolution the batch page showed it and turned as the batch page
// was. Samples stored with another lossless filter chain (LZW,
// RunLength, ASCII85, Flate twice, an unusual predictor) come back
// decoded; they are compressed again with Flate, the same pixels in
// other bytes, deterministically.
func pageImage(pg pdf.Page) *pdf.Image {
	im := *pg.Image
	im.Rotate = pg.Rotate
	if im.DPIX < 10 || im.DPIY < 10 {
		if sx, sy := math.Abs(pg.ImageMatrix[0]), math.Abs(pg.ImageMatrix[3]); sx > 0 && sy > 0 {
			im.DPIX, im.DPIY = float64(im.Width)*72/sx, float64(im.Height)*72/sy
		}
	}
	if im.Filter == pdf.FilterNone {
		var buf bytes.Buffer
		zw := zlib.NewWriter(&buf)
		zw.Write(im.Data)
		zw.Close()
		im.Filter, im.Data = pdf.FilterFlate, buf.Bytes()
	}
	return &im
}

// batchRecord reads the part's place in its batch for the
// Transfervermerk; nil for a document that is not a part.
func (p *Pipeline) batchRecord(id string) (*transfervermerk.Batch, error) {
	b, err := os.ReadFile(p.batchRecordPath(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var tv transfervermerk.Batch
	if err := json.Unmarshal(b, &tv); err != nil {
		return nil, fmt.Errorf("batch record of %s: %w", id, err)
	}
	return &tv, nil
}
