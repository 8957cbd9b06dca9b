package validate

import (
	"strings"
	"testing"
)

// TestWarningsNeverReject: whatever rule and scenario, a finding whose
// effective level is warning or information leaves the document accepted,
// and one at error or fatal rejects it.
func TestWarningsNeverReject(t *testing.T) {
	scenarios := []string{ScenarioXRechnungCIUS, ScenarioXRechnungCVD, ScenarioXRechnungExtension, ScenarioEN16931}
	rules := make([]string, 0, len(ruleMetas()))
	for r := range ruleMetas() {
		rules = append(rules, r)
	}
	for s, over := range scenarioLevels {
		for r := range over {
			// The syntax binding's "should not be used" warnings are not
			// implemented (see unreportedWarning in kosit_test.go); their
			// overrides stay so the table is the configuration's.
			if _, ok := ruleMetas()[r]; !ok && !strings.HasPrefix(r, "UBL-CR-") {
				t.Errorf("scenario %s overrides %s, which is not in the rule table", s, r)
			}
		}
	}
	for _, scen := range scenarios {
		for _, rule := range rules {
			sev := effectiveSeverity(rule, ruleInfo(rule).sev, scen)
			rep := &Report{Scenario: scen, Findings: []Finding{{Rule: rule, Severity: sev}}}
			rep.finish()
			if want := !sev.Rejects(); rep.Accepted != want {
				t.Errorf("%s in %s at level %s: accepted=%v", rule, scen, sev, rep.Accepted)
			}
			if (sev == SeverityWarning || sev == SeverityInformation) && sev.Rejects() {
				t.Errorf("%s: level %s rejects", rule, sev)
			}
		}
	}
}

// TestPeppolRulesOutsideXRechnungAreNeverReported: the Peppol BIS rules
// that the XRechnung Schematron does not merge are dropped even when a
// check fires them.
func TestPeppolRulesOutsideXRechnungAreNeverReported(t *testing.T) {
	c := newChecker(&node{name: "ubl:Invoice"}, nil, "ubl", ScenarioXRechnungCIUS)
	for _, r := range []string{"PEPPOL-EN16931-R003", "PEPPOL-EN16931-R007", "PEPPOL-EN16931-F001"} {
		c.fail(r, c.root)
	}
	c.fail("PEPPOL-EN16931-R010", c.root)
	if len(c.out) != 1 || c.out[0].Rule != "PEPPOL-EN16931-R010" || c.out[0].Severity != SeverityFatal {
		t.Errorf("findings = %+v, want only R010 at fatal", c.out)
	}
}
