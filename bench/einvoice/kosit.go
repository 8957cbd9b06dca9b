package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/eingang/eingang/internal/einvoice/kositref"
	"github.com/eingang/eingang/internal/einvoice/validate"
)

// kositAgreement compares eingang with what the official rule sets decided
// for every corpus file (reference-kosit.jsonl) and prints the agreement
// and the disagreements by rule family. Whole documents compare every rule
// with its level; rule-level cases (manifest scope) only their scoped rules.
func kositAgreement(ctx context.Context, w io.Writer, dir string, cases []corpusCase, verbose bool) error {
	refs, err := kositref.Load(filepath.Join(dir, "reference-kosit.jsonl"))
	if err != nil {
		if os.IsNotExist(err) {
			fmt.Fprintln(w, "no reference-kosit.jsonl: agreement with KoSIT not measured")
			return nil
		}
		return err
	}
	scopes := map[string][]string{}
	for _, c := range cases {
		scopes[c.File] = c.Scope
	}
	var verdict, rejecting, whole, scoped ratio
	type famStat struct{ missing, extra, level int }
	fams := map[string]*famStat{}
	var lines []string
	start := time.Now()
	for _, e := range refs {
		if err := ctx.Err(); err != nil {
			return err
		}
		d := kositref.Compare(e, kositref.Report(ctx, filepath.Join(dir, e.File), e))
		scope := scopes[e.File]
		verdict.add(d.VerdictAgrees())
		if len(scope) > 0 {
			scoped.add(d.Agrees(scope))
		} else {
			rejecting.add(d.RejectingAgree())
			whole.add(d.Agrees(nil))
		}
		counted := func(r string) bool { return kositref.InScope(scope, r) }
		bad := !d.VerdictAgrees()
		for _, part := range []struct {
			m   map[string]string
			inc func(*famStat)
		}{
			{d.Missing, func(f *famStat) { f.missing++ }},
			{d.Extra, func(f *famStat) { f.extra++ }},
			{d.Level, func(f *famStat) { f.level++ }},
		} {
			for r := range part.m {
				if !counted(r) {
					continue
				}
				bad = true
				f := validate.RuleFamily(r)
				if fams[f] == nil {
					fams[f] = &famStat{}
				}
				part.inc(fams[f])
			}
		}
		if bad {
			lines = append(lines, d.String())
		}
	}
	elapsed := time.Since(start)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Agreement with the official rule sets (reference-kosit.jsonl: KoSIT validator, XRechnung configuration 2026-01-31)")
	fmt.Fprintf(w, "%-58s %-18s %s\n", "measure", "eingang", "goal")
	row := func(name string, r ratio, goal string) { fmt.Fprintf(w, "%-58s %-18s %s\n", name, r, goal) }
	row("verdict equal (every file)", verdict, "100%")
	row("whole documents: rejecting rules equal", rejecting, ">= 99%")
	row("whole documents: every rule and level equal", whole, "")
	row("rule-level cases: scoped rules equal", scoped, ">= 99%")
	fmt.Fprintf(w, "(%d files in %s)\n", len(refs), elapsed.Round(time.Millisecond))
	if len(fams) > 0 {
		names := make([]string, 0, len(fams))
		for f := range fams {
			names = append(names, f)
		}
		sort.Strings(names)
		fmt.Fprintln(w, "Rules in disagreement by family (missing = the reference has it, eingang not; extra = the reverse; level = both, another level):")
		for _, f := range names {
			s := fams[f]
			fmt.Fprintf(w, "  %-8s missing %4d  extra %4d  level %4d\n", f, s.missing, s.extra, s.level)
		}
	}
	if verbose && len(lines) > 0 {
		sort.Strings(lines)
		fmt.Fprintln(w, "Disagreements with the reference:")
		fmt.Fprintln(w, " ", strings.Join(lines, "\n  "))
	}
	return nil
}
