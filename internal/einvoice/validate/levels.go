package validate

import "strings"

// The rule levels beyond the Schematron flags, from the KoSIT XRechnung
// validator configuration release 2026-01-31 (XRechnung 3.0.2, CEN
// validation artefacts 1.3.15, XRechnung Schematron 2.5.0). When KoSIT
// publishes a new configuration, update these two tables from its
// scenarios.xml (customLevel elements per scenario) and from the XRechnung
// Schematron's src/xsl/rule-list.xml (the Peppol rules merged into
// XRechnung), then run TestKoSITAgreement against a reference produced with
// the new configuration: it fails on every level that differs.

const (
	errorLevel  = SeverityError
	warning     = SeverityWarning
	information = SeverityInformation
)

// scenarioLevels are the customLevel overrides of each scenario's report.
// The EN 16931 scenarios have none. CII-SR-452 and -454 (one payment terms
// block, one due date) were raised to error in the configuration release
// 2024-06-20 and stay so.
var scenarioLevels = map[string]map[string]Severity{
	ScenarioXRechnungCIUS: {
		"BR-CL-21":   warning,
		"BR-CL-23":   warning,
		"CII-SR-452": errorLevel,
		"CII-SR-454": errorLevel,
	},
	// The CVD (Corona-Warn-/Vertragsdatenbank) scenario is the CIUS one
	// with the ISO 6523 ICD check on the seller identifier lowered.
	ScenarioXRechnungCVD: {
		"BR-CL-13":   information,
		"BR-CL-21":   warning,
		"BR-CL-23":   warning,
		"CII-SR-452": errorLevel,
		"CII-SR-454": errorLevel,
	},
	// The extension allows code values (DIGA ICD codes, sub-invoice lines)
	// the CEN code lists do not know; BR-DEX-04..08 check them instead.
	ScenarioXRechnungExtension: {
		"BR-CL-10":   information,
		"BR-CL-11":   information,
		"BR-CL-21":   information,
		"BR-CL-23":   warning,
		"BR-CL-24":   information,
		"BR-CL-25":   information,
		"BR-CL-26":   information,
		"BR-CO-16":   information,
		"CII-SR-452": errorLevel,
		"CII-SR-454": errorLevel,
		"UBL-CR-470": information,
		"UBL-CR-646": information,
	},
}

// xrechnungPeppolRules is the whitelist of PEPPOL-EN16931 rules that the
// XRechnung Schematron merges into its own rules; they keep their Peppol
// flag (fatal) in UBL and CII alike since XRechnung 2.2.0. The other
// Peppol BIS rules (R002–R004, R006, R007, R051, R080, R100, P0100, P0101,
// F001) are not part of XRechnung and are never reported.
var xrechnungPeppolRules = set(`PEPPOL-EN16931-R001 PEPPOL-EN16931-R005 PEPPOL-EN16931-R008
	PEPPOL-EN16931-R010 PEPPOL-EN16931-R020 PEPPOL-EN16931-R040 PEPPOL-EN16931-R041
	PEPPOL-EN16931-R042 PEPPOL-EN16931-R043 PEPPOL-EN16931-R044 PEPPOL-EN16931-R046
	PEPPOL-EN16931-R053 PEPPOL-EN16931-R054 PEPPOL-EN16931-R055 PEPPOL-EN16931-R061
	PEPPOL-EN16931-R101 PEPPOL-EN16931-R110 PEPPOL-EN16931-R111 PEPPOL-EN16931-R120
	PEPPOL-EN16931-R121 PEPPOL-EN16931-R130`)

// inRuleSet reports whether rule belongs to a rule set the KoSIT
// configuration runs.
func (c *checker) inRuleSet(rule string) bool {
	if strings.HasPrefix(rule, "PEPPOL-") {
		return xrechnungPeppolRules[rule]
	}
	return true
}
