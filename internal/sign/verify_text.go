package sign

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// WriteText writes the result as the German report of eingang verify: per
// signature its state, format, signer, certificate, signing time, time
// stamp and scope, then whether the file changed since the last signature
// and what the embedded Transfervermerk says.
func (res *VerifyResult) WriteText(w io.Writer) {
	for i, s := range res.Signatures {
		state := "gültig"
		if s.Err != nil {
			state = "UNGÜLTIG: " + s.Err.Error()
		}
		fmt.Fprintf(w, "Signatur %d (%s): %s\n", i+1, s.Field, state)
		fmt.Fprintf(w, "  Format:        %s\n", s.Level())
		if s.Certificate != nil {
			fmt.Fprintf(w, "  Unterzeichner: %s\n", s.Signer)
			fmt.Fprintf(w, "  Aussteller:    %s\n", s.Certificate.Issuer)
			fmt.Fprintf(w, "  Zertifikat:    gültig %s bis %s\n", s.Certificate.NotBefore.UTC().Format(time.DateOnly), s.Certificate.NotAfter.UTC().Format(time.DateOnly))
		}
		if !s.SigningTime.IsZero() {
			fmt.Fprintf(w, "  Signaturzeit:  %s (Angabe des Unterzeichners)\n", s.SigningTime.UTC().Format(time.RFC3339))
		}
		if s.Timestamp != nil {
			fmt.Fprintf(w, "  Zeitstempel:   %s (TSA %s)\n", s.Timestamp.Time.UTC().Format(time.RFC3339), s.Timestamp.TSA)
		} else {
			fmt.Fprintln(w, "  Zeitstempel:   keiner")
		}
		fmt.Fprintf(w, "  Umfang:        %s\n", map[bool]string{true: "gesamtes Dokument", false: "frühere Fassung"}[s.CoversWholeFile])
	}
	if len(res.Signatures) > 0 {
		fmt.Fprintf(w, "Seit der letzten Signatur unverändert: %s\n", map[bool]string{true: "ja", false: "NEIN"}[res.Unmodified])
	}
	fmt.Fprintln(w, "Vertrauenskette: nicht geprüft (keine Vertrauensliste konfiguriert)")
	switch {
	case res.TransfervermerkErr != nil:
		fmt.Fprintf(w, "Transfervermerk: FEHLER: %v\n", res.TransfervermerkErr)
	case res.Transfervermerk == nil:
		fmt.Fprintln(w, "Transfervermerk: keiner eingebettet")
	default:
		fmt.Fprintln(w, "Transfervermerk: Seiten-Hashes stimmen überein")
	}
	if res.Transfervermerk != nil {
		js, _ := json.MarshalIndent(res.Transfervermerk, "", "  ")
		fmt.Fprintf(w, "%s\n", js)
	}
}
