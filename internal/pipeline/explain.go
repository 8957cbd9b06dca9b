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
	var se *SplitError
	if errors.As(err, &se) {
		return true, "Der Stapel konnte nicht in Dokumente aufgeteilt werden: " + se.Why +
			" Bitte prüfen Sie den Stapel (fehlt ein Trennblatt?) und legen Sie ihn erneut ein.", true
	}
	return sentinels.Explain(err)
}

var sentinels = fault.Table{
	fault.Permanent(ErrNoSealer, "Das Profil verlangt ein Siegel, es ist aber kein Siegelschlüssel eingerichtet – bitte die IT informieren."),
	fault.Permanent(ErrNoOfficeConverter, "Word-, ODT- und RTF-Dokumente können nicht verarbeitet werden, weil die Umwandlung in PDF (LibreOffice) nicht eingerichtet ist – bitte die IT informieren."),
	fault.Permanent(ErrNotFailed, "Das Dokument ist nicht (mehr) im Fehlerzustand; es wird bereits erneut verarbeitet oder ist erledigt."),
	fault.Permanent(ErrOriginalGone, "Die Originaldatei liegt nicht mehr im Fehlerordner. Bitte legen Sie die Datei erneut in den Eingangsordner."),
	fault.Permanent(ErrStillBroken, "Die Datei ist weiterhin fehlerhaft und bleibt im Fehlerordner. Bitte neu scannen oder die Datei korrigieren."),
	fault.Permanent(ErrNoReview, "Dieses Dokument ist nicht zur Prüfung vorgesehen."),
	fault.Permanent(ErrAlreadyChecked, "Das Dokument wurde bereits als geprüft markiert."),
	fault.Permanent(errProfileGone, "Das Eingangsprofil dieses Dokuments ist nicht mehr eingerichtet; das Dokument wurde deshalb nicht weiterverarbeitet – bitte die IT informieren."),
}
