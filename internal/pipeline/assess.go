package pipeline

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/eingang/eingang/internal/classify"
	"github.com/eingang/eingang/internal/extract"
	"github.com/eingang/eingang/internal/fields"
	"github.com/eingang/eingang/internal/invoicedup"
	"github.com/eingang/eingang/internal/layout"
)

// invoiceKinds are the kinds whose fields are extracted and checked for
// duplicates.
var invoiceKinds = map[string]bool{kindRechnung: true, kindGutschrift: true, "mahnung": true}

// classifier decides kind and route (package classify's Classifier).
type classifier interface {
	Classify(ctx context.Context, in classify.Input) classify.Result
	Route(name string) (classify.Route, bool)
}

// facts are what the classify decision depends on, gathered by the
// classify step (or a test) before anything is decided.
type facts struct {
	// Profile is the intake profile's name, ProfileKind its kind setting
	// (post, rechnung, auto, …).
	Profile, ProfileKind string
	SourceName           string
	// Kind is the kind an e-invoice establishes; empty for a scan.
	Kind string
	// Fields are the document's fields so far (an e-invoice's, the e-invoice
	// check's); they are not changed.
	Fields map[string]string
	// Layout holds the words of a scan; nil when there was no OCR.
	Layout *layout.Document
	// Classifier may be nil: the profile's kind holds and nothing is routed.
	Classifier classifier
	// RoutesConfigured says whether Postverteilung is set up at all (an
	// unsure route is no reason for review without routes).
	RoutesConfigured bool
	// ReviewRoute is the route for documents a person must look at first.
	ReviewRoute string
}

// assessment is the classify decision: kind, fields and route of a
// document, and why a person should look at it.
type assessment struct {
	Kind       string
	Fields     map[string]string
	Confidence float64
	// Route is the classifier's route before settle applies the review
	// route.
	Route  string
	Review []string
	// Invoice holds the facts for the duplicate check, Key the document's
	// first invoice key; both are empty for other kinds.
	Invoice *invoicedup.Invoice
	Key     string
	// settled guards against applying a verdict twice.
	settled bool
}

// Assess decides kind, invoice fields and route from the facts. It does no
// I/O: the duplicate check, which needs the journal, comes between Assess
// and settle.
//
// The invoice fields of a scan are read before the classifier runs, so
// that rules on the sender or on any extracted field see them; they are
// kept only when the document turns out to be an invoice, and a value
// read with doubt is kept under its name with "_unverified" and is never
// what a rule matches.
func assess(ctx context.Context, f facts) assessment {
	a := assessment{Fields: make(map[string]string, len(f.Fields)+8), Kind: f.Kind, Confidence: 1}
	for k, v := range f.Fields {
		a.Fields[k] = v
	}
	if a.Fields[fields.EInvoiceValid] == "false" {
		// An invalid e-invoice is delivered so that the Kämmerei can reject
		// it formally; whoever opens it must learn why it is flagged.
		a.Review = append(a.Review, invalidEInvoiceReason(a.Fields))
	}
	if why := a.Fields[fields.BatchReview]; why != "" {
		a.Review = append(a.Review, why)
	}
	fromEInvoice := f.Kind != ""
	var ex *extract.Fields
	text := ""
	if f.Layout != nil {
		text = f.Layout.Text()
		if !fromEInvoice {
			inv := extract.Invoice(*f.Layout)
			ex = &inv
		}
	}

	if f.Classifier != nil {
		ruleFields := a.Fields
		if ex != nil {
			ruleFields = make(map[string]string, len(a.Fields)+len(ex.Fields))
			for name, fv := range ex.Fields {
				if fv.Value != "" && fv.Confidence >= extract.SafeConfidence {
					ruleFields[name] = fv.Value
				}
			}
			for k, v := range a.Fields {
				ruleFields[k] = v
			}
		}
		in := classify.Input{Text: text, Layout: f.Layout, Profile: f.Profile, SourceName: f.SourceName, Fields: ruleFields}
		// "post" says "letters, not invoices" about a folder, it is not a
		// kind: the classifier decides which kind of letter it is.
		if f.ProfileKind != "auto" && f.ProfileKind != "post" {
			in.ProfileKind = f.ProfileKind
		}
		if fromEInvoice {
			// The kind is what the e-invoice says it is; routing by a kind
			// guessed from its text could send an invoice to the wrong office.
			in.KnownKind = f.Kind
		}
		res := f.Classifier.Classify(ctx, in)
		if !fromEInvoice {
			a.Kind = strings.ToLower(res.Kind)
			a.Confidence = res.Confidence
		}
		a.Route = res.Route
		if res.Review && f.RoutesConfigured {
			a.Review = append(a.Review, "Zuordnung unsicher: "+res.Reason)
		}
	}
	if a.Kind == "" {
		a.Kind = profileKind(f.ProfileKind)
	}
	if !invoiceKinds[a.Kind] {
		return a
	}
	if ex != nil {
		for name, fv := range ex.Fields {
			if fv.Value == "" {
				continue
			}
			if fv.Confidence >= extract.SafeConfidence {
				a.Fields[name] = fv.Value
			} else {
				a.Fields[name+fields.UnverifiedSuffix] = fv.Value
			}
		}
		if ex.Review {
			a.Review = append(a.Review, ex.Problems...)
		}
	}
	inv := invoiceFacts(a.Fields)
	a.Invoice = &inv
	if keys := invoicedup.Keys(inv); len(keys) > 0 {
		a.Key = keys[0]
	}
	return a
}

// settle completes the decision with the duplicate check's verdict: a
// duplicate or suspect invoice is flagged and, like every document a
// person must look at without a route of its own, takes the review route;
// then the route's fields, the confidence and the review fields are set.
func (a *assessment) settle(f facts, v invoicedup.Verdict) {
	if a.settled {
		return
	}
	a.settled = true
	if len(v.Duplicate) > 0 {
		a.Fields[fields.DuplicateOf] = entryIDs(v.Duplicate)
		a.Review = append(a.Review, "Diese Rechnung ist möglicherweise bereits eingegangen (gleiche Rechnungsnummer und gleicher Betrag oder gleicher Absender) – "+
			"nicht doppelt bezahlen; der Rechnungsworkflow wurde nicht gestartet. Frühere Eingänge: "+entrySources(v.Duplicate)+".")
	}
	if len(v.Suspect) > 0 {
		a.Fields[fields.SuspectOf] = entryIDs(v.Suspect)
		a.Review = append(a.Review, "Eine Rechnung mit gleichem Absender und gleicher Nummer, aber anderem Betrag ist bereits eingegangen; "+
			"der Rechnungsworkflow wurde nicht gestartet. Frühere Eingänge: "+entrySources(v.Suspect)+".")
	}
	if f.Classifier != nil {
		route := a.Route
		if len(a.Review) > 0 && f.ReviewRoute != "" && (a.Fields[fields.DuplicateOf] != "" || a.Fields[fields.SuspectOf] != "" ||
			a.Fields[fields.BatchReview] != "" || route == "") {
			// A suspected duplicate never takes the normal route into the
			// Rechnungsworkflow: a person decides first. Nor does a batch
			// left unsplit: it holds several documents, whose route its
			// first page cannot tell.
			route = f.ReviewRoute
		}
		if r, ok := f.Classifier.Route(route); ok {
			a.Fields[fields.Route] = route
			setIf(a.Fields, fields.Office, r.Office)
			setIf(a.Fields, fields.RouteTarget, r.Target)
			setIf(a.Fields, fields.Location, r.Location)
			setIf(a.Fields, fields.Workflow, r.Workflow)
		} else if route != "" {
			a.Fields[fields.Route] = route
		}
	}
	a.Fields[fields.Confidence] = fmt.Sprintf("%.2f", a.Confidence)
	if len(a.Review) > 0 {
		a.Fields[fields.NeedsReview] = "true"
		a.Fields[fields.ReviewWhy] = strings.Join(a.Review, " | ")
	}
}

// Detail is the journal line of the decision.
func (a *assessment) detail() string {
	d := fmt.Sprintf("kind %s, route %q, confidence %.2f", a.Kind, a.Fields[fields.Route], a.Confidence)
	if a.Fields[fields.DuplicateOf] != "" {
		d += "; DUPLICATE INVOICE of " + a.Fields[fields.DuplicateOf]
	}
	return d
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
func invoiceFacts(f map[string]string) invoicedup.Invoice {
	val := func(name string) invoicedup.Value {
		if v := f[name]; v != "" {
			return invoicedup.Value{Text: v, Verified: true}
		}
		return invoicedup.Value{Text: f[name+fields.UnverifiedSuffix]}
	}
	return invoicedup.Invoice{
		SellerVAT: val(fields.SellerVATID), SellerName: val(fields.SellerName), IBAN: val(fields.PayeeIBAN),
		Number: val(fields.InvoiceNumber), Amount: val(fields.GrandTotal),
	}
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
