package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/eingang/eingang/internal/invoicedup"
	"github.com/eingang/eingang/internal/journal"
)

func (p *Pipeline) classify(ctx context.Context, doc *journal.Document) (string, error) {
	prof, err := p.profile(doc)
	if err != nil {
		return "", err
	}
	f := facts{
		Profile: doc.Profile, ProfileKind: prof.Kind, SourceName: doc.SourceName, Kind: doc.Kind, Fields: doc.Fields,
		RoutesConfigured: len(p.cfg.Classification.Routes) > 0, ReviewRoute: p.cfg.Classification.ReviewRoute,
	}
	if p.classifier != nil {
		f.Classifier = p.classifier
	}
	lay, lerr := p.docDir(doc.ID).Layout()
	if lerr != nil && !errors.Is(lerr, os.ErrNotExist) {
		return "", lerr
	}
	if lerr == nil {
		f.Layout = &lay
	}
	a := assess(ctx, f)
	var verdict invoicedup.Verdict
	if a.Invoice != nil && p.invoices != nil {
		verdict, err = invoicedup.Check(ctx, p.invoices, doc.ID, *a.Invoice)
		if err != nil && !errors.Is(err, invoicedup.ErrNoKey) {
			return "", err
		}
	}
	a.settle(f, verdict)
	next := StepDeliver
	if needsSign(prof) {
		next = StepSign
	}
	return next, p.advance(ctx, doc.ID, StepClassify, next, a.detail(), func(d *journal.Document) {
		d.Kind = a.Kind
		d.Fields = a.Fields
		d.InvoiceKey = a.Key
	})
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
