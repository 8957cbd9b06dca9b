package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/eingang/eingang/internal/classify"
)

// cmdTrain trains the learned document classifier from a folder of
// labelled subfolders (one per kind; *.txt used as is, PDFs and TIFFs
// OCRed) or from a JSONL of corrected history, reports cross-validated
// accuracy and writes the model file.
func cmdTrain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("examples", "", "folder with one subfolder per kind (Rechnung/, Bescheid/, …)")
	jsonl := fs.String("jsonl", "", "JSONL file of corrected history: {\"text\":…,\"kind\":…} per line")
	out := fs.String("out", "", "model file to write (required)")
	folds := fs.Int("folds", 5, "folds for the cross-validation report; 0 to skip")
	useCLI := fs.Bool("tesseract-cli", false, "OCR example scans with the tesseract command-line tool")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: eingang train (--examples DIR | --jsonl FILE) --out MODEL\n\nExit codes: 0 model written, 1 training failed, 2 usage error.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := parseArgs(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *out == "" || (*dir == "") == (*jsonl == "") || fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	var examples []classify.Example
	if *dir != "" {
		ex, scans, err := classify.LoadExamplesDir(*dir)
		if err != nil {
			fmt.Fprintln(stderr, "eingang train:", err)
			return 1
		}
		for _, s := range scans {
			doc, _, err := documentLayout(ctx, s.Text, *useCLI)
			if err != nil {
				fmt.Fprintf(stderr, "eingang train: %s: %v (skipped)\n", s.Text, err)
				continue
			}
			ex = append(ex, classify.Example{Text: doc.Text(), Kind: s.Kind})
		}
		examples = ex
	} else {
		f, err := os.Open(*jsonl)
		if err != nil {
			fmt.Fprintln(stderr, "eingang train:", err)
			return 1
		}
		examples, err = classify.ReadExamplesJSONL(f)
		f.Close()
		if err != nil {
			fmt.Fprintln(stderr, "eingang train:", err)
			return 1
		}
	}
	counts := map[string]int{}
	for _, e := range examples {
		counts[e.Kind]++
	}
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(stdout, "%-14s %d examples\n", k, counts[k])
	}
	if *folds >= 2 && len(examples) >= *folds {
		pred, _, err := classify.CrossValidate(examples, *folds, classify.TrainOptions{})
		if err != nil {
			fmt.Fprintln(stderr, "eingang train:", err)
			return 1
		}
		ok := 0
		for i, p := range pred {
			if p == examples[i].Kind {
				ok++
			}
		}
		fmt.Fprintf(stdout, "%d-fold cross-validation: %d/%d correct (%.1f%%)\n", *folds, ok, len(pred), 100*float64(ok)/float64(len(pred)))
	}
	m, err := classify.Train(examples, classify.TrainOptions{})
	if err != nil {
		fmt.Fprintln(stderr, "eingang train:", err)
		return 1
	}
	if err := m.Save(*out); err != nil {
		fmt.Fprintln(stderr, "eingang train:", err)
		return 1
	}
	fmt.Fprintf(stdout, "model written to %s (%d kinds, %d terms)\n", *out, len(m.Classes), len(m.Vocab))
	return 0
}
