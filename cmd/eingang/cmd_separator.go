package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/eingang/eingang/internal/batch"
)

// metaFlags collects repeated --meta key=value flags.
type metaFlags map[string]string

func (m metaFlags) String() string { return "" }

func (m metaFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("expected key=value, got %q", v)
	}
	m[k] = val
	return nil
}

// cmdSeparator writes a printable separator sheet for batch scanning.
func cmdSeparator(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("separator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output PDF `file`")
	profile := fs.String("profile", "", "`profile` for the document after the sheet")
	meta := metaFlags{}
	fs.Var(meta, "meta", "metadata `key=value` for the document after the sheet (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: eingang separator -o FILE.pdf [--profile P] [--meta key=value …]")
		fmt.Fprintln(stderr, "\nWrites an A4 separator sheet (Trennblatt) to print and put in front of each")
		fmt.Fprintln(stderr, "document of a scan batch. Its QR code and Code 128 carry the payload")
		fmt.Fprintln(stderr, batch.SeparatorCommand+"[?profile=P&meta.key=value…]; see README, \"Batch scanning\".\n\nFlags:")
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	if len(pos) != 0 || *out == "" {
		fs.Usage()
		return 2
	}
	p := batch.SeparatorPayload{Profile: *profile}
	if len(meta) > 0 {
		p.Meta = meta
	}
	data, _, err := batch.RenderSeparator(ctx, p)
	if err != nil {
		fmt.Fprintln(stderr, "eingang separator:", err)
		return 1
	}
	tmp := *out + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		fmt.Fprintln(stderr, "eingang separator:", err)
		return 1
	}
	if err := os.Rename(tmp, *out); err != nil {
		_ = os.Remove(tmp)
		fmt.Fprintln(stderr, "eingang separator:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: Trennblatt mit %s\n", *out, p.String())
	return 0
}
