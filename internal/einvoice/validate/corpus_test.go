package validate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/einvoice/einvoicetest"
	"github.com/eingang/eingang/internal/testenv"
)

// corpusCase is a line of the corpus manifest.
type corpusCase = einvoicetest.Case

func loadCorpus(t testing.TB) (string, []corpusCase) {
	t.Helper()
	dir := testenv.Corpus(t, "einvoice")
	cases, err := einvoicetest.LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, cases
}

// caseFamily is the family of the first scoped rule.
func caseFamily(c corpusCase) string {
	rs := append(append([]string{}, c.Rules...), c.RulesPass...)
	if len(rs) == 0 {
		rs = c.Scope
	}
	if len(rs) == 0 {
		return "BR"
	}
	return RuleFamily(rs[0])
}

// ruleFloors are the pass rates reached per family; the test fails if the
// implementation falls below them.
var ruleFloors = map[string]float64{
	"BR": 0.98, "BR-CO": 0.98, "BR-CL": 0.98, "BR-DEC": 0.98, "BR-DE": 0.98, "PEPPOL": 0.98, "VAT categories": 0.98, "syntax (UBL/CII)": 0.98,
}

// totalRuleFloor is the goal (≥ 98 % of rule cases right).
const totalRuleFloor = 0.98

func TestRuleCases(t *testing.T) {
	dir, cases := loadCorpus(t)
	type stat struct{ ok, n int }
	fam := map[string]*stat{}
	total := stat{}
	var failures []string
	for _, c := range cases {
		if len(c.Scope) == 0 {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, c.File))
		if err != nil {
			t.Fatal(err)
		}
		// The public path the evaluation command uses: parser, then every rule.
		doc, err := einvoice.Parse(context.Background(), data)
		if err != nil {
			t.Errorf("%s: %v", c.File, err)
			continue
		}
		rep := ValidateRules(doc)
		var problems []string
		for _, r := range c.Rules {
			if !rep.Has(r) {
				problems = append(problems, "missing "+r)
			}
		}
		for _, r := range c.RulesPass {
			if rep.Has(r) {
				problems = append(problems, "unexpected "+r)
			}
		}
		f := caseFamily(c)
		if fam[f] == nil {
			fam[f] = &stat{}
		}
		fam[f].n++
		total.n++
		if len(problems) == 0 {
			fam[f].ok++
			total.ok++
		} else {
			failures = append(failures, fmt.Sprintf("%s: %s", c.File, strings.Join(problems, ", ")))
		}
	}
	sort.Strings(failures)
	if testing.Verbose() || os.Getenv("EINVOICE_SHOW_FAILURES") != "" {
		for _, f := range failures {
			t.Log(f)
		}
	}
	names := make([]string, 0, len(fam))
	for k := range fam {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		s := fam[k]
		rate := float64(s.ok) / float64(s.n)
		t.Logf("family %-16s %4d/%4d = %5.1f%%", k, s.ok, s.n, 100*rate)
		if rate < ruleFloors[k] {
			t.Errorf("family %s: pass rate %.3f below floor %.3f", k, rate, ruleFloors[k])
		}
	}
	rate := float64(total.ok) / float64(total.n)
	t.Logf("rule cases total %d/%d = %.1f%%", total.ok, total.n, 100*rate)
	if rate < totalRuleFloor {
		t.Errorf("rule cases: pass rate %.3f below floor %.3f", rate, totalRuleFloor)
	}
}
