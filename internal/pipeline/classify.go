package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/eingang/eingang/internal/classify"
	"github.com/eingang/eingang/internal/extract"
	"github.com/eingang/eingang/internal/fault"
	"github.com/eingang/eingang/internal/invoicedup"
	"github.com/eingang/eingang/internal/journal"
)

// Fields the classify step adds besides the invoice fields.
const (
	fieldRoute       = "route"
	fieldOffice      = "office"
	fieldRouteTarget = "route_target"
	fieldLocation    = "location"
	fieldWorkflow    = "workflow"
	fieldConfidence  = "classification_confidence"
	fieldReview      = "needs_review"
	fieldReviewWhy   = "review_reason"
	fieldDupInvoice  = "duplicate_invoice_of"
	fieldSuspect     = "suspect_duplicate_invoice_of"
	unverifiedSuffix = "_unverified"
)

// invoiceKinds are the kinds whose fields are extracted and checked for
// duplicates.
var invoiceKinds = map[string]bool{kindRechnung: true, kindGutschrift: true, "mahnung": true}

func (p *Pipeline) classify(ctx context.Context, doc *journal.Document) (string, error) {
	prof, ok := p.cfg.Profile(doc.Profile)
	if !ok {
		return "", fmt.Errorf("%w: profile %q no longer configured", fault.ErrPermanent, doc.Profile)
	}
	fields := map[string]string{}
	for k, v := range doc.Fields {
		fields[k] = v
	}
	var reviewWhy []string
	fromEInvoice := doc.Kind != ""
	lay, lerr := p.readLayout(doc.ID)
	if lerr != nil && !errors.Is(lerr, os.ErrNotExist) {
		return "", lerr
	}
	text := ""
	if lerr == nil {
		text = lay.Text()
	}

	kind, route := doc.Kind, ""
	confidence := 1.0
	if p.classifier != nil {
		in := classify.Input{Text: text, Profile: doc.Profile, SourceName: doc.SourceName, Fields: fields}
		// "post" says "letters, not invoices" about a folder, it is not a
		// kind: the classifier decides which kind of letter it is.
		if prof.Kind != "auto" && prof.Kind != "post" {
			in.ProfileKind = prof.Kind
		}
		if lerr == nil {
			in.Layout = &lay
		}
		res := p.classifier.Classify(ctx, in)
		if !fromEInvoice {
			kind = strings.ToLower(res.Kind)
			confidence = res.Confidence
		}
		route = res.Route
		// Without any routes configured there is no Postverteilung to be
		// unsure about.
		if res.Review && len(p.cfg.Classification.Routes) > 0 {
			reviewWhy = append(reviewWhy, "Zuordnung unsicher: "+res.Reason)
		}
	}
	if kind == "" {
		kind = profileKind(prof.Kind)
	}

	// Invoice fields from the words of a scan (e-invoices carry exact ones).
	if !fromEInvoice && invoiceKinds[kind] && lerr == nil {
		ex := extract.Invoice(lay)
		for name, f := range ex.Fields {
			if f.Value == "" {
				continue
			}
			if f.Confidence >= extract.SafeConfidence {
				fields[name] = f.Value
			} else {
				fields[name+unverifiedSuffix] = f.Value
			}
		}
		if ex.Review {
			reviewWhy = append(reviewWhy, ex.Problems...)
		}
	}

	key := ""
	if invoiceKinds[kind] {
		inv := invoicedup.Invoice{ID: doc.ID, SellerVAT: fields["seller_vat_id"], SellerName: fields["seller_name"],
			Number: fields["invoice_number"], Amount: fields["grand_total"]}
		key = invoicedup.BaseKey(inv.SellerVAT, inv.SellerName, inv.Number)
		if key != "" && p.invoices != nil {
			v, err := invoicedup.Check(ctx, p.invoices, inv)
			if err != nil && !errors.Is(err, invoicedup.ErrNoKey) {
				return "", err
			}
			if len(v.Duplicate) > 0 {
				fields[fieldDupInvoice] = entryIDs(v.Duplicate)
				reviewWhy = append(reviewWhy, "Diese Rechnung ist bereits eingegangen (gleicher Absender, gleiche Rechnungsnummer, gleicher Betrag) – nicht doppelt bezahlen.")
			}
			if len(v.Suspect) > 0 {
				fields[fieldSuspect] = entryIDs(v.Suspect)
				reviewWhy = append(reviewWhy, "Eine Rechnung mit gleichem Absender und gleicher Nummer, aber anderem Betrag ist bereits eingegangen.")
			}
		}
	}

	if p.classifier != nil {
		if len(reviewWhy) > 0 && p.cfg.Classification.ReviewRoute != "" && (fields[fieldDupInvoice] != "" || route == "") {
			// A suspected duplicate never takes the normal route into the
			// Rechnungsworkflow: a person decides first.
			route = p.cfg.Classification.ReviewRoute
		}
		if r, ok := p.classifier.Route(route); ok {
			fields[fieldRoute] = route
			setIf(fields, fieldOffice, r.Office)
			setIf(fields, fieldRouteTarget, r.Target)
			setIf(fields, fieldLocation, r.Location)
			setIf(fields, fieldWorkflow, r.Workflow)
		} else if route != "" {
			fields[fieldRoute] = route
		}
	}
	fields[fieldConfidence] = fmt.Sprintf("%.2f", confidence)
	if len(reviewWhy) > 0 {
		fields[fieldReview] = "true"
		fields[fieldReviewWhy] = strings.Join(reviewWhy, " | ")
	}
	detail := fmt.Sprintf("kind %s, route %q, confidence %.2f", kind, fields[fieldRoute], confidence)
	if fields[fieldDupInvoice] != "" {
		detail += "; DUPLICATE INVOICE of " + fields[fieldDupInvoice]
	}
	next := StepDeliver
	if needsSign(prof) {
		next = StepSign
	}
	return next, p.advance(ctx, doc.ID, StepClassify, next, detail, func(d *journal.Document) {
		d.Kind = kind
		d.Fields = fields
		d.InvoiceKey = key
	})
}

func setIf(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func entryIDs(es []invoicedup.Entry) string {
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	sort.Strings(ids)
	return strings.Join(ids, ",")
}

// InvoiceIndex finds documents by invoice key (the journal).
type InvoiceIndex interface {
	ByInvoiceKey(ctx context.Context, key string) ([]journal.Document, error)
}

// invoiceLookup adapts the journal to invoicedup.Lookup.
type invoiceLookup struct{ idx InvoiceIndex }

func (l invoiceLookup) FindInvoices(ctx context.Context, baseKey string) ([]invoicedup.Entry, error) {
	docs, err := l.idx.ByInvoiceKey(ctx, baseKey)
	if err != nil {
		return nil, err
	}
	out := make([]invoicedup.Entry, 0, len(docs))
	for _, d := range docs {
		if d.State == journal.StateFailed {
			continue
		}
		out = append(out, invoicedup.Entry{ID: d.ID, Source: d.SourceName, Received: d.Created, Amount: d.Fields["grand_total"]})
	}
	return out, nil
}

// profileKind is the document kind a profile's kind implies when nothing
// classifies the document: rechnung stays rechnung; post (letters) and auto
// name no kind of their own, so the document is sonstiges rather than
// carrying a folder setting as its kind.
func profileKind(k string) string {
	switch k = strings.ToLower(k); k {
	case "", "auto", "post":
		return "sonstiges"
	}
	return k
}
