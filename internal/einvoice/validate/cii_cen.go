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
	c.ciiVATCategories()
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

// ciiVATCategories is the CII form of the VAT category rules.
func (c *checker) ciiVATCategories() {
	r := c.root
	seller := r.first(ciiHA + "/ram:SellerTradeParty")
	buyer := r.first(ciiHA + "/ram:BuyerTradeParty")
	sellerVA := hasScheme(seller.all("ram:SpecifiedTaxRegistration/ram:ID"), "VA")
	sellerFC := hasScheme(seller.all("ram:SpecifiedTaxRegistration/ram:ID"), "FC")
	repVA := hasScheme(r.all(ciiHA+"/ram:SellerTaxRepresentativeTradeParty/ram:SpecifiedTaxRegistration/ram:ID"), "VA")
	buyerVA := hasScheme(buyer.all("ram:SpecifiedTaxRegistration/ram:ID"), "VA")
	buyerLegal := buyer.has("ram:SpecifiedLegalOrganization/ram:ID")
	lines := r.all(ciiLI)
	breakdown := r.all(ciiHS + "/ram:ApplicableTradeTax")
	docAllow, docCharge := c.ciiDocAC(false), c.ciiDocAC(true)
	lineTax := func(l *node) *node { return l.first("ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax") }
	for _, vc := range vatCats {
		code, p := vc.code, vc.prefix
		var lineCats, allowCats, chargeCats []*node
		for _, l := range lines {
			for _, t := range l.all("ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax") {
				if t.norm("ram:CategoryCode") == code {
					lineCats = append(lineCats, t)
				}
			}
		}
		for _, ac := range docAllow {
			for _, t := range ac.all("ram:CategoryTradeTax") {
				if t.norm("ram:CategoryCode") == code {
					allowCats = append(allowCats, t)
				}
			}
		}
		for _, ac := range docCharge {
			for _, t := range ac.all("ram:CategoryTradeTax") {
				if t.norm("ram:CategoryCode") == code {
					chargeCats = append(chargeCats, t)
				}
			}
		}
		var bd []*node
		for _, t := range breakdown {
			if t.norm("ram:CategoryCode") == code {
				bd = append(bd, t)
			}
		}
		// The CII binding of the "-01" rules differs from UBL's: it counts
		// every CategoryTradeTax (line-level allowances and charges too) and
		// for S, L and M only asks, in CEN's own formulation, that a used
		// category have two occurrences counting the breakdown, so a
		// breakdown without lines (BASIC WL) passes.
		nLine, nAC := len(lineCats), 0
		for _, t := range c.desc("ram:CategoryTradeTax") {
			if t.norm("ram:CategoryCode") == code {
				nAC++
			}
		}
		used := nLine+nAC > 0
		switch code {
		case "S", "L", "M":
			c.check(rid(p, 1), r, (nLine+len(bd) >= 2 || nLine == 0) && (nAC+len(bd) >= 2 || nAC == 0))
		case "O":
			c.check(rid(p, 1), r, len(bd) == 0 || (len(bd) == 1 && used))
		default:
			c.check(rid(p, 1), r, (len(bd) == 0 && !used) || (len(bd) == 1 && used))
		}
		var partyOK bool
		switch code {
		case "S", "Z", "E", "L", "M":
			partyOK = sellerVA || sellerFC || repVA
		case "AE":
			partyOK = (sellerVA || sellerFC || repVA) && (buyerVA || buyerLegal)
		case "K":
			partyOK = (sellerVA || repVA) && buyerVA
		case "G":
			partyOK = sellerVA || repVA
		case "O":
			partyOK = !sellerVA && !repVA && !buyerVA
		}
		if len(lineCats) > 0 {
			c.check(rid(p, 2), r, partyOK)
		}
		if len(allowCats) > 0 {
			c.check(rid(p, 3), r, partyOK)
		}
		if len(chargeCats) > 0 {
			c.check(rid(p, 4), r, partyOK)
		}
		rateOK := func(t *node) bool {
			pct := t.num("ram:RateApplicablePercent")
			switch code {
			case "S":
				return pct.gt(intNum(0))
			case "L", "M":
				return pct.ge(intNum(0))
			case "O":
				return !t.has("ram:RateApplicablePercent")
			default:
				return pct.eq(intNum(0))
			}
		}
		for _, t := range lineCats {
			c.check(rid(p, 5), t, rateOK(t))
		}
		for _, t := range allowCats {
			c.check(rid(p, 6), t, rateOK(t))
		}
		for _, t := range chargeCats {
			c.check(rid(p, 7), t, rateOK(t))
		}
		for _, t := range bd {
			basis := t.num("ram:BasisAmount")
			rate := t.first("ram:RateApplicablePercent")
			match := func(tt *node) bool {
				if tt.norm("ram:CategoryCode") != code {
					return false
				}
				if (code == "S" || code == "L" || code == "M") && rate != nil {
					return tt.num("ram:RateApplicablePercent").eq(parseNum(rate.value()))
				}
				return true
			}
			sum := num{r: ratZero, ok: true}
			for _, l := range lines {
				if lt := lineTax(l); lt != nil && match(lt) {
					sum = sum.add(l.num("ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"))
				}
			}
			for _, ac := range docCharge {
				if t2 := ac.first("ram:CategoryTradeTax"); t2 != nil && match(t2) {
					sum = sum.add(ac.num("ram:ActualAmount"))
				}
			}
			for _, ac := range docAllow {
				if t2 := ac.first("ram:CategoryTradeTax"); t2 != nil && match(t2) {
					sum = sum.sub(ac.num("ram:ActualAmount"))
				}
			}
			switch code {
			case "S", "L", "M":
				c.check(rid(p, 8), t, basis.sub(intNum(1)).le(sum) && basis.add(intNum(1)).ge(sum))
				exp := round2(basis.abs().mul(t.num("ram:RateApplicablePercent").div(intNum(100))))
				ta := t.num("ram:CalculatedAmount").abs()
				c.check(rid(p, 9), t, ta.sub(intNum(1)).le(exp) && ta.add(intNum(1)).ge(exp))
				c.check(rid(p, 10), t, !t.has("ram:ExemptionReason") && !t.has("ram:ExemptionReasonCode"))
			default:
				c.check(rid(p, 8), t, basis.eq(sum))
				c.check(rid(p, 9), t, t.num("ram:CalculatedAmount").eq(intNum(0)))
				if code == "Z" {
					c.check(rid(p, 10), t, !t.has("ram:ExemptionReason") && !t.has("ram:ExemptionReasonCode"))
				} else {
					c.check(rid(p, 10), t, t.has("ram:ExemptionReason") || t.has("ram:ExemptionReasonCode"))
				}
			}
		}
		if code == "K" && len(bd) > 0 {
			c.check("BR-IC-11", r, r.has(ciiHD+"/ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime") || r.has(ciiHS+"/ram:BillingSpecifiedPeriod"))
			c.check("BR-IC-12", r, len([]rune(r.norm(ciiHD+"/ram:ShipToTradeParty/ram:PostalTradeAddress/ram:CountryID"))) > 1)
		}
		if code == "O" && len(bd) > 0 {
			other := func(ns []*node) bool {
				for _, n := range ns {
					if n.norm("ram:CategoryCode") != "O" {
						return true
					}
				}
				return false
			}
			var lt, at, ctt []*node
			for _, l := range lines {
				lt = append(lt, l.all("ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax")...)
			}
			for _, ac := range docAllow {
				at = append(at, ac.all("ram:CategoryTradeTax")...)
			}
			for _, ac := range docCharge {
				ctt = append(ctt, ac.all("ram:CategoryTradeTax")...)
			}
			c.check("BR-O-11", r, !other(breakdown))
			c.check("BR-O-12", r, !other(lt))
			c.check("BR-O-13", r, !other(at))
			c.check("BR-O-14", r, !other(ctt))
		}
	}
}
