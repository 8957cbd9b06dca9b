package main

import (
	"context"
	"fmt"
	"sort"

	"github.com/eingang/eingang/internal/classify"
)

// classification reports invoice-versus-other accuracy for the built-in
// keywords alone, the learned model under k-fold and leave-one-out
// cross-validation, and the full classifier (model + keywords) under
// k-fold cross-validation, with confusion matrices.
func classification(ctx context.Context, docs []docResult, folds int) {
	if len(docs) < 4 {
		return
	}
	label := func(kind string) string {
		if classify.IsInvoice(kind) {
			return "invoice"
		}
		return "other"
	}
	var ex []classify.Example
	for _, d := range docs {
		k := classify.KindSonstiges
		if d.t.Label == "invoice" {
			k = classify.KindRechnung
		}
		ex = append(ex, classify.Example{Text: d.doc.Text(), Kind: k})
	}

	fmt.Println("\n## Classification (invoice vs other)")
	kw := make([]string, len(docs))
	for i, d := range docs {
		k, _ := classify.Keywords(d.doc.Text())
		kw[i] = label(k)
	}
	report("built-in keywords only (no training)", docs, kw, nil)

	for _, k := range []int{folds, len(ex)} {
		pred, prob, err := classify.CrossValidate(ex, k, classify.TrainOptions{})
		if err != nil {
			fmt.Println("cross-validation:", err)
			return
		}
		hi, hiOK := 0, 0
		for i := range pred {
			if prob[i] >= 0.9 {
				hi++
				if pred[i] == ex[i].Kind {
					hiOK++
				}
			}
			pred[i] = label(pred[i])
		}
		name := fmt.Sprintf("learned model alone, %d-fold cross-validation", k)
		if k == len(ex) {
			name = "learned model alone, leave-one-out"
		}
		report(name, docs, pred, nil)
		fmt.Printf("calibration: %d predictions with probability >= 0.9, %d of them right\n", hi, hiOK)
	}

	// Full classifier: model trained without the fold + keywords + review.
	pred := make([]string, len(docs))
	review := make([]bool, len(docs))
	kinds := map[string]map[string]int{}
	fold := classify.Folds(ex, folds)
	for f := 0; f < folds; f++ {
		var train []classify.Example
		for i, e := range ex {
			if fold[i] != f {
				train = append(train, e)
			}
		}
		m, err := classify.Train(train, classify.TrainOptions{})
		if err != nil {
			fmt.Println("train:", err)
			return
		}
		cfg := classify.Defaults()
		cfg.Routes["kaemmerei"] = classify.Route{Office: "Kämmerei", Workflow: "Rechnungsworkflow"}
		cfg.Routes["post"] = classify.Route{Office: "Zentrale Poststelle"}
		cfg.KindRoutes = map[string]string{classify.KindRechnung: "kaemmerei", classify.KindGutschrift: "kaemmerei", classify.KindSonstiges: "post"}
		cl, err := classify.New(cfg, m)
		if err != nil {
			fmt.Println("classifier:", err)
			return
		}
		for i, d := range docs {
			if fold[i] != f {
				continue
			}
			r := cl.Classify(ctx, classify.Input{Text: d.doc.Text(), Layout: &d.doc})
			pred[i] = label(r.Kind)
			review[i] = r.Review
			if kinds[d.t.Label] == nil {
				kinds[d.t.Label] = map[string]int{}
			}
			kinds[d.t.Label][r.Kind]++
		}
	}
	report(fmt.Sprintf("classifier (rules none, model + keywords, threshold %.2f), %d-fold", classify.Defaults().Threshold, folds), docs, pred, review)
	fmt.Println("\nkinds assigned (truth label → kind: count):")
	var labels []string
	for l := range kinds {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	for _, l := range labels {
		fmt.Printf("  %s:", l)
		var ks []string
		for k := range kinds[l] {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			fmt.Printf(" %s %d", k, kinds[l][k])
		}
		fmt.Println()
	}
}

func report(name string, docs []docResult, pred []string, review []bool) {
	m := map[[2]string]int{}
	ok := 0
	rev := 0
	var wrong []string
	for i, d := range docs {
		m[[2]string{d.t.Label, pred[i]}]++
		if pred[i] == d.t.Label {
			ok++
		} else {
			wrong = append(wrong, d.t.Name)
		}
		if review != nil && review[i] {
			rev++
		}
	}
	fmt.Printf("\n### %s\naccuracy %d/%d = %.1f%% (target 98%%)", name, ok, len(docs), 100*float64(ok)/float64(len(docs)))
	if review != nil {
		fmt.Printf(", sent to review %d", rev)
	}
	fmt.Println()
	fmt.Println("| truth \\ predicted | invoice | other |")
	fmt.Println("|---|---|---|")
	for _, t := range []string{"invoice", "other"} {
		fmt.Printf("| %s | %d | %d |\n", t, m[[2]string{t, "invoice"}], m[[2]string{t, "other"}])
	}
	if len(wrong) > 0 {
		fmt.Println("misclassified:", wrong)
	}
}
