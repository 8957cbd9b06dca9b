package validate

import "strings"

// vatRulePrefixes are the prefixes of the VAT category rules: the CEN
// Schematron's (BR-AF and BR-AG for IGIC and IPSI, BR-IC for code K),
// the names EN 16931-1 uses for some of them (BR-IG, BR-IP, BR-K) and
// BR-B (split payment).
var vatRulePrefixes = []string{"BR-S-", "BR-Z-", "BR-E-", "BR-AE-", "BR-K-", "BR-IC-", "BR-G-", "BR-O-", "BR-IG-", "BR-IP-", "BR-AF-", "BR-AG-", "BR-B-"}

// RuleFamily groups a rule id into the family the evaluation figures are
// reported by: "BR-CO", "BR-CL", "BR-DEC", "BR-DE" (XRechnung, with
// BR-TMP), "PEPPOL", "syntax (UBL/CII)" (the CEN syntax bindings, UBL-*
// and CII-*), "VAT categories" (BR-S-*, BR-Z-*, … see vatRulePrefixes),
// and "BR" for everything else (the EN 16931 core rules and eingang's own
// ids). bench/einvoice and the corpus tests use it, so that both count
// per family alike.
func RuleFamily(rule string) string {
	switch {
	case strings.HasPrefix(rule, "BR-CO-"):
		return "BR-CO"
	case strings.HasPrefix(rule, "BR-CL-"):
		return "BR-CL"
	case strings.HasPrefix(rule, "BR-DEC-"):
		return "BR-DEC"
	case strings.HasPrefix(rule, "BR-DE"), strings.HasPrefix(rule, "BR-TMP"):
		return "BR-DE"
	case strings.HasPrefix(rule, "PEPPOL-"):
		return "PEPPOL"
	case strings.HasPrefix(rule, "UBL-"), strings.HasPrefix(rule, "CII-"):
		return "syntax (UBL/CII)"
	}
	for _, p := range vatRulePrefixes {
		if strings.HasPrefix(rule, p) {
			return "VAT categories"
		}
	}
	return "BR"
}
