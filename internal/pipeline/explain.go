package pipeline

import (
	"errors"

	"github.com/eingang/eingang/internal/fault"
)

// Explain tells what the pipeline's own errors mean for the clerk (see
// package fault); ok is false for errors that are not the pipeline's.
func Explain(err error) (permanent bool, clerk string, ok bool) {
	var rej *RejectedInvoiceError
	if errors.As(err, &rej) {
		return true, "Die E-Rechnung ist laut Prüfung nach XRechnung/EN 16931 ungültig: " + rej.Summary, true
	}
	return sentinels.Explain(err)
}

var sentinels = fault.Table{
	fault.Permanent(ErrNoSealer, "Das Profil verlangt ein Siegel, es ist aber kein Siegelschlüssel eingerichtet – bitte die IT informieren."),
	fault.Permanent(ErrNoOfficeConverter, "Word-, ODT- und RTF-Dokumente können nicht verarbeitet werden, weil die Umwandlung in PDF (LibreOffice) nicht eingerichtet ist – bitte die IT informieren."),
	fault.Permanent(errProfileGone, "Das Eingangsprofil dieses Dokuments ist nicht mehr eingerichtet; das Dokument wurde deshalb nicht weiterverarbeitet – bitte die IT informieren."),
}
