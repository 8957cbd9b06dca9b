// Command eingang brings scanned mail and invoices of German municipal
// administrations into their document management systems.
//
// Every subcommand lives in its own file (cmd_<name>.go) and has the
// signature of [commandFunc]; main only dispatches.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/eingang/eingang/internal/ocr"
)

// commandFunc runs one subcommand. args excludes the subcommand name. The
// returned value is the process exit code.
type commandFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) int

type command struct {
	name    string
	summary string
	run     commandFunc
}

func commands() []command {
	return []command{
		{"serve", "run watchers, workers and the HTTP API in one process", cmdServe},
		{"watch", "run only the hot-folder watchers (enqueue into Redis)", cmdWatch},
		{"work", "run only the workers (consume from Redis)", cmdWork},
		{"submit", "hand files to intake from scripts", cmdSubmit},
		{"doctor", "check configuration, Redis, Tesseract, folders and targets", cmdDoctor},
		{"migrate", "bring the journal's database schema up to date", cmdMigrate},
		{"ocr", "make a searchable PDF from a scan (same code as the workers)", cmdOCR},
		{"validate", "validate XRechnung / ZUGFeRD e-invoices", cmdValidate},
		{"inspect", "classify a document and extract its invoice fields", cmdInspect},
		{"train", "train the document classifier from labelled examples", cmdTrain},
		{"sign", "seal a PDF (PAdES) with a PKCS#12 key", cmdSign},
		{"separator", "write a printable separator sheet for batch scanning", cmdSeparator},
		{"verify", "verify the signatures and Transfervermerk of a PDF", cmdVerify},
		{"dms-sim", "run a faithful fake of d.3 or Fabasoft for demos", cmdDMSSim},
		{"version", "print the version", cmdVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// go-redis logs through one process-wide logger (its clients are made
	// inside asynq and take no logger of their own), so it is replaced
	// once, here, rather than in a package.
	redis.SetLogger(quietRedisLog{})
	// Every log line of the process goes through one guarded writer, so
	// none is written while Tesseract has fd 2 redirected (see ocr.StderrWriter).
	code := run(ctx, os.Args[1:], os.Stdout, ocr.StderrWriter(os.Stderr))
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "eingang: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: eingang <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'eingang <command> --help' for the flags of a command.")
}
