package validate

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/einvoice"
)

// TestCENRulesOnValidDocumentsWithoutScenario runs the EN 16931 core rules on
// documents that are valid in their own standard but select no KoSIT
// scenario (Peppol BIS, Factur-X profiles ≥ BASIC, older XRechnung): the
// core rules must not report errors there either. This guards against false
// positives beyond the XRechnung test suite.
func TestCENRulesOnValidDocumentsWithoutScenario(t *testing.T) {
	checked, clean := 0, 0
	for _, d := range validDocumentsWithoutScenario(t) {
		ch, p := d.checker, d.profile
		if ch.syntax == "ubl" {
			ch.ublCore()
			ch.ublCodes()
		} else {
			ch.ciiCore()
			ch.ciiCodes()
		}
		checked++
		var errs []string
		for _, f := range ch.out {
			if f.Severity.Rejects() {
				errs = append(errs, f.Rule+"@"+f.Location)
			}
		}
		if len(errs) == 0 {
			clean++
		} else {
			t.Logf("%s (%s): %s", d.file, p, strings.Join(errs, " "))
		}
	}
	t.Logf("EN 16931 core rules clean on %d/%d valid documents without scenario", clean, checked)
	if checked > 0 && float64(clean)/float64(checked) < 0.9 {
		t.Errorf("too many core-rule errors on valid documents: %d/%d clean", clean, checked)
	}
}

// scenarioFreeDoc is a valid EN 16931-based corpus document that selects no
// KoSIT scenario, with a checker ready for its syntax.
type scenarioFreeDoc struct {
	file, profile string
	checker       *checker
}

// validDocumentsWithoutScenario loads the whole-document corpus cases that
// are valid in their own standard, build on EN 16931 (not EXTENDED, not
// XRechnung 1.x) and select no KoSIT scenario.
func validDocumentsWithoutScenario(t *testing.T) []scenarioFreeDoc {
	t.Helper()
	dir, cases := loadCorpus(t)
	var out []scenarioFreeDoc
	for _, c := range cases {
		if len(c.Scope) > 0 || c.Expect != "valid" || c.KositScenario != nil || c.Profile == nil {
			continue
		}
		p := *c.Profile
		if !strings.HasPrefix(p, "urn:cen.eu:en16931:2017") || strings.Contains(p, "extended") || strings.Contains(p, "xrechnung_1") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, c.File))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := einvoice.Parse(context.Background(), data)
		if err != nil || doc.Root == nil {
			continue
		}
		root, index := fromModel(doc.Root)
		ch := newChecker(root, index, "", ScenarioEN16931)
		switch root.name {
		case "ubl:Invoice", "cn:CreditNote":
			ch.syntax = "ubl"
		case "rsm:CrossIndustryInvoice":
			ch.syntax = "cii"
		default:
			continue
		}
		out = append(out, scenarioFreeDoc{file: c.File, profile: p, checker: ch})
	}
	return out
}
