package d3

import "github.com/eingang/eingang/internal/fault"

// Explain tells what the d.3 client's own errors mean for the clerk (see
// package fault); refusals of the server itself are dms.RejectedError.
func Explain(err error) (permanent bool, clerk string, ok bool) {
	return sentinels.Explain(err)
}

var sentinels = fault.Table{
	// Transient: once IT fixes the key, the retries deliver.
	fault.Transient(ErrUnauthorized, "Die Anmeldung am d.3 ist fehlgeschlagen – bitte die IT informieren."),
}
