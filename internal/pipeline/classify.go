package pipeline

import (
	"context"
	"encoding/json"
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
	if fields[fieldValid] == "false" {
		// An invalid e-invoice is delivered so that the Kämmerei can reject
		// it formally; whoever opens it must learn why it is flagged.
		reviewWhy = append(reviewWhy, invalidEInvoiceReason(fields))
	}
	fromEInvoice := doc.Kind != ""
	lay, lerr := p.docDir(doc.ID).Layout()
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
		if fromEInvoice {
			// The kind is what the e-invoice says it is; routing by a kind
			// guessed from its text could send an invoice to the wrong office.
			in.KnownKind = doc.Kind
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
		inv := invoiceFacts(fields)
		if keys := invoicedup.Keys(inv); len(keys) > 0 {
			key = keys[0]
		}
		if p.invoices != nil {
			v, err := invoicedup.Check(ctx, p.invoices, doc.ID, inv)
			if err != nil && !errors.Is(err, invoicedup.ErrNoKey) {
				return "", err
			}
			if len(v.Duplicate) > 0 {
				fields[fieldDupInvoice] = entryIDs(v.Duplicate)
				reviewWhy = append(reviewWhy, "Diese Rechnung ist möglicherweise bereits eingegangen (gleiche Rechnungsnummer und gleicher Betrag oder gleicher Absender) – "+
					"nicht doppelt bezahlen; der Rechnungsworkflow wurde nicht gestartet. Frühere Eingänge: "+entrySources(v.Duplicate)+".")
			}
			if len(v.Suspect) > 0 {
				fields[fieldSuspect] = entryIDs(v.Suspect)
				reviewWhy = append(reviewWhy, "Eine Rechnung mit gleichem Absender und gleicher Nummer, aber anderem Betrag ist bereits eingegangen; "+
					"der Rechnungsworkflow wurde nicht gestartet. Frühere Eingänge: "+entrySources(v.Suspect)+".")
			}
		}
	}

	if p.classifier != nil {
		if len(reviewWhy) > 0 && p.cfg.Classification.ReviewRoute != "" && (fields[fieldDupInvoice] != "" || fields[fieldSuspect] != "" || route == "") {
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

func entrySources(es []invoicedup.Entry) string {
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = fmt.Sprintf("%q (%s)", e.Source, e.Received.Local().Format("02.01.2006 15:04"))
	}
	return strings.Join(names, ", ")
}

// invoiceFacts collects what the duplicate check compares: exact values
// (e-invoice, or read with a confidence the extractor trusts) and values
// read with doubt, which still take part.
func invoiceFacts(fields map[string]string) invoicedup.Invoice {
	val := func(name string) invoicedup.Value {
		if v := fields[name]; v != "" {
			return invoicedup.Value{Text: v, Verified: true}
		}
		return invoicedup.Value{Text: fields[name+unverifiedSuffix]}
	}
	return invoicedup.Invoice{
		SellerVAT: val(extract.SellerVATID), SellerName: val(extract.SellerName), IBAN: val(extract.PayeeIBAN),
		Number: val(extract.InvoiceNumber), Amount: val(extract.GrandTotal),
	}
}

// InvoiceIndex records invoice keys and finds the documents that claimed
// them earlier (the journal).
type InvoiceIndex interface {
	ClaimInvoiceKeys(ctx context.Context, id string, keys []string, facts []byte) ([]journal.InvoiceClaim, error)
}

// invoiceLookup adapts the journal to invoicedup.Claimer.
type invoiceLookup struct{ idx InvoiceIndex }

func (l invoiceLookup) ClaimInvoice(ctx context.Context, id string, keys []string, inv invoicedup.Invoice) ([]invoicedup.Entry, error) {
	facts, err := json.Marshal(inv)
	if err != nil {
		return nil, err
	}
	claims, err := l.idx.ClaimInvoiceKeys(ctx, id, keys, facts)
	if err != nil {
		return nil, err
	}
	out := make([]invoicedup.Entry, 0, len(claims))
	for _, c := range claims {
		e := invoicedup.Entry{ID: c.DocID, Source: c.SourceName, Received: c.Created}
		if len(c.Facts) > 0 {
			if err := json.Unmarshal(c.Facts, &e.Invoice); err != nil {
				return nil, fmt.Errorf("invoice facts of %s: %w", c.DocID, err)
			}
		}
		out = append(out, e)
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
