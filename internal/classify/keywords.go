package classify

import (
	"regexp"
)

var (
	kwInvoiceTitle = regexp.MustCompile(`(?i)\b(?:rechnungs?\s?-?\s?(?:nummer|nr)|(?:handels|schluss|teil|abschlags|korrektur|storno)?rechnung(?:skorrektur)?\s*(?:\(\d{3}\)\s*)?(?:nr|no|n°|nummer|#)|invoice\s*(?:number|no|#)|facture\s*(?:n°|no|num)|n°\s*de\s*facture|rechnung\s+des\s+versicherers|beleg-?nr)`)
	kwCreditTitle  = regexp.MustCompile(`(?i)\bgutschrift(?:s?\s?-?\s?(?:nummer|nr))?\b|\bavoir\b|credit\s*note`)
	kwWeakTitle    = regexp.MustCompile(`(?im)^\s*(?:\w*rechnung|rechnungskorrektur|gutschrift|avoir|facture|invoice|credit\s*note)\b`)
	kwTotals       = regexp.MustCompile(`(?i)total\s*tax(?:es)?|total\s*tva|brutto|gesamtbetrag|rechnungsbetrag|rechnungssumme|zahlbetrag|total\s*ttc|total\s*ht|grand\s*total|amount\s*due|net\s*[àa]\s*payer|endbetrag`)
	kwTax          = regexp.MustCompile(`(?i)u\s?st\.?\s?-?\s?id|steuernummer|umsatzsteuer|mwst|\bvat\b|\btva\b`)
	kwIBAN         = regexp.MustCompile(`(?i)\biban\b`)
	kwAmount       = regexp.MustCompile(`\d,\d\d\b|\d\.\d\d\b`)
	kwOrder        = regexp.MustCompile(`(?i)\bbestellung\s*(?:nr|nummer)|purchase\s*order\b|bon\s*de\s*commande\b|auftragsbestätigung|order-x`)
	kwMahnung      = regexp.MustCompile(`(?i)\b\d?\.?\s*mahnung\b|zahlungserinnerung|mahngebühr|letzte\s+aufforderung`)
	kwBescheid     = regexp.MustCompile(`(?i)\bbescheid\b|rechtsbehelfsbelehrung|wird\s+festgesetzt|festsetzung`)
	kwAntrag       = regexp.MustCompile(`(?i)antrag\s+(?:auf|zur|für)|\bbeantrage\b|antragsteller`)
	kwWiderspruch  = regexp.MustCompile(`(?i)\bwiderspruch\b.*\b(?:ein|gegen)\b|\blege\b.*\bwiderspruch\b`)
)

// Keywords judges the kind of a document from built-in German, English and
// French wording without a trained model. It needs several independent
// signs before it calls a document an invoice: a titled invoice number,
// totals, tax vocabulary and amounts; manuals that talk about invoices have
// the words but not the structure.
func Keywords(text string) (kind string, confidence float64) {
	head := text
	if len(head) > 3000 {
		head = head[:3000]
	}
	amounts := len(kwAmount.FindAllStringIndex(text, 200))
	score := 0.0
	if kwInvoiceTitle.MatchString(head) {
		score += 2
	} else if kwWeakTitle.MatchString(head) {
		score++
	}
	if kwTotals.MatchString(text) {
		score++
	}
	if kwTax.MatchString(text) {
		score += 0.5
	}
	if kwIBAN.MatchString(text) {
		score += 0.5
	}
	if amounts >= 3 {
		score++
	}
	credit := kwCreditTitle.MatchString(head)
	switch {
	case kwWiderspruch.MatchString(head) && score < 3:
		return KindWiderspruch, 0.85
	case kwMahnung.MatchString(head):
		return KindMahnung, 0.9
	case kwBescheid.MatchString(head) && score < 3.5:
		return KindBescheid, 0.85
	case kwAntrag.MatchString(head) && score < 3:
		return KindAntrag, 0.8
	}
	if credit && score >= 2.5 && amounts >= 3 {
		return KindGutschrift, 0.9
	}
	if kwOrder.MatchString(head) && !kwInvoiceTitle.MatchString(head) {
		return KindSonstiges, 0.85
	}
	switch {
	case score >= 4:
		return KindRechnung, 0.95
	case score >= 3:
		return KindRechnung, 0.75
	case score >= 2:
		return KindSonstiges, 0.6
	}
	return KindSonstiges, 0.9
}
