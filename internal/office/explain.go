package office

import "github.com/eingang/eingang/internal/fault"

// Explain tells what a conversion's errors mean for the clerk (see package
// fault); ok is false for errors that are not the converter's.
func Explain(err error) (permanent bool, clerk string, ok bool) {
	return sentinels.Explain(err)
}

var sentinels = fault.Table{
	// Permanent: retries do not install LibreOffice; once IT has, the
	// document can be submitted again.
	fault.Permanent(ErrNoLibreOffice, "Word-, ODT- und RTF-Dokumente können nicht umgewandelt werden, weil LibreOffice auf dem Server fehlt – bitte die IT informieren und das Dokument danach erneut einreichen."),
	fault.Permanent(ErrConversionFailed, "Das Dokument konnte nicht in ein PDF umgewandelt werden (beschädigt, passwortgeschützt oder ungewöhnlich aufgebaut). Bitte das Dokument als PDF speichern und erneut einreichen."),
	fault.Transient(ErrTimeout, "Die Umwandlung des Dokuments in ein PDF hat zu lange gedauert; sie wird später erneut versucht."),
}
