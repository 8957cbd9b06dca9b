package dms

import (
	"errors"
	"fmt"
)

// Explain tells what a RejectedError means for the clerk: the target's
// refusal is permanent and carries the target's own reason. It returns
// ok=false for other errors (see package fault).
func Explain(err error) (permanent bool, clerk string, ok bool) {
	var rej *RejectedError
	if !errors.As(err, &rej) {
		return false, "", false
	}
	// A rejection with a status is the DMS's own verdict; one without comes
	// from the client (a template error, a workflow start whose outcome is
	// unknown), so there the lead-in says only that the hand-over stopped.
	msg := "Die Übergabe an das Zielsystem " + rej.Target + " wurde nicht abgeschlossen."
	if rej.Status != 0 {
		msg = fmt.Sprintf("Das Zielsystem %s hat das Dokument abgelehnt (Status %d).", rej.Target, rej.Status)
	}
	if rej.Reason != "" {
		msg += " Begründung: " + rej.Reason
	}
	return true, msg, true
}
