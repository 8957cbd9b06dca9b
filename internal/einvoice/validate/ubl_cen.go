package validate

import "strings"

// UBL binding of the EN 16931 core rules (CEN Schematron EN16931-UBL-model).

func isVATScheme(n *node) bool {
	return strings.ToUpper(n.norm("cac:TaxScheme/cbc:ID")) == "VAT"
}

// ublLines returns the invoice or credit note lines directly under the root.
func ublLines(r *node) []*node {
	ls := r.all("cac:InvoiceLine")
	return append(ls, r.all("cac:CreditNoteLine")...)
}

// docAC returns the document-level allowances (charge=false) or charges.
func docAC(r *node, charge bool) []*node {
	var out []*node
	for _, ac := range r.all("cac:AllowanceCharge") {
		if v, ok := isCharge(ac); ok && v == charge {
			out = append(out, ac)
		}
	}
	return out
}

func childAC(n *node, charge bool) []*node { return docAC(n, charge) }

func (c *checker) ublCore() {
	r := c.root
	// Invoice-level mandatory elements.
	c.check("BR-01", r, r.norm("cbc:CustomizationID") != "")
	c.check("BR-02", r, r.norm("cbc:ID") != "")
	c.check("BR-03", r, r.norm("cbc:IssueDate") != "")
	c.check("BR-04", r, r.norm("cbc:InvoiceTypeCode") != "" || r.norm("cbc:CreditNoteTypeCode") != "")
	c.check("BR-05", r, r.norm("cbc:DocumentCurrencyCode") != "")
	c.check("BR-06", r, r.norm("cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName") != "")
	c.check("BR-07", r, r.norm("cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName") != "")
	c.check("BR-08", r, r.has("cac:AccountingSupplierParty/cac:Party/cac:PostalAddress"))
	c.check("BR-10", r, r.has("cac:AccountingCustomerParty/cac:Party/cac:PostalAddress"))
	c.check("BR-16", r, r.has("cac:InvoiceLine") || r.has("cac:CreditNoteLine"))
	for _, tc := range r.all("cbc:TaxCurrencyCode") {
		found := false
		for _, ta := range c.desc("cbc:TaxAmount") {
			if ta.parent != nil && ta.parent.name == "cac:TaxTotal" {
				if v, ok := ta.attr("currencyID"); ok && v == tc.value() {
					found = true
				}
			}
		}
		c.check("BR-53", r, found)
	}
	c.check("BR-66", r, len(r.all("cac:PaymentMeans/cac:CardAccount")) <= 1)
	c.check("BR-67", r, len(r.all("cac:PaymentMeans/cac:PaymentMandate")) <= 1)
	tpd := r.has("cbc:TaxPointDate")
	dc := r.has("cac:InvoicePeriod/cbc:DescriptionCode")
	c.check("BR-CO-03", r, !(tpd && dc))
	c.check("BR-CO-18", r, r.has("cac:TaxTotal/cac:TaxSubtotal"))

	c.vatCategoryRules(c.ublVATView())

	// Seller.
	for _, s := range r.all("cac:AccountingSupplierParty") {
		c.check("BR-CO-26", s, s.has("cac:Party/cac:PartyTaxScheme") && hasVATCompanyID(s.first("cac:Party")) ||
			s.has("cac:Party/cac:PartyIdentification/cbc:ID") || s.has("cac:Party/cac:PartyLegalEntity/cbc:CompanyID"))
	}
	for _, e := range r.all("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID") {
		_, ok := e.attr("schemeID")
		c.check("BR-62", e, ok)
	}
	for _, e := range r.all("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID") {
		_, ok := e.attr("schemeID")
		c.check("BR-63", e, ok)
	}
	for _, a := range r.all("cac:AccountingSupplierParty/cac:Party/cac:PostalAddress") {
		c.check("BR-09", a, a.norm("cac:Country/cbc:IdentificationCode") != "")
	}
	for _, a := range r.all("cac:AccountingCustomerParty/cac:Party/cac:PostalAddress") {
		c.check("BR-11", a, a.norm("cac:Country/cbc:IdentificationCode") != "")
	}
	// Payee.
	for _, p := range r.all("cac:PayeeParty") {
		seller := r.first("cac:AccountingSupplierParty/cac:Party")
		ok := p.has("cac:PartyName/cbc:Name") &&
			!anyEqual(p.all("cac:PartyName/cbc:Name"), seller.all("cac:PartyName/cbc:Name")) &&
			!anyEqual(p.all("cac:PartyIdentification/cbc:ID"), seller.all("cac:PartyIdentification/cbc:ID"))
		c.check("BR-17", p, ok)
	}
	// Tax representative.
	for _, t := range r.all("cac:TaxRepresentativeParty") {
		c.check("BR-18", t, t.norm("cac:PartyName/cbc:Name") != "")
		c.check("BR-19", t, t.has("cac:PostalAddress"))
		ok := false
		for _, pts := range t.all("cac:PartyTaxScheme") {
			if isVATScheme(pts) && pts.has("cbc:CompanyID") {
				ok = true
			}
		}
		c.check("BR-56", t, ok)
	}
	for _, a := range r.all("cac:TaxRepresentativeParty/cac:PostalAddress") {
		c.check("BR-20", a, a.norm("cac:Country/cbc:IdentificationCode") != "")
	}
	for _, a := range r.all("cac:Delivery/cac:DeliveryLocation/cac:Address") {
		c.check("BR-57", a, a.has("cac:Country/cbc:IdentificationCode"))
	}
	// Totals.
	c.totalsRules(c.ublTotalsView())
	c.breakdownRules(ublBreakdown(r), false)
	// Invoice period.
	for _, p := range r.all("cac:InvoicePeriod") {
		c.check("BR-29", p, periodOK(p))
		c.check("BR-CO-19", p, p.has("cbc:StartDate") || p.has("cbc:EndDate") || p.has("cbc:DescriptionCode"))
	}
	// Document level allowances and charges.
	for _, ac := range docAC(r, false) {
		c.check("BR-31", ac, ac.has("cbc:Amount"))
		c.check("BR-32", ac, hasVATCategoryID(ac))
		c.check("BR-33", ac, ac.has("cbc:AllowanceChargeReason") || ac.has("cbc:AllowanceChargeReasonCode"))
		c.check("BR-CO-21", ac, ac.has("cbc:AllowanceChargeReason") || ac.has("cbc:AllowanceChargeReasonCode"))
		c.check("BR-DEC-01", ac, decimalsOK(ac.str("cbc:Amount"), 2))
		c.check("BR-DEC-02", ac, decimalsOK(ac.str("cbc:BaseAmount"), 2))
	}
	for _, ac := range docAC(r, true) {
		c.check("BR-36", ac, ac.has("cbc:Amount"))
		c.check("BR-37", ac, hasVATCategoryID(ac))
		c.check("BR-38", ac, ac.has("cbc:AllowanceChargeReason") || ac.has("cbc:AllowanceChargeReasonCode"))
		c.check("BR-CO-22", ac, ac.has("cbc:AllowanceChargeReason") || ac.has("cbc:AllowanceChargeReasonCode"))
		c.check("BR-DEC-05", ac, decimalsOK(ac.str("cbc:Amount"), 2))
		c.check("BR-DEC-06", ac, decimalsOK(ac.str("cbc:BaseAmount"), 2))
	}
	// Payment.
	for _, pm := range r.all("cac:PaymentMeans") {
		c.check("BR-49", pm, pm.has("cbc:PaymentMeansCode"))
		code := pm.norm("cbc:PaymentMeansCode")
		if code == "30" || code == "58" {
			c.check("BR-61", pm, pm.has("cac:PayeeFinancialAccount/cbc:ID"))
			for _, acct := range pm.all("cac:PayeeFinancialAccount") {
				c.check("BR-50", acct, acct.norm("cbc:ID") != "")
			}
		}
		for _, pan := range pm.all("cac:CardAccount/cbc:PrimaryAccountNumberID") {
			c.check("BR-51", pan, len([]rune(normSpace(pan.value()))) <= 10)
		}
	}
	for _, d := range r.all("cac:AdditionalDocumentReference") {
		c.check("BR-52", d, d.norm("cbc:ID") != "")
	}
	for _, b := range r.all("cac:BillingReference") {
		c.check("BR-55", b, b.has("cac:InvoiceDocumentReference/cbc:ID"))
	}
	for _, p := range c.desc("cac:AdditionalItemProperty") {
		c.check("BR-54", p, p.has("cbc:Name") && p.has("cbc:Value"))
	}
	// VAT identifiers.
	for _, pts := range c.desc("cac:PartyTaxScheme") {
		if !isVATScheme(pts) {
			continue
		}
		cid := pts.str("cbc:CompanyID")
		pre := cid
		if len([]rune(pre)) > 2 {
			pre = string([]rune(pre)[:2])
		}
		c.check("BR-CO-09", pts, strings.Contains(vatPrefixes, pre))
	}
	// Lines.
	for _, l := range ublLines(r) {
		c.ublLine(l)
	}
}

func hasDescPath(c *checker, parent, child string) bool {
	for _, n := range c.desc(parent) {
		if n.has(child) {
			return true
		}
	}
	return false
}

func anyEqual(a, b []*node) bool {
	for _, x := range a {
		for _, y := range b {
			if x.value() == y.value() {
				return true
			}
		}
	}
	return false
}

func hasVATCompanyID(party *node) bool {
	for _, pts := range party.all("cac:PartyTaxScheme") {
		if isVATScheme(pts) && pts.has("cbc:CompanyID") {
			return true
		}
	}
	return false
}

func hasVATCategoryID(ac *node) bool {
	for _, tc := range ac.all("cac:TaxCategory") {
		if isVATScheme(tc) && tc.has("cbc:ID") {
			return true
		}
	}
	return false
}

func periodOK(p *node) bool {
	s, e := p.first("cbc:StartDate"), p.first("cbc:EndDate")
	if s == nil || e == nil {
		return true
	}
	return strings.TrimSpace(e.value()) >= strings.TrimSpace(s.value())
}

func (c *checker) ublLine(l *node) {
	c.check("BR-21", l, l.norm("cbc:ID") != "")
	c.check("BR-22", l, l.has("cbc:InvoicedQuantity") || l.has("cbc:CreditedQuantity"))
	q := l.first("cbc:InvoicedQuantity")
	if q == nil {
		q = l.first("cbc:CreditedQuantity")
	}
	_, uc := q.attr("unitCode")
	c.check("BR-23", l, uc)
	c.check("BR-24", l, l.has("cbc:LineExtensionAmount"))
	c.check("BR-25", l, l.norm("cac:Item/cbc:Name") != "")
	c.check("BR-26", l, l.has("cac:Price/cbc:PriceAmount"))
	if pa := l.first("cac:Price/cbc:PriceAmount"); pa != nil {
		c.check("BR-27", l, parseNum(pa.value()).ge(intNum(0)))
	} else {
		c.fail("BR-27", l)
	}
	for _, ba := range l.all("cac:Price/cac:AllowanceCharge/cbc:BaseAmount") {
		c.check("BR-28", l, parseNum(ba.value()).ge(intNum(0)))
	}
	ok := false
	for _, ctc := range l.all("cac:Item/cac:ClassifiedTaxCategory") {
		if isVATScheme(ctc) && ctc.has("cbc:ID") {
			ok = true
		}
	}
	c.check("BR-CO-04", l, ok)
	c.check("BR-DEC-23", l, decimalsOK(l.str("cbc:LineExtensionAmount"), 2))
	for _, p := range l.all("cac:InvoicePeriod") {
		c.check("BR-30", p, periodOK(p))
		c.check("BR-CO-20", p, p.has("cbc:StartDate") || p.has("cbc:EndDate"))
	}
	for _, ac := range childAC(l, false) {
		c.check("BR-41", ac, ac.has("cbc:Amount"))
		c.check("BR-42", ac, ac.has("cbc:AllowanceChargeReason") || ac.has("cbc:AllowanceChargeReasonCode"))
		c.check("BR-CO-23", ac, ac.has("cbc:AllowanceChargeReason") || ac.has("cbc:AllowanceChargeReasonCode"))
		c.check("BR-DEC-24", ac, decimalsOK(ac.str("cbc:Amount"), 2))
		c.check("BR-DEC-25", ac, decimalsOK(ac.str("cbc:BaseAmount"), 2))
	}
	for _, ac := range childAC(l, true) {
		c.check("BR-43", ac, ac.has("cbc:Amount"))
		c.check("BR-44", ac, ac.has("cbc:AllowanceChargeReason") || ac.has("cbc:AllowanceChargeReasonCode"))
		c.check("BR-CO-24", ac, ac.has("cbc:AllowanceChargeReason") || ac.has("cbc:AllowanceChargeReasonCode"))
		c.check("BR-DEC-27", ac, decimalsOK(ac.str("cbc:Amount"), 2))
		c.check("BR-DEC-28", ac, decimalsOK(ac.str("cbc:BaseAmount"), 2))
	}
	for _, id := range l.all("cac:Item/cac:StandardItemIdentification/cbc:ID") {
		_, ok := id.attr("schemeID")
		c.check("BR-64", id, ok)
	}
	for _, cc := range l.all("cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode") {
		_, ok := cc.attr("listID")
		c.check("BR-65", cc, ok)
	}
}

// vatPrefixes is the list of BR-CO-09 (ISO 3166-1 alpha-2 plus EL, XI, 1A),
// searched with contains() exactly as the Schematron does.
const vatPrefixes = " 1A AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH EL ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XI YE YT ZA ZM ZW "
