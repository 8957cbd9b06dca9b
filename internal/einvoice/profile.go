package einvoice

import "strings"

// BT-24 values of XRechnung 3.0.x (see docs/einvoice.md §1.1).
const (
	CustomizationXRechnung30          = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
	CustomizationXRechnung30Extension = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_3.0"
	CustomizationXRechnung30CVD       = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0#compliant#urn:xeinkauf.de:kosit:xrechnung:cvd_0.9"
	CustomizationEN16931              = "urn:cen.eu:en16931:2017"
)

// ClassifyProfile maps a BT-24 specification identifier to a Profile. The
// XRechnung and EN 16931 identifiers must match exactly (as the KoSIT
// scenarios do); the others are recognised by their distinctive parts.
func ClassifyProfile(customizationID string) Profile {
	id := strings.TrimSpace(customizationID)
	switch id {
	case "":
		return ProfileUnknown
	case CustomizationXRechnung30:
		return ProfileXRechnung
	case CustomizationXRechnung30Extension:
		return ProfileXRechnungExtension
	case CustomizationXRechnung30CVD:
		return ProfileXRechnungCVD
	case CustomizationEN16931:
		return ProfileEN16931
	}
	l := strings.ToLower(id)
	switch {
	case strings.Contains(l, "xoev-de:kosit:standard:xrechnung"), strings.Contains(l, "xeinkauf.de:kosit:xrechnung"):
		return ProfileXRechnungOld
	case strings.Contains(l, "peppol.eu:2017:poacc:billing"):
		return ProfilePeppolBIS
	case strings.Contains(l, "urn:ferd:"):
		return ProfileZUGFeRD1
	case strings.HasSuffix(l, ":minimum"):
		return ProfileFacturXMinimum
	case strings.HasSuffix(l, ":basicwl"):
		return ProfileFacturXBasicWL
	case strings.HasSuffix(l, ":basic"):
		return ProfileFacturXBasic
	case strings.HasSuffix(l, ":extended"), strings.Contains(l, "extended-ctc-fr"):
		return ProfileFacturXExtended
	}
	return ProfileOther
}

// BookingAidOnly reports whether the profile is a Factur-X/ZUGFeRD MINIMUM or
// BASIC WL profile: their XML is a booking aid, not an invoice under § 14
// UStG; the legal invoice is the PDF (docs/einvoice.md §1.3).
func (p Profile) BookingAidOnly() bool {
	return p == ProfileFacturXMinimum || p == ProfileFacturXBasicWL
}
