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
	dir, cases := loadCorpus(t)
	checked, clean := 0, 0
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
			ch.ublCore()
			ch.ublCodes()
		case "rsm:CrossIndustryInvoice":
			ch.syntax = "cii"
			ch.ciiCore()
			ch.ciiCodes()
		default:
			continue
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
			t.Logf("%s (%s): %s", c.File, p, strings.Join(errs, " "))
		}
	}
	t.Logf("EN 16931 core rules clean on %d/%d valid documents without scenario", clean, checked)
	if checked > 0 && float64(clean)/float64(checked) < 0.9 {
		t.Errorf("too many core-rule errors on valid documents: %d/%d clean", clean, checked)
	}
}
