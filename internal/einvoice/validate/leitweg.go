package validate

import (
	"regexp"
	"strings"
)

var reLeitweg = regexp.MustCompile(`^[0-9]{2,12}(-[A-Za-z0-9]{1,30})?-[0-9]{2}$`)

// LeitwegIDValid reports whether s (surrounding whitespace ignored) has the
// Leitweg-ID format Grobadressierung[-Feinadressierung]-Prüfziffer and a
// correct ISO 7064 MOD 97-10 check digit (letters A=10 … Z=35).
func LeitwegIDValid(s string) bool {
	s = strings.TrimSpace(s)
	if !reLeitweg.MatchString(s) {
		return false
	}
	rem := 0
	for _, ch := range strings.ToUpper(strings.ReplaceAll(s, "-", "")) {
		switch {
		case ch >= '0' && ch <= '9':
			rem = (rem*10 + int(ch-'0')) % 97
		case ch >= 'A' && ch <= 'Z':
			rem = (rem*100 + int(ch-'A') + 10) % 97
		default:
			return false
		}
	}
	return rem == 1
}

// leitwegWarning reports a BT-10 that is not a valid Leitweg-ID. No KoSIT
// rule checks it (official test instances carry invalid ones), so it is a
// routing warning for a human and never rejects the invoice.
func (c *checker) leitwegWarning() {
	var bt10 *node
	switch c.syntax {
	case "ubl":
		bt10 = c.root.first("cbc:BuyerReference")
	case "cii":
		bt10 = c.root.first(ciiHA + "/ram:BuyerReference")
	}
	if bt10 == nil || strings.TrimSpace(bt10.value()) == "" {
		return
	}
	c.check(RuleLeitwegID, bt10, LeitwegIDValid(bt10.value()))
}
