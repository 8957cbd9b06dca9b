package validate_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/einvoice/einvoicetest"
	"github.com/eingang/eingang/internal/einvoice/kositref"
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
	cases, err := einvoicetest.LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	scopes := map[string][]string{}
	for _, c := range cases {
		scopes[c.File] = c.Scope
	}
	out := make([]kositCase, 0, len(refs))
	for _, r := range refs {
		out = append(out, kositCase{ref: r, scope: scopes[r.File]})
	}
	return dir, out
}

// kositFileDeviations are the corpus files on which eingang knowingly
// decides otherwise than the reference, each with the reason. Every other
// difference fails TestKoSITAgreement.
var kositFileDeviations = map[string]string{
	// BT-112 is 314.86 where BT-109 + BT-110 = 314.86 + 22.04; the CEN CII
	// assertion of BR-CO-15 rejects that as written, yet the reference
	// accepts these four XML-Mutate cases of one instance. eingang follows
	// the rule's text; the reason for the reference's verdict is unknown.
	"files/xrechnung-schematron/test/instances/cii/cii-peppol-en16931-r008/pi01.xml": "BR-CO-15 violated, reference accepts",
	"files/xrechnung-schematron/test/instances/cii/cii-peppol-en16931-r008/pi08.xml": "BR-CO-15 violated, reference accepts",
	"files/xrechnung-schematron/test/instances/cii/cii-peppol-en16931-r010/pi01.xml": "BR-CO-15 violated, reference accepts",
	"files/xrechnung-schematron/test/instances/cii/cii-peppol-en16931-r020/pi01.xml": "BR-CO-15 violated, reference accepts",
	// The reference lists only CEN syntax warnings here and not one
	// XRechnung or Peppol rule, although the document has no payment
	// instructions (BR-DE-1) and no buyer reference (BR-DE-15): the
	// XRechnung Schematron evidently did not run to its end on it. Both
	// sides reject (no scenario).
	"files/zugferd-corpus/ZUGFeRDv2/correct/intarsys/EXTENDED/zugferd_2p0_EXTENDED_Rechnungskorrektur.pdf": "XRechnung rules absent from the reference",
}

// unreportedWarning reports whether a rule the reference has and eingang
// lacks is one of the CEN syntax binding's "should not be used" warnings
// (UBL-CR, UBL-DT, UBL-SR, CII-SR, CII-DT at level warning or
// information). eingang does not implement these ~1,100 rules: they never
// change the verdict and name no defect the Kämmerei could act on.
func unreportedWarning(rule, level string) bool {
	if level == "error" {
		return false
	}
	for _, p := range []string{"UBL-CR-", "UBL-DT-", "UBL-SR-", "CII-SR-", "CII-DT-"} {
		if strings.HasPrefix(rule, p) {
			return true
		}
	}
	return false
}

// unexplained returns the differences of d that no allow-list entry covers:
// the verdict, and the rules (only the scoped ones for rule-level cases).
func unexplained(d kositref.Diff, scope []string) []string {
	if _, ok := kositFileDeviations[d.File]; ok {
		return nil
	}
	var out []string
	if !d.VerdictAgrees() {
		out = append(out, fmt.Sprintf("verdict: reference accepted=%v, eingang %v", d.Want, d.Got))
	}
	in := func(r string) bool { return kositref.InScope(scope, r) }
	for r, l := range d.Missing {
		if in(r) && !unreportedWarning(r, l) {
			out = append(out, "missing "+r+" ("+l+")")
		}
	}
	for r, l := range d.Extra {
		if in(r) {
			out = append(out, "extra "+r+" ("+l+")")
		}
	}
	for r, l := range d.Level {
		if in(r) {
			out = append(out, "level "+r+" ("+l+")")
		}
	}
	sort.Strings(out)
	return out
}

// TestKoSITAgreement is the differential test of issue 15: every corpus
// file is validated as the reference was produced, and every difference
// from what the official rule sets decided fails the test unless the
// allow-list above explains it. Figures by rule family are logged; run
// with -v, or bench/einvoice, to see them.
func TestKoSITAgreement(t *testing.T) {
	dir, cases := loadKoSIT(t)
	type tally struct{ ok, n int }
	var verdict, rejecting, whole, scoped tally
	fam := map[string]map[string]int{}
	var lines []string
	for _, c := range cases {
		rep := kositref.Report(context.Background(), filepath.Join(dir, c.ref.File), c.ref)
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
			} else {
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
		if u := unexplained(d, c.scope); len(u) > 0 {
			t.Errorf("%s: %s", c.ref.File, strings.Join(u, "; "))
		}
	}
	sort.Strings(lines)
	if testing.Verbose() {
		for _, l := range lines {
			t.Log(l)
		}
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
