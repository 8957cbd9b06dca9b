package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/eingang/eingang/internal/sign"
)

// cmdVerify checks the signatures and the Transfervermerk of a PDF. Exit
// status 0 means every signature is valid, nothing was changed after the
// last one and an embedded Transfervermerk matches the pages; 1 means a
// check failed; 2 is a usage error.
func cmdVerify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	requireTV := fs.Bool("require-transfervermerk", false, "fail when no Transfervermerk is embedded")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: eingang verify FILE [--require-transfervermerk]")
		fmt.Fprintln(stderr, "\nVerifies every signature, that the document is unchanged since the last one,")
		fmt.Fprintln(stderr, "and the page hashes of an embedded Transfervermerk.\n\nFlags:")
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fs.Usage()
		return 2
	}
	res, verr := sign.Verify(pos[0])
	if res != nil {
		printVerifyResult(stdout, res)
	}
	code := 0
	if verr != nil {
		fmt.Fprintln(stderr, "eingang verify:", verr)
		code = 1
	}
	if *requireTV && (res == nil || res.Transfervermerk == nil) {
		fmt.Fprintln(stderr, "eingang verify:", sign.ErrNoTransfervermerk)
		code = 1
	}
	return code
}

func printVerifyResult(w io.Writer, res *sign.VerifyResult) {
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
