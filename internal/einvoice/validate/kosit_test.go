package validate_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/einvoice"
	"github.com/eingang/eingang/internal/einvoice/kositref"
	"github.com/eingang/eingang/internal/einvoice/validate"
	"github.com/eingang/eingang/internal/testenv"
)

// kositCase joins a reference entry with the manifest's scope.
type kositCase struct {
	ref   kositref.Entry
	scope []string
}

func loadKoSIT(t *testing.T) (string, []kositCase) {
	t.Helper()
	dir := testenv.Corpus(t, "einvoice")
	refs, err := kositref.Load(filepath.Join(dir, "reference-kosit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	scopes := map[string][]string{}
	f, err := os.Open(filepath.Join(dir, "manifest.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var m struct {
			File  string   `json:"file"`
			Scope []string `json:"scope"`
		}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		scopes[m.File] = m.Scope
	}
	out := make([]kositCase, 0, len(refs))
	for _, r := range refs {
		out = append(out, kositCase{ref: r, scope: scopes[r.File]})
	}
	return dir, out
}

// reportFor validates a corpus file the way the reference was produced:
// the scenario's rules, or every rule family where the reference ran the
// Schematron without a scenario.
func reportFor(t *testing.T, path string, all bool) *validate.Report {
	t.Helper()
	doc, err := einvoice.ParseFile(context.Background(), path)
	if err != nil {
		return nil
	}
	if all {
		return validate.ValidateRules(doc)
	}
	return validate.Validate(doc)
}

func TestKoSITAgreement(t *testing.T) {
	dir, cases := loadKoSIT(t)
	type tally struct{ ok, n int }
	var verdict, rejecting, whole, scoped tally
	fam := map[string]map[string]int{}
	var lines []string
	for _, c := range cases {
		rep := reportFor(t, filepath.Join(dir, c.ref.File), c.ref.RulesRunWithoutScenario)
		d := kositref.Compare(c.ref, rep)
		bad := false
		verdict.n++
		if d.VerdictAgrees() {
			verdict.ok++
		} else {
			bad = true
		}
		if len(c.scope) > 0 {
			scoped.n++
			if d.Agrees(c.scope) {
				scoped.ok++
			} else {
				bad = true
			}
		} else {
			rejecting.n++
			whole.n++
			if d.RejectingAgree() {
				rejecting.ok++
			} else {
				bad = true
			}
			if d.Agrees(nil) {
				whole.ok++
			} else if os.Getenv("KOSIT_ALL") != "" {
				bad = true
			}
		}
		for _, r := range d.Rules() {
			f := strings.Join(strings.SplitN(r, "-", 3)[:2], "-")
			if fam[f] == nil {
				fam[f] = map[string]int{}
			}
			kind := "level"
			if _, ok := d.Missing[r]; ok {
				kind = "missing"
			} else if _, ok := d.Extra[r]; ok {
				kind = "extra"
			}
			fam[f][kind]++
		}
		if bad {
			lines = append(lines, d.String())
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		t.Log(l)
	}
	var fs []string
	for f := range fam {
		fs = append(fs, f)
	}
	sort.Strings(fs)
	for _, f := range fs {
		t.Logf("family %-16s %v", f, fam[f])
	}
	t.Log(fmt.Sprintf("verdict %d/%d, rejecting rules %d/%d, all rules %d/%d, scoped %d/%d",
		verdict.ok, verdict.n, rejecting.ok, rejecting.n, whole.ok, whole.n, scoped.ok, scoped.n))
}
