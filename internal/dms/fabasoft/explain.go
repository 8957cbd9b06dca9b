package fabasoft

import "github.com/eingang/eingang/internal/fault"

// Explain tells what the Fabasoft client's own errors mean for the clerk
// (see package fault); refusals of the server itself are dms.RejectedError.
func Explain(err error) (permanent bool, clerk string, ok bool) {
	return sentinels.Explain(err)
}

var sentinels = fault.Table{
	// Transient: once IT fixes the credentials, the retries deliver.
	fault.Transient(ErrAuth, "Die Anmeldung bei Fabasoft ist fehlgeschlagen – bitte die IT informieren."),
	fault.Transient(ErrUnavailable, "Fabasoft war über längere Zeit nicht erreichbar."),
}
