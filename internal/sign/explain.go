package sign

import "github.com/eingang/eingang/internal/fault"

// Explain tells what the errors of sealing a document mean for the clerk
// (see package fault); ok is false for errors that are not this package's.
// Key and certificate errors are not listed: they are the service's
// setup, not the document's, so they stay transient and the document is
// sealed once IT has renewed the certificate.
func Explain(err error) (permanent bool, clerk string, ok bool) {
	return sentinels.Explain(err)
}

var sentinels = fault.Table{
	fault.Transient(ErrTimestamp, "Der Zeitstempeldienst war über längere Zeit nicht erreichbar; das Dokument wurde nicht ungesiegelt weitergegeben."),
	fault.Permanent(ErrEncrypted, "Das PDF ist verschlüsselt und kann nicht gesiegelt werden."),
	fault.Permanent(ErrInvalidPDF, "Das PDF ist nicht lesbar und kann nicht gesiegelt werden."),
}
