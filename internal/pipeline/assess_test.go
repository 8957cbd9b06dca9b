package pipeline

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/classify"
	"github.com/eingang/eingang/internal/extract"
	"github.com/eingang/eingang/internal/fields"
	"github.com/eingang/eingang/internal/invoicedup"
	"github.com/eingang/eingang/internal/layout"
)

// scanInvoice is the text of a scanned invoice whose seller is named only
// in the letterhead (read with doubt) while number, VAT id, IBAN and totals
// carry labels and check digits (read with confidence).
const scanInvoice = `Stadtwerke Musterstadt GmbH
Hauptstraße 1, 12345 Musterstadt

RECHNUNG

Rechnungsnummer: RE-2026-0815
Rechnungsdatum: 03.11.2026
USt-IdNr.: DE136695976

Leistung                         Betrag
Wasserlieferung Oktober        100,00 EUR
Nettobetrag                    100,00 EUR
USt 19 %                        19,00 EUR
Gesamtbetrag                   119,00 EUR

Bitte überweisen Sie auf IBAN DE89 3704 0044 0532 0130 00
`

const scanLetter = `Bürgerbüro
Sehr geehrte Damen und Herren,
ich beantrage einen Anwohnerparkausweis für die Lindenstraße.
Mit freundlichen Grüßen`

func lay(text string) *layout.Document {
	d := extract.LayoutFromText(text)
	return &d
}

func testClassifier(t *testing.T) *classify.Classifier {
	t.Helper()
	c, err := classify.New(classify.Config{
		Routes: map[string]classify.Route{
			"review":     {Office: "Posteingang", Location: "Klärung"},
			"stadtwerke": {Office: "Kämmerei", Target: "d3", Location: "Rechnungen/Versorger", Workflow: "rechnungsworkflow"},
		},
		Rules: []classify.Rule{
			// A rule on a field the scan's extraction reads: it can only
			// match if extraction runs before the classifier.
			{Name: "versorger", Field: fields.SellerVATID, Match: "DE136695976", Algorithm: "exact", Kind: "rechnung", Route: "stadtwerke"},
		},
		ReviewRoute: "review",
		Threshold:   0.8,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAssess(t *testing.T) {
	ctx := context.Background()
	cl := testClassifier(t)
	tests := []struct {
		name      string
		f         facts
		kind      string
		want      map[string]string // fields that must have this value
		absent    []string
		invoice   bool
		reviewHas string
	}{
		{
			name: "scan in an invoice folder: fields extracted, doubtful ones marked",
			f:    facts{Profile: "rechnungen", ProfileKind: "rechnung", Layout: lay(scanInvoice)},
			kind: "rechnung",
			want: map[string]string{fields.InvoiceNumber: "RE-2026-0815", fields.GrandTotal: "119.00",
				fields.SellerName + fields.UnverifiedSuffix: "Stadtwerke Musterstadt GmbH"},
			absent:  []string{fields.SellerName, fields.Route},
			invoice: true,
		},
		{
			name:   "letter in a post folder: no invoice fields kept",
			f:      facts{Profile: "post", ProfileKind: "post", Layout: lay(scanLetter)},
			kind:   "sonstiges",
			absent: []string{fields.InvoiceNumber, fields.GrandTotal},
		},
		{
			name: "an invoice read from a post folder without a classifier stays sonstiges",
			f:    facts{Profile: "post", ProfileKind: "post", Layout: lay(scanInvoice)},
			kind: "sonstiges", absent: []string{fields.InvoiceNumber},
		},
		{
			name: "invalid e-invoice: its own fields, no extraction, review reason",
			f: facts{Profile: "erechnung", ProfileKind: "rechnung", Kind: "rechnung", Layout: lay(scanLetter),
				Fields: map[string]string{fields.InvoiceNumber: "X-1", fields.GrandTotal: "10.00", fields.EInvoiceValid: "false", fields.EInvoiceSummary: "BR-16 fehlt"}},
			kind:      "rechnung",
			want:      map[string]string{fields.InvoiceNumber: "X-1"},
			invoice:   true,
			reviewHas: "ungültig (Prüfbericht liegt bei): BR-16 fehlt",
		},
		{
			name: "a rule on an extracted field routes a scan (extraction before classification)",
			f: facts{Profile: "post", ProfileKind: "auto", Layout: lay(scanInvoice), Classifier: cl,
				RoutesConfigured: true, ReviewRoute: "review"},
			kind: "rechnung",
			want: map[string]string{fields.Route: "stadtwerke", fields.Office: "Kämmerei", fields.RouteTarget: "d3",
				fields.Workflow: "rechnungsworkflow", fields.SellerVATID: "DE136695976"},
			invoice: true,
		},
		{
			name: "the classifier keeps an e-invoice's kind; without a route for it, review",
			f: facts{Profile: "erechnung", ProfileKind: "rechnung", Kind: "gutschrift", Classifier: cl,
				Fields: map[string]string{fields.InvoiceNumber: "G-7", fields.GrandTotal: "-5.00"}, RoutesConfigured: true, ReviewRoute: "review"},
			kind:      "gutschrift",
			want:      map[string]string{fields.Route: "review"},
			invoice:   true,
			reviewHas: "Zuordnung unsicher",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := assess(ctx, tt.f)
			a.settle(tt.f, invoicedup.Verdict{})
			if a.Kind != tt.kind {
				t.Errorf("kind = %q, want %q", a.Kind, tt.kind)
			}
			for k, v := range tt.want {
				if a.Fields[k] != v {
					t.Errorf("field %s = %q, want %q", k, a.Fields[k], v)
				}
			}
			for _, k := range tt.absent {
				if v, ok := a.Fields[k]; ok {
					t.Errorf("field %s = %q, want it absent", k, v)
				}
			}
			if (a.Invoice != nil) != tt.invoice || (tt.invoice && a.Key == "") {
				t.Errorf("invoice facts %v, key %q; want invoice %v", a.Invoice, a.Key, tt.invoice)
			}
			if tt.reviewHas != "" && (a.Fields[fields.NeedsReview] != "true" || !strings.Contains(a.Fields[fields.ReviewWhy], tt.reviewHas)) {
				t.Errorf("review = %q %q, want %q", a.Fields[fields.NeedsReview], a.Fields[fields.ReviewWhy], tt.reviewHas)
			}
			if tt.reviewHas == "" && a.Fields[fields.NeedsReview] != "" {
				t.Errorf("unexpected review: %q", a.Fields[fields.ReviewWhy])
			}
			if a.Fields[fields.Confidence] == "" {
				t.Error("no confidence field")
			}
			if tt.f.Fields != nil && tt.f.Fields[fields.Route] != "" {
				t.Error("assess changed the input fields")
			}
		})
	}
}

// A duplicate never takes its normal route into the Rechnungsworkflow; it
// goes to review with the earlier documents named.
func TestSettleDuplicateGoesToReview(t *testing.T) {
	f := facts{Profile: "post", ProfileKind: "auto", Layout: lay(scanInvoice), Classifier: testClassifier(t),
		RoutesConfigured: true, ReviewRoute: "review"}
	a := assess(context.Background(), f)
	if a.Route != "stadtwerke" {
		t.Fatalf("route before the check = %q", a.Route)
	}
	earlier := invoicedup.Entry{ID: "abc", Source: "scan-0001.pdf", Received: time.Date(2026, 11, 4, 9, 30, 0, 0, time.Local)}
	v := invoicedup.Verdict{Duplicate: []invoicedup.Entry{earlier}}
	a.settle(f, v)
	a.settle(f, v) // at-least-once: a second settle adds nothing
	got := a.Fields
	if got[fields.Route] != "review" || got[fields.Office] != "Posteingang" || got[fields.Workflow] != "" {
		t.Errorf("route fields %v, want the review route without workflow", got)
	}
	if got[fields.DuplicateOf] != "abc" || got[fields.NeedsReview] != "true" ||
		strings.Count(got[fields.ReviewWhy], "nicht doppelt bezahlen") != 1 || !strings.Contains(got[fields.ReviewWhy], `"scan-0001.pdf" (04.11.2026 09:30)`) {
		t.Errorf("fields %v", got)
	}
	if !strings.Contains(a.detail(), "DUPLICATE INVOICE of abc") {
		t.Errorf("detail %q", a.detail())
	}
}

// A batch left unsplit (a missed separator sheet) is flagged with the
// split's reason and, though its first page would route it into the
// Rechnungsworkflow, takes the review route: it holds several documents.
func TestSettleUnsplitBatchGoesToReview(t *testing.T) {
	const why = "Teil 1 hätte 12 Seiten, mehr als die erlaubten 10: vermutlich fehlt ein Trennblatt. Bitte den Stapel prüfen."
	for _, tt := range []struct {
		name      string
		batch     string
		wantRoute string
	}{
		{"unsplit batch", why, "review"},
		{"ordinary scan", "", "stadtwerke"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := map[string]string{}
			if tt.batch != "" {
				in[fields.BatchReview] = tt.batch
			}
			f := facts{Profile: "post", ProfileKind: "auto", Layout: lay(scanInvoice), Classifier: testClassifier(t),
				RoutesConfigured: true, ReviewRoute: "review", Fields: in}
			a := assess(context.Background(), f)
			a.settle(f, invoicedup.Verdict{})
			got := a.Fields
			if got[fields.Route] != tt.wantRoute {
				t.Errorf("route %q, want %q", got[fields.Route], tt.wantRoute)
			}
			if review := got[fields.NeedsReview] == "true"; review != (tt.batch != "") || (review && !strings.Contains(got[fields.ReviewWhy], why)) {
				t.Errorf("needs_review %q, reason %q", got[fields.NeedsReview], got[fields.ReviewWhy])
			}
		})
	}
}
