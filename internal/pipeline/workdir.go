package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/layout"
)

// Names of a document's intermediate results in its work folder.
const (
	// outPDF is the searchable PDF (OCR) or the PDF of an e-invoice.
	outPDF    = "document.pdf"
	outText   = "text.txt"
	outLayout = "layout.json"
	outPages  = "pages.json"
	// outConverted is the PDF LibreOffice made of an office document; it
	// takes the place of the original in the OCR step.
	outConverted = "converted.pdf"
	// outFinal is the PDF after the sign step; delivery prefers it.
	outFinal  = "final.pdf"
	outTVJSON = "transfervermerk.json"
	// Work products of the e-invoice step.
	outInvoiceXML = "invoice.xml"
	outReportJSON = "validation.json"
	outReportXML  = "validation-report.xml"
	outReportText = "validation.txt"
	// Scratch names: a file under its final name is complete.
	partPDF    = outPDF + ".part"
	partTVPDF  = "tv.pdf.part"
	partSealed = "sealed.pdf.part"
)

// workDir is a document's work folder: it knows the names of the
// intermediate results and reads and writes them.
type workDir struct{ dir string }

// docDir returns the work folder of a document.
func (p *Pipeline) docDir(id string) workDir {
	return workDir{dir: filepath.Join(p.cfg.Paths.Work, "docs", id)}
}

func (w workDir) path(name string) string { return filepath.Join(w.dir, name) }

// Create makes the folder.
func (w workDir) Create() error { return os.MkdirAll(w.dir, 0o770) }

// Remove deletes the folder with everything in it.
func (w workDir) Remove() error { return os.RemoveAll(w.dir) }

// PDFPart is where OCR writes the searchable PDF; CommitPDF gives it its
// final name, which says OCR is complete.
func (w workDir) PDFPart() string { return w.path(partPDF) }

// CommitPDF renames the PDF written to PDFPart into place.
func (w workDir) CommitPDF() error { return os.Rename(w.path(partPDF), w.path(outPDF)) }

// PDF is the searchable PDF (or the e-invoice's PDF), before sealing.
func (w workDir) PDF() string { return w.path(outPDF) }

// WritePDF stores the PDF of an e-invoice.
func (w workDir) WritePDF(b []byte) error { return writeFileAtomic(w.path(outPDF), b) }

// ConvertedPDF is the PDF rendering of an office document, made at ingest.
func (w workDir) ConvertedPDF() string { return w.path(outConverted) }

// FinalPDF is the PDF after the sign step.
func (w workDir) FinalPDF() string { return w.path(outFinal) }

// Sealed reports whether the sign step has completed.
func (w workDir) Sealed() bool {
	_, err := os.Stat(w.path(outFinal))
	return err == nil
}

// TransfervermerkPart and SealedPart are the scratch names of the sign
// step; CommitFinal renames the last of them to the final PDF.
func (w workDir) TransfervermerkPart() string { return w.path(partTVPDF) }
func (w workDir) SealedPart() string          { return w.path(partSealed) }

// CommitFinal renames a PDF of the sign step into the final PDF.
func (w workDir) CommitFinal(part string) error { return os.Rename(part, w.path(outFinal)) }

// DeliveryPDF is the PDF to hand to a target: the final one if the sign
// step ran, else the searchable one.
func (w workDir) DeliveryPDF() (string, error) {
	pdf := w.path(outFinal)
	if _, err := os.Stat(pdf); err != nil {
		pdf = w.path(outPDF)
	}
	if _, err := os.Stat(pdf); err != nil {
		return "", err
	}
	return pdf, nil
}

// WriteText stores the full text for indexing.
func (w workDir) WriteText(s string) error { return writeFileAtomic(w.path(outText), []byte(s)) }

// Text reads the full text; a missing file is an error matching
// os.ErrNotExist.
func (w workDir) Text() (string, error) {
	b, err := os.ReadFile(w.path(outText))
	return string(b), err
}

// WriteLayout stores the OCR word boxes.
func (w workDir) WriteLayout(l layout.Document) error { return writeJSON(w.path(outLayout), l) }

// Layout loads the OCR word boxes of a document, if any.
func (w workDir) Layout() (layout.Document, error) {
	var l layout.Document
	b, err := os.ReadFile(w.path(outLayout))
	if err != nil {
		return l, err
	}
	return l, json.Unmarshal(b, &l)
}

// WritePages stores the per-page records of OCR.
func (w workDir) WritePages(pages []layout.PageInfo) error { return writeJSON(w.path(outPages), pages) }

// Pages reads the per-page records; none (nil) when OCR did not run.
func (w workDir) Pages() ([]layout.PageInfo, error) { return readPages(w.path(outPages)) }

// WriteTransfervermerk stores the scan protocol beside the PDF.
func (w workDir) WriteTransfervermerk(rec any) error { return writeJSON(w.path(outTVJSON), rec) }

// WriteInvoiceXML stores the XML of an e-invoice.
func (w workDir) WriteInvoiceXML(b []byte) error { return writeFileAtomic(w.path(outInvoiceXML), b) }

// WriteReports stores the validation report of an e-invoice as JSON, XML
// and text.
func (w workDir) WriteReports(jsonReport, xmlReport, textReport []byte) error {
	for _, r := range []struct {
		name string
		b    []byte
	}{{outReportJSON, jsonReport}, {outReportXML, xmlReport}, {outReportText, textReport}} {
		if err := writeFileAtomic(w.path(r.name), r.b); err != nil {
			return err
		}
	}
	return nil
}

// Attachments lists the work products delivered beside the PDF, those
// that exist.
func (w workDir) Attachments() []dms.Attachment {
	var out []dms.Attachment
	for _, a := range []dms.Attachment{
		{Name: outPages, MediaType: "application/json"},
		{Name: outInvoiceXML, MediaType: "application/xml"},
		{Name: outReportJSON, MediaType: "application/json"},
		{Name: outReportXML, MediaType: "application/xml"},
		{Name: outTVJSON, MediaType: "application/json"},
	} {
		a.Path = w.path(a.Name)
		if _, err := os.Stat(a.Path); err == nil {
			out = append(out, a)
		}
	}
	return out
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, b)
}

func readPages(path string) ([]layout.PageInfo, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var pages []layout.PageInfo
	if err := json.Unmarshal(b, &pages); err != nil {
		return nil, fmt.Errorf("pages.json: %w", err)
	}
	return pages, nil
}
