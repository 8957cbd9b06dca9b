package validate

import (
	"regexp"
	"strings"
)

// XRechnung CIUS rules (BR-DE-*, BR-TMP-*) and the Extension rules (BR-DEX-*),
// after the XRechnung Schematron 2.x (itplr-kosit/xrechnung-schematron).

var (
	reSkonto    = regexp.MustCompile(`(^|\r?\n)#(SKONTO)#TAGE=([0-9]+#PROZENT=[0-9]+\.[0-9]{2})(#BASISBETRAG=-?[0-9]+\.[0-9]{2})?#$`)
	reEmail     = regexp.MustCompile(`^[^@\s]+@([^@.\s]+\.)+[^@.\s]+$`)
	reTelephone = regexp.MustCompile(`.*([0-9].*){3,}.*`)
	reURL       = regexp.MustCompile(`^([a-zA-Z])([a-zA-Z0-9+.-])+:.*`)
	reNewline   = regexp.MustCompile(`\r?\n`)
	reHashSeg   = regexp.MustCompile(`#.+#`)
	reLeadNL    = regexp.MustCompile(`^\s*\n`)
	reIBANShape = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{0,30}$`)
)

// skontoOK implements BR-DE-18 for one payment terms text.
func skontoOK(text string) bool {
	parts := reHashSeg.Split(text, -1)
	last := parts[len(parts)-1]
	for _, line := range reNewline.Split(text, -1) {
		if !strings.HasPrefix(normSpace(line), "#") {
			continue
		}
		if !reSkonto.MatchString(normSpace(line)) || !reLeadNL.MatchString(last) {
			return false
		}
	}
	return true
}

// ibanOK implements the mod-97 test of BR-DE-19/20 (whitespace removed).
func ibanOK(s string) bool {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\n', '\r', '\t':
			return -1
		}
		return r
	}, s)
	if !reIBANShape.MatchString(s) {
		return false
	}
	rearranged := s[4:] + strings.ToUpper(s[:2]) + s[2:4]
	rem := 0
	for _, ch := range rearranged {
		var v int
		switch {
		case ch >= '0' && ch <= '9':
			v = int(ch - '0')
		case ch >= 'A' && ch <= 'Z':
			v = int(ch-'A') + 10
		case ch >= 'a' && ch <= 'z':
			// string-to-codepoints: lower-case letters map to cp-55 as well
			v = int(ch) - 55
		default:
			return false
		}
		if v >= 10 {
			rem = (rem*100 + v) % 97
		} else {
			rem = (rem*10 + v) % 97
		}
	}
	return rem == 1
}

var xrVATCodes = map[string]bool{"S": true, "Z": true, "E": true, "AE": true, "K": true, "G": true, "L": true, "M": true}

func (c *checker) isExtensionProfile() bool {
	var id string
	if c.syntax == "ubl" {
		id = c.root.str("cbc:CustomizationID")
	} else {
		id = c.root.str("rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID")
	}
	return id == idXRechnungExtension
}

func (c *checker) isCVDProfile() bool {
	var id string
	if c.syntax == "ubl" {
		id = c.root.str("cbc:CustomizationID")
	} else {
		id = c.root.str("rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID")
	}
	return id == idXRechnungCVD
}

func (c *checker) ublXRechnung() {
	r := c.root
	c.check("BR-DE-1", r, r.has("cac:PaymentMeans"))
	c.check("BR-DE-15", r, anyNonBlank(r.all("cbc:BuyerReference")))
	// BR-DE-16
	used := false
	for _, ac := range r.all("cac:AllowanceCharge") {
		ind := ac.str("cbc:ChargeIndicator")
		for _, tc := range ac.all("cac:TaxCategory") {
			if (ind == "false" || ind == "true") && xrVATCodes[tc.str("cbc:ID")] {
				used = true
			}
		}
	}
	for _, l := range ublLines(r) {
		for _, id := range l.all("cac:Item/cac:ClassifiedTaxCategory/cbc:ID") {
			if xrVATCodes[id.value()] {
				used = true
			}
		}
	}
	if used {
		c.check("BR-DE-16", r, r.has("cac:TaxRepresentativeParty") ||
			anyNonBlank(r.all("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID")))
	}
	c.check("BR-DE-17", r, xrTypeCode(r.str("cbc:InvoiceTypeCode")) || xrTypeCode(r.str("cbc:CreditNoteTypeCode")) ||
		anyTypeCode(r.all("cbc:InvoiceTypeCode")) || anyTypeCode(r.all("cbc:CreditNoteTypeCode")))
	for _, pt := range r.all("cac:PaymentTerms") {
		if n := pt.child("cbc:Note"); n != nil {
			c.check("BR-DE-18", r, skontoOK(n.value()))
		}
	}
	id := r.str("cbc:CustomizationID")
	// The CVD specification identifier is an XRechnung one too.
	c.check("BR-DE-21", r, id == idXRechnung || id == idXRechnungExtension || id == idXRechnungCVD)
	c.check("BR-DE-22", r, uniqueFilenames(r.all("cac:AdditionalDocumentReference"), "cac:Attachment/cbc:EmbeddedDocumentBinaryObject"))
	if r.str("cbc:InvoiceTypeCode") == "384" || r.str("cbc:CreditNoteTypeCode") == "384" || numIs(r.all("cbc:InvoiceTypeCode"), 384) || numIs(r.all("cbc:CreditNoteTypeCode"), 384) {
		c.check("BR-DE-26", r, r.has("cac:BillingReference/cac:InvoiceDocumentReference"))
	}
	if r.has("cac:PaymentMeans/cac:PaymentMandate") {
		sepa := false
		for _, id := range append(r.all("cac:AccountingSupplierParty/cac:Party/cac:PartyIdentification/cbc:ID"), r.all("cac:PayeeParty/cac:PartyIdentification/cbc:ID")...) {
			if v, ok := id.attr("schemeID"); ok && v == "SEPA" {
				sepa = true
			}
		}
		c.check("BR-DE-30", r, sepa)
		c.check("BR-DE-31", r, r.has("cac:PaymentMeans/cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID"))
	}
	for _, s := range r.all("cac:AccountingSupplierParty") {
		c.check("BR-DE-2", s, s.has("cac:Party/cac:Contact"))
	}
	for _, a := range r.all("cac:AccountingSupplierParty/cac:Party/cac:PostalAddress") {
		c.check("BR-DE-3", a, anyNonBlank(a.all("cbc:CityName")))
		c.check("BR-DE-4", a, anyNonBlank(a.all("cbc:PostalZone")))
	}
	for _, ct := range r.all("cac:AccountingSupplierParty/cac:Party/cac:Contact") {
		c.check("BR-DE-5", ct, anyNonBlank(ct.all("cbc:Name")))
		c.check("BR-DE-6", ct, anyNonBlank(ct.all("cbc:Telephone")))
		c.check("BR-DE-7", ct, anyNonBlank(ct.all("cbc:ElectronicMail")))
		c.check("BR-DE-27", ct, reTelephone.MatchString(ct.norm("cbc:Telephone")))
		c.check("BR-DE-28", ct, reEmail.MatchString(ct.norm("cbc:ElectronicMail")))
	}
	for _, a := range r.all("cac:AccountingCustomerParty/cac:Party/cac:PostalAddress") {
		c.check("BR-DE-8", a, anyNonBlank(a.all("cbc:CityName")))
		c.check("BR-DE-9", a, anyNonBlank(a.all("cbc:PostalZone")))
	}
	for _, a := range r.all("cac:Delivery/cac:DeliveryLocation/cac:Address") {
		c.check("BR-DE-10", a, anyNonBlank(a.all("cbc:CityName")))
		c.check("BR-DE-11", a, anyNonBlank(a.all("cbc:PostalZone")))
	}
	for _, pm := range r.all("cac:PaymentMeans") {
		codes := pm.all("cbc:PaymentMeansCode")
		switch {
		case numIs(codes, 30) || numIs(codes, 58):
			if strIs(codes, "58") {
				c.check("BR-DE-19", pm, ibanOK(normSpace(pm.str("cac:PayeeFinancialAccount/cbc:ID"))))
			}
			c.check("BR-DE-23-a", pm, pm.has("cac:PayeeFinancialAccount"))
			c.check("BR-DE-23-b", pm, !pm.has("cac:CardAccount") && !pm.has("cac:PaymentMandate"))
		case numIs(codes, 48) || numIs(codes, 54) || numIs(codes, 55):
			c.check("BR-DE-24-a", pm, pm.has("cac:CardAccount"))
			c.check("BR-DE-24-b", pm, !pm.has("cac:PayeeFinancialAccount") && !pm.has("cac:PaymentMandate"))
		case numIs(codes, 59):
			c.check("BR-DE-20", pm, ibanOK(normSpace(pm.str("cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID"))))
			c.check("BR-DE-25-a", pm, pm.has("cac:PaymentMandate"))
			c.check("BR-DE-25-b", pm, !pm.has("cac:PayeeFinancialAccount") && !pm.has("cac:CardAccount"))
		}
	}
	for _, st := range r.all("cac:TaxTotal/cac:TaxSubtotal") {
		c.check("BR-DE-14", st, anyNonBlank(st.all("cac:TaxCategory/cbc:Percent")))
	}
	// BR-DE-TMP-32: a delivery date, an invoicing period or a period on every line.
	// "every line has a period" is true of a document without lines, as
	// XPath's every-satisfies is over an empty sequence.
	lines := ublLines(r)
	everyLine := true
	for _, l := range lines {
		if !l.has("cac:InvoicePeriod") {
			everyLine = false
		}
	}
	c.check("BR-DE-TMP-32", r, r.has("cac:Delivery/cbc:ActualDeliveryDate") || r.has("cac:InvoicePeriod") || everyLine)
	for _, u := range r.all("cac:AdditionalDocumentReference/cac:Attachment/cac:ExternalReference/cbc:URI") {
		c.check("BR-TMP-2", u, reURL.MatchString(u.value()))
	}
	if c.isExtensionProfile() {
		c.ublExtension()
	}
	if c.isCVDProfile() {
		c.ublCVD()
	}
}

func anyNonBlank(ns []*node) bool {
	for _, n := range ns {
		if normSpace(n.value()) != "" {
			return true
		}
	}
	return false
}

var xrTypeCodes = map[string]bool{"326": true, "380": true, "384": true, "389": true, "381": true, "875": true, "876": true, "877": true}

func xrTypeCode(s string) bool { return xrTypeCodes[s] }

func anyTypeCode(ns []*node) bool {
	for _, n := range ns {
		if xrTypeCodes[n.value()] {
			return true
		}
	}
	return false
}

// numIs mirrors the untyped-to-number comparison "element = 30".
func numIs(ns []*node, v int64) bool {
	for _, n := range ns {
		if parseNum(n.value()).eq(intNum(v)) {
			return true
		}
	}
	return false
}

func strIs(ns []*node, v string) bool {
	for _, n := range ns {
		if n.value() == v {
			return true
		}
	}
	return false
}

// uniqueFilenames implements BR-DE-22: no @filename equals one of a
// preceding sibling's.
func uniqueFilenames(refs []*node, objPath string) bool {
	seen := map[string]bool{}
	for _, ref := range refs {
		var names []string
		for _, o := range ref.all(objPath) {
			if f, ok := o.attr("filename"); ok {
				names = append(names, f)
			}
		}
		for _, f := range names {
			if seen[f] {
				return false
			}
		}
		for _, f := range names {
			seen[f] = true
		}
	}
	return true
}

// Extension (BR-DEX) rules, UBL.
var dexMime = map[string]bool{
	"application/pdf": true, "image/png": true, "image/jpeg": true, "text/csv": true,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": true,
	"application/vnd.oasis.opendocument.spreadsheet":                    true,
	"application/xml": true,
}

func (c *checker) ublExtension() {
	r := c.root
	for _, o := range c.desc("cbc:EmbeddedDocumentBinaryObject") {
		m, _ := o.attr("mimeCode")
		c.check("BR-DEX-01", o, dexMime[m])
	}
	if r.name == "ubl:Invoice" {
		ok := true
		for _, l := range r.all("cac:InvoiceLine") {
			if subs := l.all("cac:SubInvoiceLine"); len(subs) > 0 {
				if !l.num("cbc:LineExtensionAmount").eq(sumNodes(subs, "cbc:LineExtensionAmount")) {
					ok = false
				}
			}
		}
		for _, s := range c.desc("cac:SubInvoiceLine") {
			if subs := s.all("cac:SubInvoiceLine"); len(subs) > 0 {
				if !s.num("cbc:LineExtensionAmount").eq(sumNodes(subs, "cbc:LineExtensionAmount")) {
					ok = false
				}
			}
		}
		c.check("BR-DEX-02", r, ok)
		ok3 := true
		for _, s := range c.desc("cac:SubInvoiceLine") {
			for _, it := range s.all("cac:Item") {
				if len(it.all("cac:ClassifiedTaxCategory")) != 1 {
					ok3 = false
				}
			}
		}
		c.check("BR-DEX-03", r, ok3)
	}
	for _, t := range r.all("cac:LegalMonetaryTotal") {
		pre, rnd, third := intNum(0), intNum(0), intNum(0)
		if t.has("cbc:PrepaidAmount") {
			pre = t.num("cbc:PrepaidAmount")
		}
		if t.has("cbc:PayableRoundingAmount") {
			rnd = t.num("cbc:PayableRoundingAmount")
		}
		if anyNonBlank(r.all("cac:PrepaidPayment/cbc:PaidAmount")) {
			third = sumNodes(r.all("cac:PrepaidPayment"), "cbc:PaidAmount")
		}
		c.check("BR-DEX-09", t, round2(t.num("cbc:PayableAmount").sub(rnd)).eq(round2(t.num("cbc:TaxInclusiveAmount").sub(pre).add(third))))
	}
	icd := func(n *node) bool {
		v, _ := n.attr("schemeID")
		v = normSpace(v)
		return !strings.Contains(v, " ") && v != "" && (icdCodes[v] || v == "XR01" || v == "XR02" || v == "XR03")
	}
	for _, id := range c.desc("cbc:ID") {
		if _, ok := id.attr("schemeID"); !ok || id.parent == nil {
			continue
		}
		switch id.parent.name {
		case "cac:PartyIdentification":
			v, _ := id.attr("schemeID")
			sepa := normSpace(v) == "SEPA" && (hasAncestor(id, "cac:AccountingSupplierParty") || hasAncestor(id, "cac:PayeeParty"))
			c.check("BR-DEX-04", id, icd(id) || sepa)
		case "cac:StandardItemIdentification":
			c.check("BR-DEX-06", id, icd(id))
		case "cac:DeliveryLocation":
			c.check("BR-DEX-08", id, icd(id))
		}
	}
	for _, id := range c.desc("cbc:CompanyID") {
		if _, ok := id.attr("schemeID"); ok && id.parent != nil && id.parent.name == "cac:PartyLegalEntity" {
			c.check("BR-DEX-05", id, icd(id))
		}
	}
	for _, e := range c.desc("cbc:EndpointID") {
		if v, ok := e.attr("schemeID"); ok {
			v = normSpace(v)
			c.check("BR-DEX-07", e, !strings.Contains(v, " ") && v != "" && (easCodes[v] || v == "XR01" || v == "XR02" || v == "XR03"))
		}
	}
	if r.name == "ubl:Invoice" {
		for _, pp := range r.all("cac:PrepaidPayment") {
			c.check("BR-DEX-10", pp, anyNonBlank(pp.all("cbc:ID")))
			c.check("BR-DEX-11", pp, anyNonBlank(pp.all("cbc:PaidAmount")))
			c.check("BR-DEX-12", pp, anyNonBlank(pp.all("cbc:InstructionID")))
			c.check("BR-DEX-13", pp, decimalsOK(pp.str("cbc:PaidAmount"), 2))
			cur, _ := pp.first("cbc:PaidAmount").attr("currencyID")
			c.check("BR-DEX-14", pp, pp.has("cbc:PaidAmount") && cur == r.str("cbc:DocumentCurrencyCode"))
		}
	}
}

func hasAncestor(n *node, name string) bool {
	for m := n.parent; m != nil; m = m.parent {
		if m.name == name {
			return true
		}
	}
	return false
}

// CII binding of the XRechnung rules.

const (
	ciiHA = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
	ciiHS = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
	ciiHD = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeDelivery"
	ciiLI = "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem"
)

func (c *checker) ciiXRechnung() {
	r := c.root
	bt89 := r.all(ciiHS + "/ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID")
	bt90 := r.all(ciiHS + "/ram:CreditorReferenceID")
	bt91 := r.all(ciiHS + "/ram:SpecifiedTradeSettlementPaymentMeans/ram:PayerPartyDebtorFinancialAccount/ram:IBANID")
	bg19None := len(bt89) == 0 && len(bt90) == 0 && len(bt91) == 0
	c.check("BR-DE-30", r, ((len(bt89) > 0 || len(bt91) > 0) && len(bt90) > 0) || bg19None)
	c.check("BR-DE-31", r, ((len(bt89) > 0 || len(bt90) > 0) && len(bt91) > 0) || bg19None)
	c.check("BR-DE-1", r, r.has(ciiHS+"/ram:SpecifiedTradeSettlementPaymentMeans"))
	c.check("BR-DE-15", r, anyNonBlank(r.all(ciiHA+"/ram:BuyerReference")))
	// BR-DE-16 (existential comparisons, as in the Schematron)
	lineTax := r.all(ciiLI + "/ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax")
	used := strIs(nodesAt(lineTax, "ram:TypeCode"), "VAT") && anyIn(nodesAt(lineTax, "ram:CategoryCode"), xrVATCodes)
	acTax := r.all(ciiHS + "/ram:SpecifiedTradeAllowanceCharge/ram:CategoryTradeTax")
	if strIs(acTax, "VAT") && anyIn(nodesAt(acTax, "ram:CategoryCode"), xrVATCodes) {
		used = true
	}
	if used {
		ok := r.has(ciiHA + "/ram:SellerTaxRepresentativeTradeParty")
		for _, id := range r.all(ciiHA + "/ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID") {
			if s, _ := id.attr("schemeID"); (s == "VA" || s == "FC") && normSpace(id.value()) != "" {
				ok = true
			}
		}
		c.check("BR-DE-16", r, ok)
	}
	c.check("BR-DE-17", r, anyTypeCode(r.all("rsm:ExchangedDocument/ram:TypeCode")))
	for _, pt := range r.all(ciiHS + "/ram:SpecifiedTradePaymentTerms") {
		if d := pt.child("ram:Description"); d != nil {
			c.check("BR-DE-18", r, skontoOK(d.value()))
		}
	}
	c.check("BR-DE-22", r, uniqueFilenamesAll(c.desc("ram:AdditionalReferencedDocument")))
	if numIs(r.all("rsm:ExchangedDocument/ram:TypeCode"), 384) {
		c.check("BR-DE-26", r, r.has(ciiHS+"/ram:InvoiceReferencedDocument"))
	}
	for _, ctx := range r.all("rsm:ExchangedDocumentContext") {
		id := ctx.all("ram:GuidelineSpecifiedDocumentContextParameter/ram:ID")
		c.check("BR-DE-21", ctx, strIs(id, idXRechnung) || strIs(id, idXRechnungExtension) || strIs(id, idXRechnungCVD))
	}
	for _, s := range r.all(ciiHA + "/ram:SellerTradeParty") {
		c.check("BR-DE-2", s, s.has("ram:DefinedTradeContact"))
	}
	for _, a := range r.all(ciiHA + "/ram:SellerTradeParty/ram:PostalTradeAddress") {
		c.check("BR-DE-3", a, anyNonBlank(a.all("ram:CityName")))
		c.check("BR-DE-4", a, anyNonBlank(a.all("ram:PostcodeCode")))
	}
	for _, ct := range r.all(ciiHA + "/ram:SellerTradeParty/ram:DefinedTradeContact") {
		c.check("BR-DE-5", ct, anyNonBlank(append(ct.all("ram:PersonName"), ct.all("ram:DepartmentName")...)))
		c.check("BR-DE-6", ct, anyNonBlank(ct.all("ram:TelephoneUniversalCommunication/ram:CompleteNumber")))
		c.check("BR-DE-7", ct, anyNonBlank(ct.all("ram:EmailURIUniversalCommunication/ram:URIID")))
		c.check("BR-DE-27", ct, reTelephone.MatchString(ct.norm("ram:TelephoneUniversalCommunication/ram:CompleteNumber")))
		c.check("BR-DE-28", ct, reEmail.MatchString(ct.norm("ram:EmailURIUniversalCommunication/ram:URIID")))
	}
	for _, a := range r.all(ciiHA + "/ram:BuyerTradeParty/ram:PostalTradeAddress") {
		c.check("BR-DE-8", a, anyNonBlank(a.all("ram:CityName")))
		c.check("BR-DE-9", a, anyNonBlank(a.all("ram:PostcodeCode")))
	}
	for _, a := range r.all(ciiHD + "/ram:ShipToTradeParty/ram:PostalTradeAddress") {
		c.check("BR-DE-10", a, anyNonBlank(a.all("ram:CityName")))
		c.check("BR-DE-11", a, anyNonBlank(a.all("ram:PostcodeCode")))
	}
	dd := len(bt89) > 0 || len(bt90) > 0
	for _, pm := range r.all(ciiHS + "/ram:SpecifiedTradeSettlementPaymentMeans") {
		codes := pm.all("ram:TypeCode")
		switch {
		case numIs(codes, 30) || numIs(codes, 58):
			if strIs(codes, "58") {
				c.check("BR-DE-19", pm, ibanOK(normSpace(pm.str("ram:PayeePartyCreditorFinancialAccount/ram:IBANID"))))
			}
			c.check("BR-DE-23-a", pm, pm.has("ram:PayeePartyCreditorFinancialAccount"))
			c.check("BR-DE-23-b", pm, !pm.has("ram:ApplicableTradeSettlementFinancialCard") && !(dd || pm.has("ram:PayerPartyDebtorFinancialAccount/ram:IBANID")))
		case numIs(codes, 48) || numIs(codes, 54) || numIs(codes, 55):
			c.check("BR-DE-24-a", pm, pm.has("ram:ApplicableTradeSettlementFinancialCard"))
			c.check("BR-DE-24-b", pm, !pm.has("ram:PayeePartyCreditorFinancialAccount") && !(dd || pm.has("ram:PayerPartyDebtorFinancialAccount/ram:IBANID")))
		case numIs(codes, 59):
			c.check("BR-DE-20", pm, ibanOK(normSpace(pm.str("ram:PayerPartyDebtorFinancialAccount/ram:IBANID"))))
			c.check("BR-DE-25-a", pm, dd || pm.has("ram:PayerPartyDebtorFinancialAccount/ram:IBANID"))
			// BT-86 (the payment service provider of a credit transfer) belongs
			// to BG-17 as well, whichever institution element carries it.
			c.check("BR-DE-25-b", pm, !pm.has("ram:PayeePartyCreditorFinancialAccount") && !pm.has("ram:ApplicableTradeSettlementFinancialCard") &&
				!pm.has("ram:PayeeSpecifiedCreditorFinancialInstitution") && !pm.has("ram:PayerSpecifiedDebtorFinancialInstitution"))
		}
	}
	for _, t := range r.all(ciiHS + "/ram:ApplicableTradeTax") {
		c.check("BR-DE-14", t, anyNonBlank(t.all("ram:RateApplicablePercent")))
	}
	lines := r.all(ciiLI)
	everyLine := true // XPath every over no lines
	for _, l := range lines {
		if !l.has("ram:SpecifiedLineTradeSettlement/ram:BillingSpecifiedPeriod") {
			everyLine = false
		}
	}
	c.check("BR-DE-TMP-32", r, r.has(ciiHD+"/ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime") ||
		r.has(ciiHS+"/ram:BillingSpecifiedPeriod") || everyLine)
	for _, u := range c.desc("ram:AdditionalReferencedDocument") {
		for _, uri := range u.all("ram:URIID") {
			c.check("BR-TMP-2", uri, reURL.MatchString(uri.value()))
		}
	}
	for _, la := range r.all(ciiLI + "/ram:SpecifiedLineTradeAgreement") {
		g := la.first("ram:GrossPriceProductTradePrice/ram:BasisQuantity")
		n := la.first("ram:NetPriceProductTradePrice/ram:BasisQuantity")
		if g != nil && n != nil {
			ok := parseNum(g.value()).eq(parseNum(n.value()))
			if ok {
				gu, _ := g.attr("unitCode")
				nu, _ := n.attr("unitCode")
				ok = gu == nu
			}
			c.check("BR-TMP-3", la, ok)
		}
	}
	if c.isExtensionProfile() {
		c.ciiExtension()
	}
	if c.isCVDProfile() {
		c.ciiCVD()
	}
}

func nodesAt(ns []*node, path string) []*node {
	var out []*node
	for _, n := range ns {
		out = append(out, n.all(path)...)
	}
	return out
}

func anyIn(ns []*node, set map[string]bool) bool {
	for _, n := range ns {
		if set[n.value()] {
			return true
		}
	}
	return false
}

// uniqueFilenamesAll is the CII form of BR-DE-22: preceding siblings only.
func uniqueFilenamesAll(refs []*node) bool {
	byParent := map[*node][]*node{}
	var order []*node
	for _, ref := range refs {
		if _, ok := byParent[ref.parent]; !ok {
			order = append(order, ref.parent)
		}
		byParent[ref.parent] = append(byParent[ref.parent], ref)
	}
	for _, p := range order {
		if !uniqueFilenames(byParent[p], "ram:AttachmentBinaryObject") {
			return false
		}
	}
	return true
}

func (c *checker) ciiExtension() {
	r := c.root
	if len(c.desc("ram:ParentLineID")) > 0 {
		for _, d := range r.all(ciiLI + "/ram:AssociatedDocumentLineDocument") {
			c.fail("BR-DEX-15", d)
		}
	}
	icd := func(n *node) bool {
		v, _ := n.attr("schemeID")
		v = normSpace(v)
		return !strings.Contains(v, " ") && v != "" && (icdCodes[v] || v == "XR01" || v == "XR02" || v == "XR03")
	}
	for _, g := range c.desc("ram:GlobalID") {
		if _, ok := g.attr("schemeID"); !ok {
			continue
		}
		switch {
		case g.parent != nil && g.parent.name == "ram:SpecifiedTradeProduct":
			c.check("BR-DEX-06", g, icd(g))
		case g.parent != nil && g.parent.name == "ram:ShipToTradeParty" && g.parent.parent != nil && g.parent.parent.name == "ram:ApplicableHeaderTradeDelivery":
			c.check("BR-DEX-08", g, icd(g))
		}
		if !hasAncestor(g, "ram:SpecifiedTradeProduct") && !hasAncestor(g, "ram:ShipToTradeParty") {
			c.check("BR-DEX-04", g, icd(g))
		}
	}
	for _, id := range c.desc("ram:ID") {
		if _, ok := id.attr("schemeID"); ok && !hasAncestor(id, "ram:SpecifiedTaxRegistration") {
			c.check("BR-DEX-05", id, icd(id))
		}
	}
	for _, u := range c.desc("ram:URIID") {
		if u.parent == nil || u.parent.name != "ram:URIUniversalCommunication" {
			continue
		}
		if v, ok := u.attr("schemeID"); ok {
			v = normSpace(v)
			c.check("BR-DEX-07", u, !strings.Contains(v, " ") && v != "" && (easCodes[v] || v == "XR01" || v == "XR02" || v == "XR03"))
		}
	}
	for _, o := range c.desc("ram:AttachmentBinaryObject") {
		m, _ := o.attr("mimeCode")
		c.check("BR-DEX-01", o, dexMime[m])
	}
}
