package validate

// VAT category rules (BR-S, BR-Z, BR-E, BR-AE, BR-IC, BR-G, BR-O, BR-AF,
// BR-AG) in the UBL binding.

// vatCat describes one VAT category code and its rule prefix.
type vatCat struct {
	code   string
	prefix string
}

var vatCats = []vatCat{
	{"S", "BR-S"}, {"Z", "BR-Z"}, {"E", "BR-E"}, {"AE", "BR-AE"}, {"K", "BR-IC"},
	{"G", "BR-G"}, {"O", "BR-O"}, {"L", "BR-AF"}, {"M", "BR-AG"},
}

func rid(prefix string, n int) string {
	return prefix + "-" + string(rune('0'+n/10)) + string(rune('0'+n%10))
}

// catIs reports whether a TaxCategory-like node has the code and VAT scheme.
func catIs(tc *node, code string, needVAT bool) bool {
	if tc.norm("cbc:ID") != code {
		return false
	}
	return !needVAT || isVATScheme(tc)
}

func (c *checker) ublVATCategories() {
	r := c.root
	supplier := r.first("cac:AccountingSupplierParty/cac:Party")
	customer := r.first("cac:AccountingCustomerParty/cac:Party")
	sellerAnyTax := supplier.has("cac:PartyTaxScheme/cbc:CompanyID")
	sellerVAT := hasVATCompanyID(supplier)
	repVAT := false
	for _, t := range r.all("cac:TaxRepresentativeParty") {
		if hasVATCompanyID(t) {
			repVAT = true
		}
	}
	buyerVAT := hasVATCompanyID(customer)
	buyerLegal := customer.has("cac:PartyLegalEntity/cbc:CompanyID")

	allTaxCats := c.desc("cac:TaxCategory")
	classified := c.desc("cac:ClassifiedTaxCategory")
	subtotalCats := r.all("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory")
	invLines := c.desc("cac:InvoiceLine")
	cnLines := c.desc("cac:CreditNoteLine")

	// acCats returns TaxCategory nodes of AllowanceCharges anywhere (charge
	// filter: 0 any, 1 allowances, 2 charges).
	acCats := func(code string, filter int, needVAT bool) []*node {
		var out []*node
		for _, tc := range allTaxCats {
			ac := tc.parent
			if ac == nil || ac.name != "cac:AllowanceCharge" || !catIs(tc, code, needVAT) {
				continue
			}
			if filter != 0 {
				ch, ok := isCharge(ac)
				if !ok || ch != (filter == 2) {
					continue
				}
			}
			out = append(out, tc)
		}
		return out
	}
	count := func(ns []*node, code string, needVAT bool) int {
		k := 0
		for _, n := range ns {
			if catIs(n, code, needVAT) {
				k++
			}
		}
		return k
	}
	lineCats := func(code string) []*node {
		var out []*node
		for _, ct := range classified {
			if !catIs(ct, code, true) {
				continue
			}
			if it := ct.parent; it != nil && it.name == "cac:Item" && it.parent != nil &&
				(it.parent.name == "cac:InvoiceLine" || it.parent.name == "cac:CreditNoteLine") {
				out = append(out, ct)
			}
		}
		return out
	}

	for _, vc := range vatCats {
		code, p := vc.code, vc.prefix
		// -01: breakdown present for used categories.
		switch code {
		case "S", "L", "M":
			needVAT := code != "S"
			used := len(acCats(code, 0, needVAT)) + count(classified, code, needVAT)
			inBreakdown := count(subtotalCats, code, needVAT)
			if code == "L" {
				inBreakdown = count(subtotalCats, code, false)
			}
			c.check(rid(p, 1), r, (used > 0 && inBreakdown > 0) || (used == 0 && inBreakdown == 0))
		default:
			used := count(allTaxCats, code, true) > 0 || count(classified, code, true) > 0
			c.check(rid(p, 1), r, !used || count(subtotalCats, code, true) == 1)
		}
		// -02..-04: party identifiers.
		var partyOK bool
		switch code {
		case "S", "Z", "E", "L", "M":
			partyOK = sellerAnyTax || repVAT
		case "AE":
			partyOK = (sellerAnyTax || repVAT) && (buyerVAT || buyerLegal)
		case "K":
			partyOK = (sellerVAT || repVAT) && buyerVAT
		case "G":
			partyOK = sellerVAT || repVAT
		case "O":
			partyOK = !sellerVAT && !repVAT && !buyerVAT
		}
		if count(classified, code, true) > 0 {
			c.check(rid(p, 2), r, partyOK)
		}
		if code == "O" {
			if len(rootACCats(r, code, false)) > 0 {
				c.check(rid(p, 3), r, partyOK)
			}
			if len(rootACCats(r, code, true)) > 0 {
				c.check(rid(p, 4), r, partyOK)
			}
		} else {
			if len(acCats(code, 1, true)) > 0 {
				c.check(rid(p, 3), r, partyOK)
			}
			if len(acCats(code, 2, true)) > 0 {
				c.check(rid(p, 4), r, partyOK)
			}
		}
		// -05..-07: rates on lines, allowances, charges.
		rateOK := func(tc *node) bool {
			pct := tc.num("cbc:Percent")
			switch code {
			case "S":
				return pct.gt(intNum(0))
			case "L", "M":
				return pct.ge(intNum(0))
			case "O":
				return !tc.has("cbc:Percent")
			default:
				return pct.eq(intNum(0))
			}
		}
		for _, tc := range lineCats(code) {
			c.check(rid(p, 5), tc, rateOK(tc))
		}
		for _, tc := range acCats(code, 1, true) {
			c.check(rid(p, 6), tc, rateOK(tc))
		}
		for _, tc := range acCats(code, 2, true) {
			c.check(rid(p, 7), tc, rateOK(tc))
		}
		// -08..-10: the breakdown of this category.
		for _, tc := range subtotalCats {
			if !catIs(tc, code, true) {
				continue
			}
			st := tc.parent
			taxable := st.num("cbc:TaxableAmount")
			switch code {
			case "S", "L", "M":
				ok := true
				if pctNode := tc.first("cbc:Percent"); pctNode != nil {
					rate := parseNum(pctNode.value())
					rng := func(lines []*node) bool {
						sum := sumLines(lines, code, &rate).add(sumRootAC(r, code, true, &rate)).sub(sumRootAC(r, code, false, &rate))
						return taxable.sub(intNum(1)).lt(sum) && taxable.add(intNum(1)).gt(sum)
					}
					if code == "S" {
						existsAC := false
						for _, ac := range c.desc("cac:AllowanceCharge") {
							for _, t := range ac.all("cac:TaxCategory") {
								if t.norm("cbc:ID") == code && t.num("cbc:Percent").eq(rate) {
									existsAC = true
								}
							}
						}
						ok = ((existsLine(invLines, code, &rate) || existsAC) && rng(r.all("cac:InvoiceLine"))) ||
							((existsLine(cnLines, code, &rate) || existsAC) && rng(r.all("cac:CreditNoteLine")))
					} else {
						ok = (len(invLines) > 0 && rng(r.all("cac:InvoiceLine"))) || (len(cnLines) > 0 && rng(r.all("cac:CreditNoteLine")))
					}
				}
				c.check(rid(p, 8), tc, ok)
				pct := tc.num("cbc:Percent")
				exp := round2(taxable.abs().mul(pct.div(intNum(100))))
				ta := st.num("cbc:TaxAmount").abs()
				c.check(rid(p, 9), tc, ta.sub(intNum(1)).lt(exp) && ta.add(intNum(1)).gt(exp))
				c.check(rid(p, 10), tc, !tc.has("cbc:TaxExemptionReason") && !tc.has("cbc:TaxExemptionReasonCode"))
			default:
				exact := func(lines []*node) bool {
					sum := sumLines(lines, code, nil).add(sumRootAC(r, code, true, nil)).sub(sumRootAC(r, code, false, nil))
					return taxable.eq(sum)
				}
				c.check(rid(p, 8), tc, (len(invLines) > 0 && exact(r.all("cac:InvoiceLine"))) || (len(cnLines) > 0 && exact(r.all("cac:CreditNoteLine"))))
				c.check(rid(p, 9), tc, st.num("cbc:TaxAmount").eq(intNum(0)))
				if code == "Z" {
					c.check(rid(p, 10), tc, !tc.has("cbc:TaxExemptionReason") && !tc.has("cbc:TaxExemptionReasonCode"))
				} else {
					c.check(rid(p, 10), tc, tc.has("cbc:TaxExemptionReason") || tc.has("cbc:TaxExemptionReasonCode"))
				}
			}
		}
	}
	// Intra-community supply: delivery information.
	if count(subtotalCats, "K", true) > 0 {
		c.check("BR-IC-11", r, len([]rune(r.str("cac:Delivery/cbc:ActualDeliveryDate"))) > 1 || hasChildren(r.all("cac:InvoicePeriod")))
		c.check("BR-IC-12", r, len([]rune(r.str("cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode"))) > 1)
	}
	// Not subject to VAT excludes every other category.
	if count(subtotalCats, "O", true) > 0 {
		other := func(ns []*node) bool {
			for _, n := range ns {
				if isVATScheme(n) && n.norm("cbc:ID") != "O" {
					return true
				}
			}
			return false
		}
		c.check("BR-O-11", r, !other(subtotalCats))
		c.check("BR-O-12", r, !other(classified))
		c.check("BR-O-13", r, !other(acCats2(allTaxCats, false)))
		c.check("BR-O-14", r, !other(acCats2(allTaxCats, true)))
	}
}

func hasChildren(ns []*node) bool {
	for _, n := range ns {
		if len(n.kids) > 0 {
			return true
		}
	}
	return false
}

func acCats2(all []*node, charge bool) []*node {
	var out []*node
	for _, tc := range all {
		if ac := tc.parent; ac != nil && ac.name == "cac:AllowanceCharge" {
			if ch, ok := isCharge(ac); ok && ch == charge {
				out = append(out, tc)
			}
		}
	}
	return out
}

func rootACCats(r *node, code string, charge bool) []*node {
	var out []*node
	for _, ac := range docAC(r, charge) {
		for _, tc := range ac.all("cac:TaxCategory") {
			if catIs(tc, code, true) {
				out = append(out, tc)
			}
		}
	}
	return out
}

// lineMatches mirrors [cac:Item/cac:ClassifiedTaxCategory/normalize-space(cbc:ID)=code]
// [cac:Item/cac:ClassifiedTaxCategory/xs:decimal(cbc:Percent)=$rate].
func lineMatches(l *node, code string, rate *num) bool {
	idOK, rateOK := false, rate == nil
	for _, ct := range l.all("cac:Item/cac:ClassifiedTaxCategory") {
		if ct.norm("cbc:ID") == code {
			idOK = true
		}
		if rate != nil && ct.num("cbc:Percent").eq(*rate) {
			rateOK = true
		}
	}
	return idOK && rateOK
}

func existsLine(lines []*node, code string, rate *num) bool {
	for _, l := range lines {
		if lineMatches(l, code, rate) {
			return true
		}
	}
	return false
}

func sumLines(lines []*node, code string, rate *num) num {
	var sel []*node
	for _, l := range lines {
		if lineMatches(l, code, rate) {
			sel = append(sel, l)
		}
	}
	return sumNodes(sel, "cbc:LineExtensionAmount")
}

func sumRootAC(r *node, code string, charge bool, rate *num) num {
	var sel []*node
	for _, ac := range docAC(r, charge) {
		idOK, rateOK := false, rate == nil
		for _, tc := range ac.all("cac:TaxCategory") {
			if tc.norm("cbc:ID") == code {
				idOK = true
			}
			if rate != nil && tc.num("cbc:Percent").eq(*rate) {
				rateOK = true
			}
		}
		if idOK && rateOK {
			sel = append(sel, ac)
		}
	}
	return sumNodes(sel, "cbc:Amount")
}
