package einvoice

// Format is the kind of input detected by content.
type Format int

// Input formats.
const (
	Unknown       Format = iota
	UBLInvoice           // UBL 2.1 Invoice (possibly inside an SBDH envelope)
	UBLCreditNote        // UBL 2.1 CreditNote (possibly inside an SBDH envelope)
	CII                  // UN/CEFACT CrossIndustryInvoice (XRechnung CII, ZUGFeRD 2, Factur-X)
	ZUGFeRD1             // ZUGFeRD 1.0 CrossIndustryDocument
	FacturXPDF           // PDF with an embedded invoice XML
	PlainPDF             // PDF without an embedded invoice XML
)

var formatNames = [...]string{"unknown", "ubl-invoice", "ubl-creditnote", "cii", "zugferd1", "facturx-pdf", "pdf"}

// String returns a stable lower-case name, e.g. "ubl-invoice".
func (f Format) String() string {
	if f < 0 || int(f) >= len(formatNames) {
		return "unknown"
	}
	return formatNames[f]
}

// MarshalText implements encoding.TextMarshaler.
func (f Format) MarshalText() ([]byte, error) { return []byte(f.String()), nil }
