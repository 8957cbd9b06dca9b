package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/fault"
	"github.com/eingang/eingang/internal/fields"
	"github.com/eingang/eingang/internal/intake"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/layout"
)

// DuplicateKindSuffix is appended to the kind handed to a target when the
// invoice was seen before ("rechnung-duplikat").
const DuplicateKindSuffix = "-duplikat"

func (p *Pipeline) ingest(ctx context.Context, doc *journal.Document) (string, error) {
	format, err := intake.Detect(doc.WorkPath)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("%w: claimed file %s is gone", fault.ErrPermanent, doc.WorkPath)
		}
		return "", err
	}
	next := StepOCR
	switch {
	case format == intake.FormatZIP, format == intake.FormatEML:
		next = StepUnpack
	case format == intake.FormatXML:
		next = StepEInvoice
	case format == intake.FormatPDF && hasEmbeddedInvoice(ctx, doc.WorkPath):
		next = StepEInvoice
	case (format == intake.FormatPDF || format == intake.FormatTIFF) && doc.Batch == nil && p.splitsProfile(doc):
		// A part of a batch is never split again.
		next = StepSplit
	case intake.IsOffice(format):
		// Converted here, so that from the OCR step on an office document
		// is a born-digital PDF and nothing later needs to know.
		if err := p.convertOffice(ctx, p.docDir(doc.ID), doc.WorkPath); err != nil {
			return "", err
		}
	}
	return next, p.advance(ctx, doc.ID, StepIngest, next, "detected "+string(format), func(d *journal.Document) {
		d.Format = string(format)
	})
}

func (p *Pipeline) recognize(ctx context.Context, doc *journal.Document) (string, error) {
	w := p.docDir(doc.ID)
	if err := w.Create(); err != nil {
		return "", err
	}
	// Write to a temporary name: a PDF under the final name means OCR is
	// complete, even if the process died right after.
	src := doc.WorkPath
	if intake.IsOffice(intake.Format(doc.Format)) {
		src = w.ConvertedPDF()
	}
	rec, err := p.ocr.Recognize(ctx, src, w.PDFPart())
	if err != nil {
		os.Remove(w.PDFPart())
		return "", err
	}
	if err := w.WriteText(sidecarText(rec.Layout)); err != nil {
		return "", err
	}
	if err := w.WriteLayout(rec.Layout); err != nil {
		return "", err
	}
	if rec.PageInfo != nil {
		if err := w.WritePages(rec.PageInfo); err != nil {
			return "", err
		}
	}
	if err := w.CommitPDF(); err != nil {
		return "", err
	}
	p.obs.PagesRecognized(rec.Pages)
	detail := fmt.Sprintf("%d pages", rec.Pages)
	if rec.Note != "" {
		detail += "; " + rec.Note
	}
	return StepClassify, p.advance(ctx, doc.ID, StepOCR, StepClassify, detail, func(d *journal.Document) {
		d.Pages = rec.Pages
	})
}

func (p *Pipeline) deliver(ctx context.Context, doc *journal.Document) (string, error) {
	prof, err := p.profile(doc)
	if err != nil {
		return "", err
	}
	// A route from classification may name another target than the
	// profile's.
	name := prof.Target
	if rt := doc.Fields[fields.RouteTarget]; rt != "" {
		name = rt
	}
	target, ok := p.targets[name]
	if !ok {
		return "", fmt.Errorf("%w: target %q not available", fault.ErrPermanent, name)
	}
	d, err := p.dmsDocument(doc, prof.Metadata)
	if err != nil {
		return "", err
	}
	rec, err := target.Deliver(ctx, d)
	if err != nil {
		return "", err
	}
	detail := fmt.Sprintf("%s ref %s", rec.Target, rec.Ref)
	if rec.Existing {
		detail += " (already there)"
	}
	return StepFinish, p.advance(ctx, doc.ID, StepDeliver, StepFinish, detail, func(jd *journal.Document) {
		jd.Target = &rec
	})
}

// dmsDocument assembles what a target receives from the journal record and
// the work folder.
func (p *Pipeline) dmsDocument(doc *journal.Document, defaults map[string]string) (*dms.Document, error) {
	w := p.docDir(doc.ID)
	text, err := w.Text()
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	pdf, err := w.DeliveryPDF()
	if err != nil {
		return nil, fmt.Errorf("%w: no PDF to deliver: %v", fault.ErrPermanent, err)
	}
	meta := map[string]string{}
	for k, v := range defaults {
		meta[k] = v
	}
	for k, v := range doc.Fields {
		meta[k] = v
	}
	meta["source_name"] = doc.SourceName
	meta["sha256"] = doc.ID
	meta["format"] = doc.Format
	meta["pages"] = strconv.Itoa(doc.Pages)
	if b := doc.Batch; b != nil {
		meta["batch_id"], meta["batch_part"], meta["batch_pages"] = b.ID, strconv.Itoa(b.Part), b.Pages
	}
	kind := doc.Kind
	hold := ""
	if doc.Fields[fields.DuplicateOf] != "" || doc.Fields[fields.SuspectOf] != "" {
		hold = "possible duplicate invoice"
	}
	if doc.Fields[fields.DuplicateOf] != "" {
		// A suspected second copy of an invoice must not start the
		// Rechnungsworkflow: targets map this kind to filing without a
		// workflow unless an installation configures otherwise.
		kind += DuplicateKindSuffix
	}
	d := &dms.Document{
		ID:           doc.ID,
		SourceName:   doc.SourceName,
		Profile:      doc.Profile,
		Kind:         kind,
		Route:        doc.Fields["route"],
		Pages:        doc.Pages,
		PDFPath:      pdf,
		Text:         text,
		Received:     doc.Created,
		Metadata:     meta,
		HoldWorkflow: hold,
		Channel:      doc.Channel,
		Origin:       dms.OriginFrom(doc.Origin),
		Attachments:  w.Attachments(),
	}
	return d, nil
}

func (p *Pipeline) finish(ctx context.Context, doc *journal.Document) error {
	dispose := p.disposeSource
	if doc.Batch != nil {
		// A part's file is cut from the batch, whose original is in done/.
		dispose = func(path, _ string) error {
			_ = os.Remove(p.batchRecordPath(doc.ID))
			return os.Remove(path)
		}
	}
	if err := dispose(doc.WorkPath, doc.SourceName); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if _, err := p.journal.Update(ctx, doc.ID, journal.Event{Step: StepFinish, Outcome: "ok", Detail: "source " + p.cfg.Intake.AfterSuccess + "d"}, func(d *journal.Document) error {
		if d.Terminal() && d.State != journal.StateDelivered {
			return fmt.Errorf("%w: document is already %s", ErrFinished, d.State)
		}
		d.State = journal.StateDelivered
		d.Step = ""
		return nil
	}); err != nil {
		return err
	}
	// Only after the journal says delivered: a crash before this leaves the
	// work folder for the repeated finish step.
	if err := p.docDir(doc.ID).Remove(); err != nil {
		p.log.Warn("cannot remove work folder", "id", doc.ID, "err", err)
	}
	p.obs.DocumentFinished(journal.StateDelivered)
	p.log.Info("document delivered", "id", doc.ID, "profile", doc.Profile)
	return nil
}

// unpack writes the files of a ZIP archive (or the attachments of a saved
// mail) into its profile's hot folder,
// where each becomes a document of its own, and finishes the archive: it
// is done once its files are in the folder. Run again after a crash, it
// writes only what is missing; a member already processed comes back as a
// duplicate and is not processed twice.
func (p *Pipeline) unpack(ctx context.Context, doc *journal.Document) error {
	prof, err := p.profile(doc)
	if err != nil {
		return err
	}
	detail := "archive already unpacked and moved"
	if _, err := os.Stat(doc.WorkPath); err == nil {
		unpack := intake.UnpackZIP
		if doc.Format == string(intake.FormatEML) {
			unpack = intake.UnpackEML
		}
		names, err := unpack(doc.WorkPath, doc.SourceName, prof.Folder, intake.ArchiveLimits{MaxFileBytes: p.cfg.Intake.MaxFileSize})
		if err != nil {
			return err
		}
		detail = fmt.Sprintf("%d files into the hot folder: %s", len(names), strings.Join(names, ", "))
		if len(detail) > 2000 {
			detail = detail[:2000] + " …"
		}
		if err := p.disposeSource(doc.WorkPath, doc.SourceName); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if _, err := p.journal.Update(ctx, doc.ID, journal.Event{Step: StepUnpack, Outcome: "ok", Detail: detail}, func(d *journal.Document) error {
		if d.Terminal() {
			return fmt.Errorf("%w: document is already %s", ErrFinished, d.State)
		}
		d.State, d.Step = journal.StateDelivered, ""
		d.Target = &dms.Receipt{Target: "unpacked", Ref: prof.Folder}
		return nil
	}); err != nil {
		return err
	}
	p.docDir(doc.ID).Remove()
	p.obs.DocumentFinished(journal.StateDelivered)
	p.log.Info("archive unpacked", "id", doc.ID, "profile", doc.Profile)
	return nil
}

// disposeSource moves a processed original to done/YYYY-MM-DD/ (or deletes
// it, per intake.after_success).
func (p *Pipeline) disposeSource(path, name string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	if p.cfg.Intake.AfterSuccess == "delete" {
		return os.Remove(path)
	}
	dir := filepath.Join(p.cfg.Paths.Done, p.now().Format("2006-01-02"))
	_, err := moveUnique(path, dir, name)
	return err
}

// moveUnique renames src into dir as name, adding " (2)", " (3)" … before
// the extension when the name is taken, and returns the new path.
func moveUnique(src, dir, name string) (string, error) {
	if err := os.MkdirAll(dir, 0o770); err != nil {
		return "", err
	}
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for i := 1; i < 10000; i++ {
		cand := name
		if i > 1 {
			cand = fmt.Sprintf("%s (%d)%s", stem, i, ext)
		}
		dst := filepath.Join(dir, cand)
		if _, err := os.Lstat(dst); err == nil {
			continue
		}
		// Link + remove would refuse to overwrite atomically, but not every
		// share supports hard links; the Lstat check above is enough for a
		// folder only eingang writes to.
		if err := os.Rename(src, dst); err != nil {
			return "", err
		}
		return dst, nil
	}
	return "", fmt.Errorf("no free name for %s in %s", name, dir)
}

// sidecarText is the text targets get for full-text indexing (the
// archive's .txt), laid out as pdftotext does: a page's text ends with a
// line break, every page with a form feed, so that page n is the n-th
// part and the last line of a page is not run into the first of the next.
func sidecarText(l layout.Document) string {
	var b strings.Builder
	for _, p := range l.Pages {
		if t := p.Text(); t != "" {
			b.WriteString(t)
			b.WriteByte('\n')
		}
		b.WriteByte('\f')
	}
	return b.String()
}
