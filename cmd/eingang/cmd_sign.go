package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/eingang/eingang/internal/sign"
)

// parseInterleaved parses flags that may appear before or after positional
// arguments ("eingang sign IN -o OUT") and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	if err := parseArgs(fs, args); err != nil {
		return nil, err
	}
	return fs.Args(), nil
}

// cmdSign seals a PDF with a PAdES signature from a PKCS#12 key.
func cmdSign(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output `file` (may equal the input)")
	p12 := fs.String("pkcs12", "", "PKCS#12 key `file` (.p12/.pfx)")
	var tok sign.PKCS11Config
	fs.StringVar(&tok.Module, "pkcs11-module", "", "PKCS#11 `library` (HSM/smart card; needs a build with -tags pkcs11)")
	fs.StringVar(&tok.TokenLabel, "pkcs11-token", "", "PKCS#11 token `label`")
	fs.StringVar(&tok.KeyLabel, "pkcs11-key", "", "`label` of the key and certificate on the token")
	fs.StringVar(&tok.ChainFile, "chain", "", "PEM `file` with the CA chain (PKCS#11 only)")
	pwFile := fs.String("password-file", "", "`file` with the PKCS#12 password or token PIN (default: $"+sign.DefaultPasswordEnv+")")
	tsa := fs.String("tsa", "", "RFC 3161 time-stamp authority `URL` (PAdES B-T)")
	reason := fs.String("reason", sign.Defaults().Reason, "signing reason")
	location := fs.String("location", "", "signing location")
	visible := fs.Bool("visible", false, "add a visible stamp on the first page")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: eingang sign IN -o OUT --pkcs12 FILE [--password-file FILE] [--tsa URL]")
		fmt.Fprintln(stderr, "       eingang sign IN -o OUT --pkcs11-module LIB --pkcs11-token LABEL --pkcs11-key LABEL [--chain PEM]")
		fmt.Fprintln(stderr, "\nSeals IN with a PAdES signature (incremental update; earlier signatures stay valid).")
		fmt.Fprintln(stderr, "The password comes from --password-file or $"+sign.DefaultPasswordEnv+".\n\nFlags:")
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	if len(pos) != 1 || *out == "" || (*p12 == "") == (tok.Module == "") {
		fs.Usage()
		return 2
	}
	pw, err := sign.ReadPassword(*pwFile, sign.DefaultPasswordEnv)
	if err != nil {
		fmt.Fprintln(stderr, "eingang sign:", err)
		return 1
	}
	var signer sign.Signer
	if *p12 != "" {
		signer, err = sign.LoadPKCS12(*p12, pw)
	} else {
		signer, err = sign.OpenPKCS11(tok, pw)
	}
	clear(pw)
	if err != nil {
		fmt.Fprintln(stderr, "eingang sign:", err)
		return 1
	}
	opts := sign.Options{Reason: *reason, Location: *location, TSAURL: *tsa}
	if *visible {
		opts.Stamp = &sign.Stamp{Page: 1, Rect: [4]float64{20, 20, 220, 70}}
	}
	if err := sign.Sign(ctx, pos[0], *out, signer, opts); err != nil {
		fmt.Fprintln(stderr, "eingang sign:", err)
		return 1
	}
	fmt.Fprintf(stdout, "signed %s -> %s (%s)\n", pos[0], *out, signer.Certificate().Subject.CommonName)
	return 0
}
