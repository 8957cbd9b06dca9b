package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/eingang/eingang/internal/classify"
	"github.com/eingang/eingang/internal/extract"
	"github.com/eingang/eingang/internal/extract/tesscli"
	"github.com/eingang/eingang/internal/layout"
	"github.com/eingang/eingang/internal/ocr"
)

// inspectOutput is the JSON printed by `eingang inspect`.
type inspectOutput struct {
	File       string                   `json:"file"`
	Kind       string                   `json:"kind"`
	Route      string                   `json:"route"`
	Confidence float64                  `json:"confidence"`
	Review     bool                     `json:"review"`
	Reason     string                   `json:"reason"`
	Invoice    map[string]extract.Field `json:"invoice"`
	// InvoiceReview and Problems come from the plausibility checks.
	InvoiceReview bool     `json:"invoice_review"`
	Problems      []string `json:"problems,omitempty"`
	OCR           string   `json:"ocr"`
}

// cmdInspect runs OCR, classification and invoice extraction on one file,
// with the same packages as the workers, and prints the result.
func cmdInspect(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text or json")
	model := fs.String("model", "", "classifier `model` file written by eingang train (optional)")
	rules := fs.String("rules", "", "YAML `file` with the classification section: routes, rules, … (optional)")
	profile := fs.String("profile", "", "intake profile name, for profile rules and defaults")
	useCLI := fs.Bool("tesseract-cli", false, "OCR with the tesseract command-line tool instead of the built-in engine")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: eingang inspect [flags] FILE\n\nClassifies a PDF or TIFF and extracts its invoice fields.\nExit codes: 0 done, 1 the file could not be processed, 2 usage error.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 || (*format != "json" && *format != "text") {
		fs.Usage()
		return 2
	}
	file := fs.Arg(0)
	cfg := classify.Defaults()
	if *rules != "" {
		b, err := os.ReadFile(*rules)
		if err != nil {
			fmt.Fprintln(stderr, "eingang inspect:", err)
			return 2
		}
		if err := yaml.Unmarshal(b, &cfg); err != nil {
			fmt.Fprintf(stderr, "eingang inspect: %s: %v\n", *rules, err)
			return 2
		}
	}
	var m *classify.Model
	if *model != "" {
		var err error
		if m, err = classify.LoadModel(*model); err != nil {
			fmt.Fprintln(stderr, "eingang inspect:", err)
			return 2
		}
	}
	cl, err := classify.New(cfg, m)
	if err != nil {
		fmt.Fprintln(stderr, "eingang inspect:", err)
		return 2
	}
	doc, via, err := documentLayout(ctx, file, *useCLI)
	if err != nil {
		fmt.Fprintln(stderr, "eingang inspect:", err)
		return 1
	}
	inv := extract.Invoice(doc)
	fields := map[string]string{}
	for k, f := range inv.Fields {
		fields[k] = f.Value
	}
	res := cl.Classify(ctx, classify.Input{
		Text: doc.Text(), Layout: &doc, Profile: *profile, SourceName: filepath.Base(file), Fields: fields,
	})
	out := inspectOutput{
		File: file, Kind: res.Kind, Route: res.Route, Confidence: res.Confidence, Review: res.Review, Reason: res.Reason,
		Invoice: inv.Fields, InvoiceReview: inv.Review, Problems: inv.Problems, OCR: via,
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return 1
		}
		return 0
	}
	fmt.Fprintf(stdout, "file:       %s\nkind:       %s (confidence %.2f)\nroute:      %s\nreview:     %v  %s\n", out.File, out.Kind, out.Confidence, out.Route, out.Review, out.Reason)
	names := make([]string, 0, len(inv.Fields))
	for k := range inv.Fields {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		f := inv.Fields[k]
		mark := " "
		if f.Confidence >= extract.SafeConfidence {
			mark = "✓"
		}
		fmt.Fprintf(stdout, "  %s %-18s %-30s %.2f\n", mark, k, f.Value, f.Confidence)
	}
	for _, p := range inv.Problems {
		fmt.Fprintln(stdout, "  ! "+p)
	}
	return 0
}

// documentLayout OCRs a file with the workers' engine, or with the
// tesseract CLI stand-in when asked to.
func documentLayout(ctx context.Context, file string, useCLI bool) (layout.Document, string, error) {
	if useCLI {
		cache := filepath.Join(os.TempDir(), "eingang-ocr-cache", "tesscli")
		d, err := tesscli.New(cache).Layout(ctx, file)
		return d, "tesseract-cli", err
	}
	cfg := ocr.Defaults()
	cfg.Workers = 1
	e, err := ocr.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return layout.Document{}, "", err
	}
	defer e.Close()
	tmp, err := os.MkdirTemp("", "eingang-inspect-")
	if err != nil {
		return layout.Document{}, "", err
	}
	defer os.RemoveAll(tmp)
	res, err := e.Process(ctx, file, filepath.Join(tmp, "out.pdf"))
	if err != nil {
		return layout.Document{}, "", err
	}
	return res.Layout, "internal/ocr", nil
}
