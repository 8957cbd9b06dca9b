package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

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
		res.WriteText(stdout)
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
