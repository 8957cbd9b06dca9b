package einvoice

import "errors"

// Sentinel errors for bad input. They are permanent: retrying the same bytes
// cannot succeed. Wrapped errors carry the detail; test with errors.Is.
var (
	// ErrNotEInvoice: the input is neither UBL, CII, ZUGFeRD 1 nor a PDF.
	ErrNotEInvoice = errors.New("einvoice: not an e-invoice")
	// ErrHostileXML: DOCTYPE or entity declarations, or nesting too deep.
	ErrHostileXML = errors.New("einvoice: hostile XML")
	// ErrTooLarge: the input exceeds the configured size limit.
	ErrTooLarge = errors.New("einvoice: input too large")
	// ErrInvalidEncoding: not UTF-8 (or an unsupported declared encoding).
	ErrInvalidEncoding = errors.New("einvoice: invalid character encoding")
	// ErrNoInvoiceInPDF: a PDF without an embedded invoice XML.
	ErrNoInvoiceInPDF = errors.New("einvoice: no invoice XML embedded in PDF")
	// ErrMalformed: not well-formed XML or a damaged PDF.
	ErrMalformed = errors.New("einvoice: malformed document")
	// ErrDamagedPDF: a PDF that cannot be read at all. It always comes
	// together with ErrMalformed; it tells a damaged container apart from
	// XML that is not well-formed (reports give it another rule id).
	ErrDamagedPDF = errors.New("PDF cannot be read")
)

// MessageDE explains a parse failure in German for the clerks at the scan
// station, in the same words as Explain; it never includes document
// content.
func MessageDE(err error) string {
	if err == nil {
		return ""
	}
	if _, clerk, ok := Explain(err); ok {
		return clerk
	}
	return "Die Datei konnte nicht gelesen werden."
}
