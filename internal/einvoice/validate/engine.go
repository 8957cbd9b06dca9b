package validate

import "strings"

// checker evaluates the rules of one document. Each rule method mirrors one
// Schematron rule: a context (the nodes it applies to) and an assertion that
// must hold for every context node; a failed assertion becomes a Finding.
type checker struct {
	root   *node
	index  map[string][]*node
	syntax string // "ubl" or "cii"
	scen   string
	out    []Finding
	seen   map[string]bool
	slack  num // tolerance of the Peppol arithmetic rules
}

func newChecker(root *node, index map[string][]*node, syntax, scen string) *checker {
	return &checker{root: root, index: index, syntax: syntax, scen: scen, seen: make(map[string]bool)}
}

// fail records a violated rule at n. Identical (rule, location) pairs are
// reported once.
func (c *checker) fail(rule string, n *node) {
	loc := n.path()
	key := rule + "\x00" + loc
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	info := ruleInfo(rule)
	sev := effectiveSeverity(rule, info.sev, c.scen, c.syntax)
	c.out = append(c.out, Finding{
		Rule:      rule,
		Severity:  sev,
		MessageDE: info.de,
		MessageEN: info.en,
		Location:  loc,
	})
}

// check records rule as failed at n unless ok.
func (c *checker) check(rule string, n *node, ok bool) {
	if !ok {
		c.fail(rule, n)
	}
}

// desc returns all elements with the given name anywhere in the document
// (XPath //name), in document order.
func (c *checker) desc(name string) []*node { return c.index[name] }

// effectiveSeverity applies the customLevel overrides of the KoSIT XRechnung
// configuration.
func effectiveSeverity(rule string, base Severity, scen, syntax string) Severity {
	// XRechnung reports the merged Peppol rules only as warnings in CII
	// during a transition period.
	if syntax == "cii" && strings.HasPrefix(rule, "PEPPOL-") {
		return SeverityWarning
	}
	if strings.HasPrefix(scen, "xrechnung") {
		switch rule {
		case "CII-SR-452", "CII-SR-453", "CII-SR-454", "CII-SR-465", "CII-SR-466":
			return SeverityError
		}
	}
	switch scen {
	case ScenarioXRechnungCIUS, ScenarioXRechnungCVD:
		switch rule {
		case "BR-CL-21", "BR-CL-23":
			return SeverityWarning
		case "UBL-CR-646":
			return SeverityError
		}
	case ScenarioXRechnungExtension:
		switch rule {
		case "BR-CL-10", "BR-CL-11", "BR-CL-13", "BR-CL-21", "BR-CL-24", "BR-CL-25", "BR-CL-26", "BR-CO-16", "UBL-CR-470", "UBL-CR-646":
			return SeverityInformation
		case "BR-CL-23":
			return SeverityWarning
		}
	}
	return base
}

// boolValue casts an element to xs:boolean as XPath does when comparing with
// true()/false(): "true"/"1" and "false"/"0" after whitespace collapsing.
func boolValue(n *node) (val, ok bool) {
	if n == nil {
		return false, false
	}
	switch strings.TrimSpace(n.value()) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

// isCharge reports whether an AllowanceCharge is a charge (true) or an
// allowance (false); ok is false when the indicator is missing or invalid.
func isCharge(ac *node) (charge, ok bool) {
	return boolValue(ac.child("cbc:ChargeIndicator"))
}
