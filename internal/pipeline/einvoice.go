package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/api"

	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/einvoice/validate"
	"github.com/eingang/eingang/internal/einvoice/visual"
	"github.com/eingang/eingang/internal/fields"
	"github.com/eingang/eingang/internal/journal"
)

// Work products of the e-invoice step.
const (
	maxFindingsDE  = 5
	kindRechnung   = "rechnung"
	kindGutschrift = "gutschrift"
)

// RejectedInvoiceError is an e-invoice that failed validation in a profile
// that sends such invoices to the error folder (invalid_einvoice: error).
type RejectedInvoiceError struct {
	// Summary lists the most important findings in German.
	Summary string
}

func (e *RejectedInvoiceError) Error() string {
	return "e-invoice rejected by validation: " + e.Summary
}

// hasEmbeddedInvoice reports whether a PDF carries an e-invoice (ZUGFeRD /
// Factur-X); such PDFs take the e-invoice lane instead of OCR.
func hasEmbeddedInvoice(ctx context.Context, path string) bool {
	_, err := einvoice.ParseFile(ctx, path)
	return err == nil
}

func (p *Pipeline) readEInvoice(ctx context.Context, doc *journal.Document) (string, error) {
	prof, err := p.profile(doc)
	if err != nil {
		return "", err
	}
	inv, err := einvoice.ParseFile(ctx, doc.WorkPath)
	if err != nil {
		return "", err
	}
	rep := validate.Validate(inv)
	rep.DocumentName = doc.SourceName
	w := p.docDir(doc.ID)
	if err := w.Create(); err != nil {
		return "", err
	}
	var reports [3]bytes.Buffer
	for i, write := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return rep.WriteJSON(b) },
		func(b *bytes.Buffer) error { return rep.WriteXML(b) },
		func(b *bytes.Buffer) error { return rep.WriteText(b) },
	} {
		if err := write(&reports[i]); err != nil {
			return "", fmt.Errorf("validation report: %w", err)
		}
	}
	if err := w.WriteReports(reports[0].Bytes(), reports[1].Bytes(), reports[2].Bytes()); err != nil {
		return "", err
	}
	if !rep.Accepted && prof.InvalidEInvoice == "error" {
		return "", &RejectedInvoiceError{Summary: summarizeFindings(rep)}
	}
	if err := w.WriteInvoiceXML(inv.XML); err != nil {
		return "", err
	}
	// The PDF to deliver: a hybrid invoice keeps its own visual; an XML-only
	// one gets a readable rendering with the XML embedded.
	if inv.FromPDF {
		b, err := os.ReadFile(doc.WorkPath)
		if err != nil {
			return "", err
		}
		if err := w.WritePDF(b); err != nil {
			return "", err
		}
	} else {
		b, err := visual.Render(ctx, inv, visual.Options{SourceName: doc.SourceName})
		if err != nil {
			return "", fmt.Errorf("render e-invoice: %w", err)
		}
		if err := w.WritePDF(b); err != nil {
			return "", err
		}
	}
	pages, err := api.PageCountFile(w.PDF())
	if err != nil {
		pages = 1
	}
	meta := inv.Invoice.Fields()
	meta[fields.EInvoiceValid] = strconv.FormatBool(rep.Accepted)
	meta[fields.EInvoiceSyntax] = string(inv.Syntax)
	meta[fields.EInvoiceScenario] = rep.Scenario
	meta[fields.EInvoiceFindings] = strconv.Itoa(len(rep.Findings))
	meta[fields.EInvoiceEmbedded] = strconv.FormatBool(inv.FromPDF)
	if !rep.Accepted {
		// The German summary travels with the document: classify turns it
		// into the review reason, and the DMS shows it beside the report.
		meta[fields.EInvoiceSummary] = summarizeFindings(rep)
	}
	if err := w.WriteText(fieldsText(meta, rep)); err != nil {
		return "", err
	}
	kind := kindRechnung
	if inv.Invoice.IsCreditNote || inv.Invoice.TypeCode.Value == "381" {
		kind = kindGutschrift
	}
	detail := "valid e-invoice"
	if !rep.Accepted {
		detail = "INVALID e-invoice, delivered with its validation report: " + summarizeFindings(rep)
	}
	return StepClassify, p.advance(ctx, doc.ID, StepEInvoice, StepClassify, detail, func(d *journal.Document) {
		d.Pages = pages
		d.Kind = kind
		if d.Fields == nil {
			d.Fields = map[string]string{}
		}
		for k, v := range meta {
			if v != "" {
				d.Fields[k] = v
			}
		}
	})
}

// invalidEInvoiceReason is the review reason of an invalid e-invoice that
// the profile delivers (invalid_einvoice: deliver), in the words the error
// folder uses for one it refuses.
func invalidEInvoiceReason(meta map[string]string) string {
	why := "Die E-Rechnung ist laut Prüfung nach XRechnung/EN 16931 ungültig (Prüfbericht liegt bei)"
	if s := meta[fields.EInvoiceSummary]; s != "" {
		why += ": " + s
	}
	return why
}

// summarizeFindings names the first rejecting findings in German.
func summarizeFindings(rep *validate.Report) string {
	var parts []string
	for _, f := range rep.Findings {
		if !f.Severity.Rejects() {
			continue
		}
		if len(parts) == maxFindingsDE {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, f.Rule+": "+f.MessageDE)
	}
	if len(parts) == 0 {
		if rep.Scenario == "" {
			return "kein passendes Prüfszenario (kein unterstütztes E-Rechnungsformat)"
		}
		return "abgelehnt"
	}
	return strings.Join(parts, "; ")
}

// fieldsText is the full-text of an e-invoice for indexing: its fields and
// the validation outcome.
func fieldsText(meta map[string]string, rep *validate.Report) string {
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		if meta[k] != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, meta[k])
		}
	}
	if !rep.Accepted {
		fmt.Fprintf(&b, "validation: %s\n", summarizeFindings(rep))
	}
	return b.String()
}
