package validate

// UBL binding of the VAT category rules (vat.go).

// ublCat is the neutral form of a cac:TaxCategory or cac:ClassifiedTaxCategory.
func ublCat(tc *node) vatCatNode {
	return vatCatNode{n: tc, code: tc.norm("cbc:ID"), vat: isVATScheme(tc), rate: tc.first("cbc:Percent"),
		exempt: tc.has("cbc:TaxExemptionReason") || tc.has("cbc:TaxExemptionReasonCode")}
}

func ublCats(ns []*node) []vatCatNode {
	out := make([]vatCatNode, 0, len(ns))
	for _, n := range ns {
		out = append(out, ublCat(n))
	}
	return out
}

// ublVATView gathers the UBL nodes of the VAT category rules.
func (c *checker) ublVATView() *vatView {
	r := c.root
	supplier := r.first("cac:AccountingSupplierParty/cac:Party")
	customer := r.first("cac:AccountingCustomerParty/cac:Party")
	v := &vatView{binding: ublVATBinding,
		sellerTaxID: supplier.has("cac:PartyTaxScheme/cbc:CompanyID"),
		sellerVATID: hasVATCompanyID(supplier),
		buyerVATID:  hasVATCompanyID(customer),
		buyerLegal:  customer.has("cac:PartyLegalEntity/cbc:CompanyID"),
	}
	for _, t := range r.all("cac:TaxRepresentativeParty") {
		if hasVATCompanyID(t) {
			v.repVATID = true
		}
	}
	for _, tc := range r.all("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory") {
		st := tc.parent
		v.breakdown = append(v.breakdown, vatBreakdownEntry{vatCatNode: ublCat(tc),
			taxable: st.first("cbc:TaxableAmount"), tax: st.first("cbc:TaxAmount")})
	}
	v.taxCats = ublCats(c.desc("cac:TaxCategory"))
	for _, tc := range v.taxCats {
		ac := tc.n.parent
		if ac == nil || ac.name != "cac:AllowanceCharge" {
			continue
		}
		v.acCats = append(v.acCats, tc)
		if ch, ok := isCharge(ac); ok && ch {
			v.chargeCats = append(v.chargeCats, tc)
		} else if ok {
			v.allowCats = append(v.allowCats, tc)
		}
	}
	v.itemCats = ublCats(c.desc("cac:ClassifiedTaxCategory"))
	for _, ct := range v.itemCats {
		if it := ct.n.parent; it != nil && it.name == "cac:Item" && it.parent != nil &&
			(it.parent.name == "cac:InvoiceLine" || it.parent.name == "cac:CreditNoteLine") {
			v.lineCats = append(v.lineCats, ct)
		}
	}
	docAC := func(charge bool) (cats []vatCatNode, amounts []vatAmount) {
		for _, ac := range docAC(r, charge) {
			tcs := ublCats(ac.all("cac:TaxCategory"))
			amounts = append(amounts, vatAmount{amount: ac.first("cbc:Amount"), cats: tcs})
			cats = append(cats, tcs...)
		}
		return cats, amounts
	}
	v.docAllowCats, v.allowances = docAC(false)
	v.docChargeCats, v.charges = docAC(true)
	// Invoice lines and credit note lines are summed apart; a group
	// counts if such lines exist at any depth.
	lines := func(ls []*node) []vatAmount {
		out := make([]vatAmount, 0, len(ls))
		for _, l := range ls {
			out = append(out, vatAmount{amount: l.first("cbc:LineExtensionAmount"), cats: ublCats(l.all("cac:Item/cac:ClassifiedTaxCategory"))})
		}
		return out
	}
	for _, name := range []string{"cac:InvoiceLine", "cac:CreditNoteLine"} {
		v.lineGroups = append(v.lineGroups, vatLineGroup{summed: lines(r.all(name)), present: lines(c.desc(name))})
	}
	v.deliveryDate = len([]rune(r.str("cac:Delivery/cbc:ActualDeliveryDate"))) > 1 || hasChildren(r.all("cac:InvoicePeriod"))
	v.deliveryCountry = len([]rune(r.str("cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode"))) > 1
	return v
}

func hasChildren(ns []*node) bool {
	for _, n := range ns {
		if len(n.kids) > 0 {
			return true
		}
	}
	return false
}
