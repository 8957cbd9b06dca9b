package einvoice

import "github.com/eingang/eingang/internal/fault"

// Explain tells what the errors of reading an e-invoice mean for the clerk
// (see package fault); ok is false for errors that are not this package's.
// All are permanent: retrying the same bytes cannot succeed.
func Explain(err error) (permanent bool, clerk string, ok bool) {
	return sentinels.Explain(err)
}

// sentinels: ErrDamagedPDF comes before ErrMalformed, which it always
// accompanies, so a damaged PDF is not called bad XML.
var sentinels = fault.Table{
	fault.Permanent(ErrHostileXML, "Die Datei enthält unzulässige XML-Konstrukte (DOCTYPE/Entitäten oder zu tiefe Verschachtelung) und wird aus Sicherheitsgründen nicht gelesen."),
	fault.Permanent(ErrTooLarge, "Die E-Rechnung ist zu groß für die automatische Verarbeitung."),
	fault.Permanent(ErrInvalidEncoding, "Die XML-Datei hat eine ungültige Zeichenkodierung (erwartet wird UTF-8)."),
	fault.Permanent(ErrDamagedPDF, "Die PDF-Datei ist beschädigt und kann nicht gelesen werden."),
	fault.Permanent(ErrMalformed, "Die E-Rechnung ist beschädigt oder kein wohlgeformtes XML."),
	fault.Permanent(ErrNoInvoiceInPDF, "Das PDF enthält keine eingebettete E-Rechnung (XML); es ist keine ZUGFeRD-/Factur-X-Rechnung."),
	fault.Permanent(ErrNotEInvoice, "Die Datei ist keine E-Rechnung (weder XRechnung/UBL noch CII/ZUGFeRD)."),
}
