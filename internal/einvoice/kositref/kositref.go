// Package kositref compares eingang's validation reports with what the
// official rule sets decide, as recorded in the corpus file
// reference-kosit.jsonl (KoSIT validator, XRechnung configuration, Saxon).
// It is used by the differential test and by bench/einvoice, so that both
// count an agreement the same way.
package kositref

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/einvoice/validate"
)

// Entry is one line of reference-kosit.jsonl.
type Entry struct {
	File string `json:"file"`
	// Scenario is the KoSIT scenario chosen, nil when none matched.
	Scenario *string `json:"scenario"`
	Accepted bool    `json:"accepted"`
	// Wellformed is false when the XML could not be parsed.
	Wellformed bool `json:"wellformed"`
	// SchemaValid is the XML Schema verdict; nil when no schema applied.
	SchemaValid      *bool   `json:"schema_valid"`
	FirstSchemaError *string `json:"first_schema_error"`
	// RulesRunWithoutScenario marks rules obtained by running the syntax's
	// Schematron on a document that selects no scenario.
	RulesRunWithoutScenario bool `json:"rules_run_without_scenario"`
	// Rules maps every rule id that fired to its level after the
	// scenario's overrides: "error", "warning" or "information".
	Rules map[string]string `json:"rules"`
}

// Report validates a corpus file the way its reference entry was produced:
// with the rules of the scenario the document selects, or with every rule
// family where the reference ran the syntax's Schematron without a
// scenario. It returns nil when the file is no readable e-invoice at all.
func Report(ctx context.Context, path string, e Entry) *validate.Report {
	doc, err := einvoice.ParseFile(ctx, path)
	if err != nil {
		return nil
	}
	if e.RulesRunWithoutScenario {
		return validate.ValidateRules(doc)
	}
	return validate.Validate(doc)
}

// Load reads a reference file.
func Load(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for n := 1; sc.Scan(); n++ {
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// ownRules are ids the validator emits itself; the reference has no
// counterpart for them (the KoSIT report expresses them as its verdict or as
// a schema error), so they are left out of the rule comparison.
var ownRules = map[string]bool{
	validate.RuleNoScenario:      true,
	validate.RuleNotWellFormed:   true,
	validate.RuleFileUnreadable:  true,
	validate.RuleSchemaNamespace: true,
	validate.RuleLeitwegID:       true,
	validate.RuleSchema:          true,
}

// Levels returns the rules of a report as the reference writes them: one
// level per rule id (the most severe where a rule fired several times),
// fatal written as "error".
func Levels(rep *validate.Report) map[string]string {
	out := map[string]string{}
	best := map[string]validate.Severity{}
	for _, f := range rep.Findings {
		if ownRules[f.Rule] {
			continue
		}
		if s, ok := best[f.Rule]; ok && s <= f.Severity {
			continue
		}
		best[f.Rule] = f.Severity
		out[f.Rule] = f.Severity.KoSITLevel()
	}
	return out
}

// Diff is how a report differs from its reference entry.
type Diff struct {
	File string
	// Want and Got are the accept recommendations.
	Want, Got bool
	// Missing are reference rules eingang did not report, Extra the reverse,
	// both with their level; Level holds rules reported by both with
	// different levels, as "reference→eingang".
	Missing, Extra, Level map[string]string
}

// Compare computes the difference between a report and the reference. A nil
// report stands for a document eingang could not read at all (rejected,
// no rules).
func Compare(e Entry, rep *validate.Report) Diff {
	d := Diff{File: e.File, Want: e.Accepted, Missing: map[string]string{}, Extra: map[string]string{}, Level: map[string]string{}}
	got := map[string]string{}
	if rep != nil {
		d.Got = rep.Accepted
		got = Levels(rep)
	}
	for r, l := range e.Rules {
		g, ok := got[r]
		switch {
		case !ok:
			d.Missing[r] = l
		case g != l:
			d.Level[r] = l + "→" + g
		}
	}
	for r, l := range got {
		if _, ok := e.Rules[r]; !ok {
			d.Extra[r] = l
		}
	}
	return d
}

// VerdictAgrees reports whether eingang's recommendation is the reference's.
func (d Diff) VerdictAgrees() bool { return d.Want == d.Got }

// RejectingAgree reports whether the rules at level error are the same on
// both sides: the rules a rejection would cite.
func (d Diff) RejectingAgree() bool {
	for _, l := range d.Missing {
		if l == "error" {
			return false
		}
	}
	for _, l := range d.Extra {
		if l == "error" {
			return false
		}
	}
	for _, l := range d.Level {
		if strings.HasPrefix(l, "error→") || strings.HasSuffix(l, "→error") {
			return false
		}
	}
	return true
}

// Agrees reports whether the rules and levels are equal. With a non-empty
// scope only those rule ids count (rule-level unit cases).
func (d Diff) Agrees(scope []string) bool {
	if len(scope) == 0 {
		return len(d.Missing)+len(d.Extra)+len(d.Level) == 0
	}
	for _, r := range scope {
		if _, ok := d.Missing[r]; ok {
			return false
		}
		if _, ok := d.Extra[r]; ok {
			return false
		}
		if _, ok := d.Level[r]; ok {
			return false
		}
	}
	return true
}

// InScope reports whether rule counts for a case with the given scope: every
// rule for whole documents (empty scope), only the scoped ones for
// rule-level unit cases.
func InScope(scope []string, rule string) bool {
	if len(scope) == 0 {
		return true
	}
	for _, s := range scope {
		if s == rule {
			return true
		}
	}
	return false
}

// Rules lists every rule id the diff mentions, sorted.
func (d Diff) Rules() []string {
	var out []string
	for _, m := range []map[string]string{d.Missing, d.Extra, d.Level} {
		for r := range m {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

// String describes the diff on one line.
func (d Diff) String() string {
	var b strings.Builder
	b.WriteString(d.File)
	if !d.VerdictAgrees() {
		fmt.Fprintf(&b, " verdict want accepted=%v got %v;", d.Want, d.Got)
	}
	for _, part := range []struct {
		name string
		m    map[string]string
	}{{"missing", d.Missing}, {"extra", d.Extra}, {"level", d.Level}} {
		if len(part.m) == 0 {
			continue
		}
		keys := make([]string, 0, len(part.m))
		for k := range part.m {
			keys = append(keys, k+"("+part.m[k]+")")
		}
		sort.Strings(keys)
		fmt.Fprintf(&b, " %s %s;", part.name, strings.Join(keys, " "))
	}
	return b.String()
}
