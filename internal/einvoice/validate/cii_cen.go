package validate

import "strings"

// CII binding of the EN 16931 core rules (CEN Schematron EN16931-CII-model).

const ciiMS = ciiHS + "/ram:SpecifiedTradeSettlementHeaderMonetarySummation"

func ciiReason(ac *node) bool { return ac.has("ram:Reason") || ac.has("ram:ReasonCode") }

// ciiDocAC returns the document level allowances (charge=false) or charges.
func (c *checker) ciiDocAC(charge bool) []*node {
	return ciiAC(c.root.first(ciiHS), charge)
}

func ciiDate(n *node) string {
	return strings.TrimSpace(n.value())
}

func (c *checker) ciiCore() {
	r := c.root
	hs := r.first(ciiHS)
	ha := r.first(ciiHA)
	c.check("BR-01", r, r.norm("rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") != "")
	c.check("BR-02", r, r.norm("rsm:ExchangedDocument/ram:ID") != "")
	c.check("BR-03", r, r.norm("rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString") != "")
	c.check("BR-04", r, r.norm("rsm:ExchangedDocument/ram:TypeCode") != "")
	c.check("BR-05", r, r.norm(ciiHS+"/ram:InvoiceCurrencyCode") != "")
	c.check("BR-06", r, r.norm(ciiHA+"/ram:SellerTradeParty/ram:Name") != "")
	c.check("BR-07", r, r.norm(ciiHA+"/ram:BuyerTradeParty/ram:Name") != "")
	c.check("BR-08", r, r.has(ciiHA+"/ram:SellerTradeParty/ram:PostalTradeAddress"))
	c.check("BR-10", r, r.has(ciiHA+"/ram:BuyerTradeParty/ram:PostalTradeAddress"))
	c.check("BR-16", r, r.has(ciiLI))
	// CEN checks BR-CO-18 in the context of each invoice line, so a
	// document without lines (MINIMUM, BASIC WL) does not violate it.
	for _, l := range r.all(ciiLI) {
		c.check("BR-CO-18", l, r.has(ciiHS+"/ram:ApplicableTradeTax"))
	}
	for _, a := range r.all(ciiHA + "/ram:SellerTradeParty/ram:PostalTradeAddress") {
		c.check("BR-09", a, a.norm("ram:CountryID") != "")
	}
	for _, a := range r.all(ciiHA + "/ram:BuyerTradeParty/ram:PostalTradeAddress") {
		c.check("BR-11", a, a.norm("ram:CountryID") != "")
	}
	for _, p := range r.all(ciiHS + "/ram:PayeeTradeParty") {
		c.check("BR-17", p, p.has("ram:Name"))
	}
	for _, t := range r.all(ciiHA + "/ram:SellerTaxRepresentativeTradeParty") {
		c.check("BR-18", t, t.norm("ram:Name") != "")
		c.check("BR-19", t, t.has("ram:PostalTradeAddress"))
		c.check("BR-56", t, hasScheme(t.all("ram:SpecifiedTaxRegistration/ram:ID"), "VA"))
		for _, a := range t.all("ram:PostalTradeAddress") {
			c.check("BR-20", a, a.norm("ram:CountryID") != "")
		}
	}
	for _, a := range r.all(ciiHD + "/ram:ShipToTradeParty/ram:PostalTradeAddress") {
		c.check("BR-57", a, a.has("ram:CountryID"))
	}
	for _, s := range r.all(ciiHA + "/ram:SellerTradeParty") {
		c.check("BR-CO-26", s, s.has("ram:ID") || s.has("ram:GlobalID") || s.has("ram:SpecifiedLegalOrganization/ram:ID") ||
			hasScheme(s.all("ram:SpecifiedTaxRegistration/ram:ID"), "VA"))
		for _, u := range s.all("ram:URIUniversalCommunication/ram:URIID") {
			_, ok := u.attr("schemeID")
			c.check("BR-62", u, ok)
		}
	}
	for _, u := range r.all(ciiHA + "/ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID") {
		_, ok := u.attr("schemeID")
		c.check("BR-63", u, ok)
	}
	for _, id := range c.desc("ram:ID") {
		if v, ok := id.attr("schemeID"); ok && v == "VA" && id.parent != nil && id.parent.name == "ram:SpecifiedTaxRegistration" {
			s := id.value()
			if len([]rune(s)) > 2 {
				s = string([]rune(s)[:2])
			}
			c.check("BR-CO-09", id, strings.Contains(vatPrefixes, s))
		}
	}
	// BR-CO-03: tax point date and its code are exclusive.
	c.check("BR-CO-03", r, !(r.has(ciiHS+"/ram:ApplicableTradeTax/ram:TaxPointDate") && r.has(ciiHS+"/ram:ApplicableTradeTax/ram:DueDateTypeCode")))
	for _, p := range r.all(ciiHS + "/ram:BillingSpecifiedPeriod") {
		c.check("BR-29", p, ciiPeriodOK(p))
		c.check("BR-CO-19", p, p.has("ram:StartDateTime") || p.has("ram:EndDateTime"))
	}
	for _, ac := range c.ciiDocAC(false) {
		c.check("BR-31", ac, ac.has("ram:ActualAmount"))
		c.check("BR-32", ac, ac.has("ram:CategoryTradeTax/ram:CategoryCode"))
		c.check("BR-33", ac, ciiReason(ac))
		c.check("BR-CO-21", ac, ciiReason(ac))
		c.check("BR-DEC-01", ac, decimalsOK(ac.str("ram:ActualAmount"), 2))
		c.check("BR-DEC-02", ac, decimalsOK(ac.str("ram:BasisAmount"), 2))
	}
	for _, ac := range c.ciiDocAC(true) {
		c.check("BR-36", ac, ac.has("ram:ActualAmount"))
		c.check("BR-37", ac, ac.has("ram:CategoryTradeTax/ram:CategoryCode"))
		c.check("BR-38", ac, ciiReason(ac))
		c.check("BR-CO-22", ac, ciiReason(ac))
		c.check("BR-DEC-05", ac, decimalsOK(ac.str("ram:ActualAmount"), 2))
		c.check("BR-DEC-06", ac, decimalsOK(ac.str("ram:BasisAmount"), 2))
	}
	c.breakdownRules(ciiBreakdown(r), true)
	for _, pm := range r.all(ciiHS + "/ram:SpecifiedTradeSettlementPaymentMeans") {
		c.check("BR-49", pm, pm.has("ram:TypeCode"))
		code := pm.norm("ram:TypeCode")
		if code == "30" || code == "58" {
			c.check("BR-61", pm, pm.has("ram:PayeePartyCreditorFinancialAccount/ram:IBANID") || pm.has("ram:PayeePartyCreditorFinancialAccount/ram:ProprietaryID"))
			for _, a := range pm.all("ram:PayeePartyCreditorFinancialAccount") {
				c.check("BR-50", a, a.norm("ram:IBANID") != "" || a.norm("ram:ProprietaryID") != "")
			}
		}
		for _, pan := range pm.all("ram:ApplicableTradeSettlementFinancialCard/ram:ID") {
			c.check("BR-51", pan, len([]rune(normSpace(pan.value()))) <= 10)
		}
	}
	for _, d := range r.all(ciiHA + "/ram:AdditionalReferencedDocument") {
		c.check("BR-52", d, d.norm("ram:IssuerAssignedID") != "")
	}
	for _, b := range r.all(ciiHS + "/ram:InvoiceReferencedDocument") {
		c.check("BR-55", b, b.has("ram:IssuerAssignedID"))
	}
	for _, p := range c.desc("ram:ApplicableProductCharacteristic") {
		c.check("BR-54", p, p.has("ram:Description") && p.has("ram:Value"))
	}
	if hs != nil {
		for _, tc := range hs.all("ram:TaxCurrencyCode") {
			found := false
			for _, t := range hs.all("ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:TaxTotalAmount") {
				if v, ok := t.attr("currencyID"); ok && v == tc.value() {
					found = true
				}
			}
			c.check("BR-53", r, found)
		}
	}
	_ = ha
	c.totalsRules(c.ciiTotalsView())
	for _, l := range r.all(ciiLI) {
		c.ciiLine(l)
	}
	c.vatCategoryRules(c.ciiVATView())
}

func hasScheme(ids []*node, scheme string) bool {
	for _, id := range ids {
		if v, ok := id.attr("schemeID"); ok && v == scheme {
			return true
		}
	}
	return false
}

func ciiPeriodOK(p *node) bool {
	s := p.first("ram:StartDateTime/udt:DateTimeString")
	e := p.first("ram:EndDateTime/udt:DateTimeString")
	if s == nil || e == nil {
		return true
	}
	return ciiDate(e) >= ciiDate(s)
}

func (c *checker) ciiLine(l *node) {
	c.check("BR-21", l, l.norm("ram:AssociatedDocumentLineDocument/ram:LineID") != "")
	q := l.first("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
	c.check("BR-22", l, q != nil)
	_, uc := q.attr("unitCode")
	c.check("BR-23", l, uc)
	set := l.first("ram:SpecifiedLineTradeSettlement")
	c.check("BR-24", l, set.has("ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"))
	c.check("BR-25", l, l.norm("ram:SpecifiedTradeProduct/ram:Name") != "")
	np := l.first("ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount")
	c.check("BR-26", l, np != nil)
	if np != nil {
		c.check("BR-27", l, parseNum(np.value()).ge(intNum(0)))
	}
	for _, g := range l.all("ram:SpecifiedLineTradeAgreement/ram:GrossPriceProductTradePrice/ram:ChargeAmount") {
		c.check("BR-28", l, parseNum(g.value()).ge(intNum(0)))
	}
	c.check("BR-CO-04", l, set.has("ram:ApplicableTradeTax/ram:CategoryCode"))
	c.check("BR-DEC-23", l, decimalsOK(set.str("ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"), 2))
	for _, p := range set.all("ram:BillingSpecifiedPeriod") {
		c.check("BR-30", p, ciiPeriodOK(p))
		c.check("BR-CO-20", p, p.has("ram:StartDateTime") || p.has("ram:EndDateTime"))
	}
	for _, ac := range ciiAC(set, false) {
		c.check("BR-41", ac, ac.has("ram:ActualAmount"))
		c.check("BR-42", ac, ciiReason(ac))
		c.check("BR-CO-23", ac, ciiReason(ac))
		c.check("BR-DEC-24", ac, decimalsOK(ac.str("ram:ActualAmount"), 2))
		c.check("BR-DEC-25", ac, decimalsOK(ac.str("ram:BasisAmount"), 2))
	}
	for _, ac := range ciiAC(set, true) {
		c.check("BR-43", ac, ac.has("ram:ActualAmount"))
		c.check("BR-44", ac, ciiReason(ac))
		c.check("BR-CO-24", ac, ciiReason(ac))
		c.check("BR-DEC-27", ac, decimalsOK(ac.str("ram:ActualAmount"), 2))
		c.check("BR-DEC-28", ac, decimalsOK(ac.str("ram:BasisAmount"), 2))
	}
	for _, g := range l.all("ram:SpecifiedTradeProduct/ram:GlobalID") {
		_, ok := g.attr("schemeID")
		c.check("BR-64", g, ok)
	}
	for _, cc := range l.all("ram:SpecifiedTradeProduct/ram:DesignatedProductClassification/ram:ClassCode") {
		_, ok := cc.attr("listID")
		c.check("BR-65", cc, ok)
	}
}

// ciiCat is the neutral form of a ram:ApplicableTradeTax or ram:CategoryTradeTax.
func ciiCat(t *node) vatCatNode {
	return vatCatNode{n: t, code: t.norm("ram:CategoryCode"), vat: true, rate: t.first("ram:RateApplicablePercent"),
		exempt: t.has("ram:ExemptionReason") || t.has("ram:ExemptionReasonCode")}
}

func ciiCats(ns []*node) []vatCatNode {
	out := make([]vatCatNode, 0, len(ns))
	for _, n := range ns {
		out = append(out, ciiCat(n))
	}
	return out
}

// ciiFirstCat is the category -08 matches a line or allowance/charge by:
// its first one.
func ciiFirstCat(n *node, path string) []vatCatNode {
	if t := n.first(path); t != nil {
		return []vatCatNode{ciiCat(t)}
	}
	return nil
}

// ciiVATView gathers the CII nodes of the VAT category rules (vat.go).
func (c *checker) ciiVATView() *vatView {
	r := c.root
	seller := r.first(ciiHA + "/ram:SellerTradeParty")
	buyer := r.first(ciiHA + "/ram:BuyerTradeParty")
	sellerVA := hasScheme(seller.all("ram:SpecifiedTaxRegistration/ram:ID"), "VA")
	v := &vatView{binding: ciiVATBinding,
		sellerTaxID: sellerVA || hasScheme(seller.all("ram:SpecifiedTaxRegistration/ram:ID"), "FC"),
		sellerVATID: sellerVA,
		repVATID:    hasScheme(r.all(ciiHA+"/ram:SellerTaxRepresentativeTradeParty/ram:SpecifiedTaxRegistration/ram:ID"), "VA"),
		buyerVATID:  hasScheme(buyer.all("ram:SpecifiedTaxRegistration/ram:ID"), "VA"),
		buyerLegal:  buyer.has("ram:SpecifiedLegalOrganization/ram:ID"),
	}
	for _, t := range r.all(ciiHS + "/ram:ApplicableTradeTax") {
		v.breakdown = append(v.breakdown, vatBreakdownEntry{vatCatNode: ciiCat(t),
			taxable: t.first("ram:BasisAmount"), tax: t.first("ram:CalculatedAmount")})
	}
	var g vatLineGroup
	for _, l := range r.all(ciiLI) {
		v.itemCats = append(v.itemCats, ciiCats(l.all("ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax"))...)
		g.summed = append(g.summed, vatAmount{
			amount: l.first("ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"),
			cats:   ciiFirstCat(l, "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax")})
	}
	v.lineCats = v.itemCats
	v.lineGroups = []vatLineGroup{g}
	v.acCats = ciiCats(c.desc("ram:CategoryTradeTax"))
	v.taxCats = v.acCats
	docAC := func(charge bool) (cats []vatCatNode, amounts []vatAmount) {
		for _, ac := range c.ciiDocAC(charge) {
			cats = append(cats, ciiCats(ac.all("ram:CategoryTradeTax"))...)
			amounts = append(amounts, vatAmount{amount: ac.first("ram:ActualAmount"), cats: ciiFirstCat(ac, "ram:CategoryTradeTax")})
		}
		return cats, amounts
	}
	v.allowCats, v.allowances = docAC(false)
	v.chargeCats, v.charges = docAC(true)
	v.docAllowCats, v.docChargeCats = v.allowCats, v.chargeCats
	v.deliveryDate = r.has(ciiHD+"/ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime") || r.has(ciiHS+"/ram:BillingSpecifiedPeriod")
	v.deliveryCountry = len([]rune(r.norm(ciiHD+"/ram:ShipToTradeParty/ram:PostalTradeAddress/ram:CountryID"))) > 1
	return v
}
