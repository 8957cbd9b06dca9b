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
	if !c.inRuleSet(rule) {
		return
	}
	info := ruleInfo(rule)
	sev := effectiveSeverity(rule, info.sev, c.scen)
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

// effectiveSeverity is the level a finding of rule gets in scenario scen:
// the scenario's customLevel override where the KoSIT configuration has
// one, the Schematron flag otherwise.
func effectiveSeverity(rule string, base Severity, scen string) Severity {
	if l, ok := scenarioLevels[scen][rule]; ok {
		return l
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
