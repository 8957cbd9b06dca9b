package validate

import (
	"strings"
	"testing"
)

// TestEveryFiredRuleHasMessages makes sure no rule the engine can emit
// falls back to the generic text (which has no German explanation).
func TestEveryFiredRuleHasMessages(t *testing.T) {
	dir, cases := loadCorpus(t)
	_ = dir
	seen := map[string]bool{}
	for _, c := range cases {
		for _, r := range append(c.Rules, c.RulesPass...) {
			seen[r] = true
		}
	}
	for r := range seen {
		m := ruleInfo(r)
		if strings.HasPrefix(m.en, "Rule ") || m.de == "" || m.en == "" {
			t.Errorf("%s: no specific message", r)
		}
	}
}
