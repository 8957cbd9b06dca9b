// Command extract evaluates invoice field extraction and document
// classification on the scan corpus (../shared/corpus/scans): exact match
// per field after normalisation, precision of the fields reported with a
// confidence of at least 0.9, and the invoice-versus-other confusion
// matrix with k-fold cross-validation of the learned classifier.
//
// Layouts come from internal/ocr (the workers' path) unless built with
// -tags noocrengine (for when internal/ocr does not compile) or run with
// -tesseract-cli; then the tesseract CLI stand-in is used. The output names
// the path used.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/eingang/eingang/internal/extract"
	"github.com/eingang/eingang/internal/layout"
	"github.com/eingang/eingang/internal/ocr/ocrtest"
	"github.com/eingang/eingang/internal/testenv/repo"
)

// truth is a scan-truth/1 file of the corpus.
type truth = ocrtest.Truth

// layoutSource yields the layout of one scan.
type layoutSource interface {
	Name() string
	Layout(ctx context.Context, path string) (layout.Document, error)
}

// newEngineSource is set by engine.go unless built with -tags noocrengine
// (for when internal/ocr does not compile).
var newEngineSource func(cache string) (layoutSource, error)

var scored = []string{extract.InvoiceNumber, extract.IssueDate, extract.GrandTotal, extract.PayeeIBAN, extract.SellerVATID,
	extract.NetTotal, extract.TaxTotal, extract.DuePayable, extract.Currency, extract.DueDate, extract.SellerName, extract.OrderReference, extract.BuyerReference}

var targets = map[string]float64{extract.InvoiceNumber: 0.90, extract.GrandTotal: 0.95, extract.IssueDate: 0.90, extract.PayeeIBAN: 0.95, extract.SellerVATID: 0.90}

func main() {
	corpus := flag.String("corpus", "", "scan corpus directory (default: ../shared/corpus/scans from the repo root)")
	cache := flag.String("cache", filepath.Join(os.TempDir(), "eingang-ocr-cache"), "cache directory for OCR results")
	useCLI := flag.Bool("tesseract-cli", false, "use the tesseract CLI stand-in instead of internal/ocr")
	verbose := flag.Bool("v", false, "print every wrong or missing field")
	folds := flag.Int("folds", 5, "folds for cross-validating the learned classifier")
	dump := flag.String("dump", "", "print the rows of this scan (e.g. scan-0041) and its fields, then exit")
	flag.Parse()
	if *corpus == "" {
		*corpus = repo.CorpusDefault("scans")
	}
	ctx := context.Background()
	var src layoutSource
	if newEngineSource != nil && !*useCLI {
		s, err := newEngineSource(filepath.Join(*cache, "engine"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "extract: OCR engine:", err)
			os.Exit(1)
		}
		src = s
	} else {
		src = newCLISource(filepath.Join(*cache, "tesscli"))
	}
	fmt.Printf("layout source: %s\n", src.Name())
	truths, err := ocrtest.LoadTruths[truth](*corpus)
	if err != nil {
		fmt.Fprintln(os.Stderr, "extract:", err)
		os.Exit(1)
	}
	type stat struct{ printed, found, correct, hi, hiCorrect int }
	stats := map[string]*stat{}
	for _, f := range scored {
		stats[f] = &stat{}
	}
	var docs []docResult
	start := time.Now()
	for _, t := range truths {
		if *dump != "" && t.Name != *dump {
			continue
		}
		doc, err := src.Layout(ctx, filepath.Join(*corpus, t.File))
		if err != nil {
			fmt.Fprintf(os.Stderr, "extract: %s: %v\n", t.Name, err)
			os.Exit(1)
		}
		docs = append(docs, docResult{t: t, doc: doc})
		if *dump != "" {
			for _, l := range extract.DebugRows(doc) {
				fmt.Println(l)
			}
			b, _ := json.MarshalIndent(extract.Invoice(doc), "", "  ")
			fmt.Println(string(b))
			return
		}
		if t.Label != "invoice" {
			continue
		}
		res := extract.Invoice(doc)
		for _, f := range scored {
			want, has := t.Fields[f]
			if !has || !t.FieldsPrinted[f] {
				if got, ok := res.Fields[f]; ok && got.Confidence >= extract.SafeConfidence && has {
					// Printed in another form: still count a confident answer.
					s := stats[f]
					s.hi++
					if same(f, got.Value, want) {
						s.hiCorrect++
					} else if *verbose {
						fmt.Printf("  %s %-16s HI-WRONG(not printed) got %q (%.2f) want %q\n", t.Name, f, got.Value, got.Confidence, want)
					}
				}
				continue
			}
			s := stats[f]
			s.printed++
			got, ok := res.Fields[f]
			if ok {
				s.found++
			}
			good := ok && same(f, got.Value, want)
			if good {
				s.correct++
			}
			if ok && got.Confidence >= extract.SafeConfidence {
				s.hi++
				if good {
					s.hiCorrect++
				}
			}
			if *verbose && !good {
				tag := "WRONG"
				if ok && got.Confidence >= extract.SafeConfidence {
					tag = "HI-WRONG"
				}
				if !ok {
					tag = "MISSING"
				}
				fmt.Printf("  %s %-16s %-8s got %q (%.2f) want %q\n", t.Name, f, tag, got.Value, got.Confidence, want)
			}
		}
		if *verbose {
			fmt.Printf("  %s review=%v problems=%v\n", t.Name, res.Review, res.Problems)
		}
	}
	fmt.Printf("documents: %d (%d invoices), layout time %s\n\n", len(truths), countInvoices(truths), time.Since(start).Round(time.Second))
	fmt.Println("| field | printed | found | correct | accuracy | target | conf>=0.9 | correct of those |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	hi, hiOK := 0, 0
	for _, f := range scored {
		s := stats[f]
		acc := 0.0
		if s.printed > 0 {
			acc = float64(s.correct) / float64(s.printed)
		}
		tg := "—"
		if v, ok := targets[f]; ok {
			mark := "ok"
			if acc < v {
				mark = "MISSED"
			}
			tg = fmt.Sprintf("%.0f%% %s", v*100, mark)
		}
		fmt.Printf("| %s | %d | %d | %d | %.1f%% | %s | %d | %d |\n", f, s.printed, s.found, s.correct, acc*100, tg, s.hi, s.hiCorrect)
		hi += s.hi
		hiOK += s.hiCorrect
	}
	if hi > 0 {
		fmt.Printf("\nfields with confidence >= 0.9: %d, correct %d (%.1f%%, target 99%%)\n", hi, hiOK, 100*float64(hiOK)/float64(hi))
	}
	classification(ctx, docs, *folds)
}

type docResult struct {
	t   truth
	doc layout.Document
}

func countInvoices(ts []truth) int {
	n := 0
	for _, t := range ts {
		if t.Label == "invoice" {
			n++
		}
	}
	return n
}

// same compares after the corpus' normalisation rules.
func same(field, got, want string) bool {
	switch field {
	case extract.GrandTotal, extract.NetTotal, extract.TaxTotal, extract.DuePayable:
		a, ok1 := extract.CanonicalAmount(got)
		b, ok2 := extract.CanonicalAmount(want)
		return ok1 && ok2 && a == b
	case extract.PayeeIBAN:
		return extract.NormalizeIBAN(got) == extract.NormalizeIBAN(want)
	case extract.SellerVATID:
		return extract.NormalizeVATID(got) == extract.NormalizeVATID(want)
	case extract.SellerName:
		return strings.EqualFold(strings.Join(strings.Fields(got), " "), strings.Join(strings.Fields(want), " "))
	}
	return strings.Join(strings.Fields(got), " ") == strings.Join(strings.Fields(want), " ")
}
