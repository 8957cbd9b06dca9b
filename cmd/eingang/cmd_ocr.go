package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/eingang/eingang/internal/intake"
	"github.com/eingang/eingang/internal/ocr"
)

// cmdOCR makes a searchable PDF from one scan with the same engine the
// workers use. Exit codes: 0 done, 1 bad input (permanent), 2 usage,
// 3 other failure (environment, Tesseract missing, I/O).
func cmdOCR(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ocr", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output `PDF` (required)")
	cfg := ocr.Defaults()
	fs.StringVar(&cfg.Languages, "l", cfg.Languages, "Tesseract `languages`, e.g. deu or deu+eng")
	fs.StringVar(&cfg.TessdataPrefix, "tessdata", "", "tessdata `dir` (default: Tesseract's)")
	fs.IntVar(&cfg.PSM, "psm", cfg.PSM, "page segmentation `mode`")
	fs.IntVar(&cfg.Workers, "workers", 0, "pages recognised in parallel (0 = CPU cores)")
	fs.DurationVar(&cfg.PageTimeout, "page-timeout", cfg.PageTimeout, "time limit per page")
	asJSON := fs.Bool("json", false, "print per-page results as JSON")
	printText := fs.Bool("text", false, "print the recognised text")
	verbose := fs.Bool("v", false, "log progress to stderr")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: eingang ocr [flags] IN -o OUT.pdf")
		fmt.Fprintln(stderr, "Makes a searchable PDF from a scan (PDF, TIFF, JPEG, PNG): the scan image stays")
		fmt.Fprintln(stderr, "the visible page, recognised text is laid invisibly on top; pages are shown upright.")
		fs.PrintDefaults()
	}
	if err := parseArgs(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	pos := fs.Args()
	if len(pos) != 1 || *out == "" {
		fs.Usage()
		return 2
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	eng, err := ocr.New(cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "eingang ocr: %v\n", err)
		return 3
	}
	defer eng.Close()
	start := time.Now()
	res, err := ocrFile(ctx, eng, pos[0], *out)
	if err != nil {
		fmt.Fprintf(stderr, "eingang ocr: %v\n", err)
		if v := newFaults().Classify(err); v.Permanent {
			fmt.Fprintln(stderr, v.Clerk)
			return 1
		}
		return 3
	}
	switch {
	case *asJSON:
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(res.Pages)
	case *printText:
		fmt.Fprintln(stdout, res.Text())
	default:
		for _, p := range res.Pages {
			fmt.Fprintf(stdout, "page %d: %s rotation %d° skew %.2f° confidence %.1f\n", p.Number, p.Source, p.RotationDeg, p.SkewDeg, p.MeanConfidence)
		}
		fmt.Fprintf(stdout, "%d pages in %.1fs -> %s\n", len(res.Pages), time.Since(start).Seconds(), *out)
	}
	return 0
}

// ocrFile refuses, before the engine reads it, a file that eingang takes
// only through an inbox (office documents, mails, archives, XML), so
// that the user learns where it belongs instead of "not supported".
func ocrFile(ctx context.Context, eng *ocr.Engine, in, out string) (*ocr.Result, error) {
	f, err := intake.Detect(in)
	switch {
	case errors.Is(err, intake.ErrUnsupported):
		// The engine's own message lists what it takes.
	case err != nil:
		return nil, err
	case !intake.IsScan(f):
		return nil, fmt.Errorf("%s is %s: %w", in, f, intake.ErrNotAScan)
	}
	return eng.Process(ctx, in, out)
}
