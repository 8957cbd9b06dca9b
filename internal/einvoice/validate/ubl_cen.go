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

	// BR-CO-15
	for _, cur := range r.all("cbc:DocumentCurrencyCode") {
		var tas []*node
		for _, ta := range r.all("cac:TaxTotal/cbc:TaxAmount") {
			if v, ok := ta.attr("currencyID"); ok && v == cur.value() {
				tas = append(tas, ta)
			}
		}
		ok := len(tas) == 1
		if ok {
			lmt := r.child("cac:LegalMonetaryTotal")
			incl := lmt.num("cbc:TaxInclusiveAmount")
			excl := lmt.num("cbc:TaxExclusiveAmount")
			ok = incl.eq(round2(excl.add(parseNum(tas[0].value()))))
		}
		c.check("BR-CO-15", r, ok)
	}
	// BR-DEC-13 / 15
	cur := r.str("cbc:DocumentCurrencyCode")
	tcur := r.str("cbc:TaxCurrencyCode")
	for _, ta := range r.all("cac:TaxTotal/cbc:TaxAmount") {
		v, _ := ta.attr("currencyID")
		if r.has("cbc:DocumentCurrencyCode") && v == cur {
			c.check("BR-DEC-13", r, decimalsOK(ta.value(), 2))
		}
		if r.has("cbc:TaxCurrencyCode") && v == tcur {
			c.check("BR-DEC-15", r, decimalsOK(ta.value(), 2))
		}
	}

	c.ublVATCategories()

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
	for _, t := range r.all("cac:LegalMonetaryTotal") {
		c.ublTotals(t)
	}
	// BR-CO-25 applies to Invoice only in the UBL binding.
	if r.name == "ubl:Invoice" {
		for _, pa := range r.all("cac:LegalMonetaryTotal/cbc:PayableAmount") {
			v := parseNum(pa.value())
			if v.gt(intNum(0)) {
				c.check("BR-CO-25", pa, len(c.desc("cbc:DueDate")) > 0 || len(r.all("cac:PaymentTerms/cbc:Note")) > 0 || hasDescPath(c, "cac:PaymentTerms", "cbc:Note"))
			}
		}
	}
	// Tax totals.
	for _, tt := range r.all("cac:TaxTotal") {
		if tt.has("cac:TaxSubtotal") {
			c.check("BR-CO-14", tt, tt.num("cbc:TaxAmount").eq(round2(sumNodes(tt.all("cac:TaxSubtotal"), "cbc:TaxAmount"))))
		}
	}
	for _, st := range r.all("cac:TaxTotal/cac:TaxSubtotal") {
		c.check("BR-45", st, st.has("cbc:TaxableAmount"))
		c.check("BR-46", st, st.has("cbc:TaxAmount"))
		var vatCat *node
		for _, tc := range st.all("cac:TaxCategory") {
			if isVATScheme(tc) {
				vatCat = tc
			}
		}
		c.check("BR-47", st, vatCat != nil && vatCat.has("cbc:ID"))
		c.check("BR-48", st, vatCat != nil && (vatCat.has("cbc:Percent") || vatCat.norm("cbc:ID") == "O"))
		c.check("BR-DEC-19", st, decimalsOK(st.str("cbc:TaxableAmount"), 2))
		c.check("BR-DEC-20", st, decimalsOK(st.str("cbc:TaxAmount"), 2))
		// BR-CO-17
		ta := st.num("cbc:TaxAmount")
		var pct num
		if vatCat != nil {
			pct = vatCat.num("cbc:Percent")
		}
		var ok bool
		switch {
		case pct.ok && xround(pct).sign() == 0:
			ok = xround(ta).sign() == 0 && ta.ok
		case pct.ok:
			exp := round2(st.num("cbc:TaxableAmount").abs().mul(pct.div(intNum(100))))
			a := ta.abs()
			ok = a.sub(intNum(1)).lt(exp) && a.add(intNum(1)).gt(exp)
		default:
			ok = ta.ok && xround(ta).sign() == 0
		}
		c.check("BR-CO-17", st, ok)
	}
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

func (c *checker) ublTotals(t *node) {
	r := c.root
	c.check("BR-12", t, t.has("cbc:LineExtensionAmount"))
	c.check("BR-13", t, t.has("cbc:TaxExclusiveAmount"))
	c.check("BR-14", t, t.has("cbc:TaxInclusiveAmount"))
	c.check("BR-15", t, t.has("cbc:PayableAmount"))
	var lineNets []*node
	for _, l := range c.desc("cac:InvoiceLine") {
		lineNets = append(lineNets, l.all("cbc:LineExtensionAmount")...)
	}
	for _, l := range c.desc("cac:CreditNoteLine") {
		lineNets = append(lineNets, l.all("cbc:LineExtensionAmount")...)
	}
	c.check("BR-CO-10", t, t.num("cbc:LineExtensionAmount").eq(round2(sumNodes(lineNets, ""))))
	allow, charge := docAC(r, false), docAC(r, true)
	if t.has("cbc:AllowanceTotalAmount") || len(allow) > 0 {
		c.check("BR-CO-11", t, t.num("cbc:AllowanceTotalAmount").eq(round2(sumNodes(allow, "cbc:Amount"))))
	}
	if t.has("cbc:ChargeTotalAmount") || len(charge) > 0 {
		c.check("BR-CO-12", t, t.num("cbc:ChargeTotalAmount").eq(round2(sumNodes(charge, "cbc:Amount"))))
	}
	lea := t.num("cbc:LineExtensionAmount")
	excl := t.num("cbc:TaxExclusiveAmount")
	hasC, hasA := t.has("cbc:ChargeTotalAmount"), t.has("cbc:AllowanceTotalAmount")
	ct, at := t.num("cbc:ChargeTotalAmount"), t.num("cbc:AllowanceTotalAmount")
	var ok13 bool
	switch {
	case hasC && hasA:
		ok13 = excl.eq(round2(lea.add(ct).sub(at)))
	case hasA:
		ok13 = excl.eq(round2(lea.sub(at)))
	case hasC:
		ok13 = excl.eq(round2(lea.add(ct)))
	default:
		ok13 = excl.eq(lea)
	}
	c.check("BR-CO-13", t, ok13)
	// BR-CO-16
	incl, pay := t.num("cbc:TaxInclusiveAmount"), t.num("cbc:PayableAmount")
	hasP, hasR := t.has("cbc:PrepaidAmount"), t.has("cbc:PayableRoundingAmount")
	pre, rnd := t.num("cbc:PrepaidAmount"), t.num("cbc:PayableRoundingAmount")
	var ok16 bool
	switch {
	case hasP && !hasR:
		ok16 = pay.eq(round2(incl.sub(pre)))
	case !hasP && !hasR:
		ok16 = pay.eq(incl)
	case hasP && hasR:
		ok16 = round2(pay.sub(rnd)).eq(round2(incl.sub(pre)))
	default:
		ok16 = round2(pay.sub(rnd)).eq(incl)
	}
	c.check("BR-CO-16", t, ok16)
	for _, f := range []struct{ rule, el string }{
		{"BR-DEC-09", "cbc:LineExtensionAmount"}, {"BR-DEC-10", "cbc:AllowanceTotalAmount"},
		{"BR-DEC-11", "cbc:ChargeTotalAmount"}, {"BR-DEC-12", "cbc:TaxExclusiveAmount"},
		{"BR-DEC-14", "cbc:TaxInclusiveAmount"}, {"BR-DEC-16", "cbc:PrepaidAmount"},
		{"BR-DEC-17", "cbc:PayableRoundingAmount"}, {"BR-DEC-18", "cbc:PayableAmount"},
	} {
		c.check(f.rule, t, decimalsOK(t.str(f.el), 2))
	}
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
