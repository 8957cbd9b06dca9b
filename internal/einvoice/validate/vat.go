package validate

// VAT category rules of EN 16931 (BR-S, BR-Z, BR-E, BR-AE, BR-IC, BR-G,
// BR-O, BR-AF, BR-AG; -01..-10, BR-IC-11/12, BR-O-11..14): one
// implementation for both syntaxes. ublVATView (ubl_vat.go) and ciiVATView
// (cii_cen.go) gather the categories of the two bindings into a vatView;
// where the CEN Schematron bindings differ, the view's lists say which
// nodes a binding counts and its vatBinding says how it formulates a rule.

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

// vatCatNode is one VAT category occurrence (UBL cac:TaxCategory or
// cac:ClassifiedTaxCategory, CII ram:ApplicableTradeTax or
// ram:CategoryTradeTax).
type vatCatNode struct {
	n      *node
	code   string // normalized category code
	vat    bool   // of the VAT scheme (UBL cac:TaxScheme/cbc:ID; always true in CII)
	rate   *node  // first percent element, nil if absent
	exempt bool   // an exemption reason or reason code is present
}

// is reports whether the category has code and, if needVAT, the VAT scheme.
func (t vatCatNode) is(code string, needVAT bool) bool {
	return t.code == code && (t.vat || !needVAT)
}

// vatBreakdownEntry is a breakdown category with its amounts.
type vatBreakdownEntry struct {
	vatCatNode
	taxable *node // BT-116
	tax     *node // BT-117
}

// vatAmount is a line net amount or a document level allowance or charge
// amount (nil if absent) with the categories -08 matches it by.
type vatAmount struct {
	amount *node
	cats   []vatCatNode
}

// vatLineGroup is a set of lines summed together by the -08 rules:
// summed are the lines whose amounts are added, present the lines whose
// existence makes the group count (see vatBinding.lineGroupsConditional).
type vatLineGroup struct {
	summed, present []vatAmount
}

// vatBinding holds how a syntax binding formulates the VAT category rules.
type vatBinding struct {
	// countOccurrences01: the CII binding of the S, L and M "-01" rules
	// asks that a used category have two occurrences counting the
	// breakdown (line categories and allowance/charge categories apart),
	// so a breakdown without lines (BASIC WL) passes, and BR-O-01 holds
	// whenever there is no O breakdown. The UBL binding asks for used
	// categories and breakdown entries to be both present or both absent.
	countOccurrences01 bool
	// inclusive: the -08 and -09 ranges accept a difference of exactly 1
	// (CII); UBL's bounds are exclusive.
	inclusive bool
	// strictSums: a matching line or allowance/charge without an amount
	// makes the -08 sum invalid (CII); UBL leaves it out.
	strictSums bool
	// rateOptional08: the S, L and M "-08" rules also apply to a breakdown
	// entry without a rate, then matching regardless of rate (CII); in the
	// UBL binding they hold for such an entry.
	rateOptional08 bool
	// lineGroupsConditional: a line group counts for -08 only if it has
	// present lines and, for S, a line or allowance/charge of the category
	// and rate (UBL: invoice lines and credit note lines apart).
	lineGroupsConditional bool
}

var (
	ublVATBinding = vatBinding{lineGroupsConditional: true}
	ciiVATBinding = vatBinding{countOccurrences01: true, inclusive: true, strictSums: true, rateOptional08: true}
)

// vatView is the syntax-neutral input of vatCategoryRules.
type vatView struct {
	binding vatBinding

	// Party identifiers of the -02..-04 rules.
	sellerTaxID bool // UBL: any cac:PartyTaxScheme/cbc:CompanyID; CII: schemeID VA or FC
	sellerVATID bool
	repVATID    bool
	buyerVATID  bool
	buyerLegal  bool

	breakdown []vatBreakdownEntry
	// itemCats are the item categories -01, -02 and BR-O-12 count (UBL:
	// every cac:ClassifiedTaxCategory; CII: the line categories),
	// lineCats those -05 checks (UBL: of line items only).
	itemCats, lineCats []vatCatNode
	// acCats are the allowance/charge categories -01 counts for S, L and M
	// (UBL: of every cac:AllowanceCharge, whatever its indicator; CII:
	// every ram:CategoryTradeTax), taxCats those it counts for the other
	// codes (UBL: every cac:TaxCategory, the breakdown included; CII:
	// every ram:CategoryTradeTax). UBL's BR-S-08 also asks acCats whether
	// an allowance or charge of the rate exists.
	acCats, taxCats []vatCatNode
	// allowCats and chargeCats are the allowance and charge categories of
	// -03/-04, -06/-07 and BR-O-13/14 (UBL: at any depth; CII: document
	// level); docAllowCats and docChargeCats those of BR-O-03/04, where
	// the UBL binding looks at document level only.
	allowCats, chargeCats, docAllowCats, docChargeCats []vatCatNode

	// Amounts summed by -08.
	lineGroups []vatLineGroup
	allowances []vatAmount // document level
	charges    []vatAmount // document level

	deliveryDate    bool // BR-IC-11: a delivery date or an invoicing period
	deliveryCountry bool // BR-IC-12: a deliver-to country code of more than one character
}

func countCats(ns []vatCatNode, code string, needVAT bool) int {
	k := 0
	for _, n := range ns {
		if n.is(code, needVAT) {
			k++
		}
	}
	return k
}

func filterCats(ns []vatCatNode, code string) []vatCatNode {
	var out []vatCatNode
	for _, n := range ns {
		if n.is(code, true) {
			out = append(out, n)
		}
	}
	return out
}

// matches mirrors the -08 predicates [category = code][percent = rate]:
// some category has the code and some has the rate (nil: any rate).
func (a vatAmount) matches(code string, rate *num) bool {
	idOK, rateOK := false, rate == nil
	for _, t := range a.cats {
		if t.code == code {
			idOK = true
		}
		if rate != nil && t.rate.decimal().eq(*rate) {
			rateOK = true
		}
	}
	return idOK && rateOK
}

// vatCategoryRules runs the VAT category rules on v.
func (c *checker) vatCategoryRules(v *vatView) {
	r, b := c.root, v.binding
	within := func(a, x num) bool { // |a - x| < 1, or <= 1 if inclusive
		if b.inclusive {
			return a.sub(intNum(1)).le(x) && a.add(intNum(1)).ge(x)
		}
		return a.sub(intNum(1)).lt(x) && a.add(intNum(1)).gt(x)
	}
	var bdCats []vatCatNode
	for _, e := range v.breakdown {
		bdCats = append(bdCats, e.vatCatNode)
	}
	for _, vc := range vatCats {
		code, p := vc.code, vc.prefix
		// -01: breakdown present for used categories.
		nBD := countCats(bdCats, code, true)
		switch {
		case code == "S" || code == "L" || code == "M":
			// The UBL binding counts S in any scheme, L and M (except L's
			// breakdown) in the VAT scheme only; all CII categories are VAT.
			needVAT := code != "S"
			nAC, nItem := countCats(v.acCats, code, needVAT), countCats(v.itemCats, code, needVAT)
			inBD := countCats(bdCats, code, needVAT && code != "L")
			if b.countOccurrences01 {
				c.check(rid(p, 1), r, (nItem+inBD >= 2 || nItem == 0) && (nAC+inBD >= 2 || nAC == 0))
			} else {
				used := nAC + nItem
				c.check(rid(p, 1), r, (used > 0 && inBD > 0) || (used == 0 && inBD == 0))
			}
		default:
			used := countCats(v.taxCats, code, true) > 0 || countCats(v.itemCats, code, true) > 0
			ok := (nBD == 0 && !used) || (nBD == 1 && used)
			if code == "O" && b.countOccurrences01 {
				ok = nBD == 0 || (nBD == 1 && used)
			}
			c.check(rid(p, 1), r, ok)
		}
		// -02..-04: party identifiers.
		var partyOK bool
		switch code {
		case "S", "Z", "E", "L", "M":
			partyOK = v.sellerTaxID || v.repVATID
		case "AE":
			partyOK = (v.sellerTaxID || v.repVATID) && (v.buyerVATID || v.buyerLegal)
		case "K":
			partyOK = (v.sellerVATID || v.repVATID) && v.buyerVATID
		case "G":
			partyOK = v.sellerVATID || v.repVATID
		case "O":
			partyOK = !v.sellerVATID && !v.repVATID && !v.buyerVATID
		}
		if countCats(v.itemCats, code, true) > 0 {
			c.check(rid(p, 2), r, partyOK)
		}
		allow03, charge04 := v.allowCats, v.chargeCats
		if code == "O" {
			allow03, charge04 = v.docAllowCats, v.docChargeCats
		}
		if countCats(allow03, code, true) > 0 {
			c.check(rid(p, 3), r, partyOK)
		}
		if countCats(charge04, code, true) > 0 {
			c.check(rid(p, 4), r, partyOK)
		}
		// -05..-07: rates on lines, allowances, charges.
		rateOK := func(t vatCatNode) bool {
			pct := t.rate.decimal()
			switch code {
			case "S":
				return pct.gt(intNum(0))
			case "L", "M":
				return pct.ge(intNum(0))
			case "O":
				return t.rate == nil
			default:
				return pct.eq(intNum(0))
			}
		}
		for _, t := range filterCats(v.lineCats, code) {
			c.check(rid(p, 5), t.n, rateOK(t))
		}
		for _, t := range filterCats(v.allowCats, code) {
			c.check(rid(p, 6), t.n, rateOK(t))
		}
		for _, t := range filterCats(v.chargeCats, code) {
			c.check(rid(p, 7), t.n, rateOK(t))
		}
		// -08..-10: the breakdown of this category.
		for _, e := range v.breakdown {
			if !e.is(code, true) {
				continue
			}
			taxable := e.taxable.decimal()
			switch code {
			case "S", "L", "M":
				ok := true
				if e.rate != nil || b.rateOptional08 {
					var rate *num
					if e.rate != nil {
						x := e.rate.decimal()
						rate = &x
					}
					ok = c.vatBasisOK(v, code, rate, func(sum num) bool { return within(taxable, sum) })
				}
				c.check(rid(p, 8), e.n, ok)
				exp := round2(taxable.abs().mul(e.rate.decimal().div(intNum(100))))
				c.check(rid(p, 9), e.n, within(e.tax.decimal().abs(), exp))
				c.check(rid(p, 10), e.n, !e.exempt)
			default:
				c.check(rid(p, 8), e.n, c.vatBasisOK(v, code, nil, taxable.eq))
				c.check(rid(p, 9), e.n, e.tax.decimal().eq(intNum(0)))
				c.check(rid(p, 10), e.n, e.exempt == (code != "Z"))
			}
		}
		// Intra-community supply: delivery information.
		if code == "K" && nBD > 0 {
			c.check("BR-IC-11", r, v.deliveryDate)
			c.check("BR-IC-12", r, v.deliveryCountry)
		}
		// Not subject to VAT excludes every other category.
		if code == "O" && nBD > 0 {
			other := func(ns []vatCatNode) bool {
				for _, n := range ns {
					if n.vat && n.code != "O" {
						return true
					}
				}
				return false
			}
			c.check("BR-O-11", r, !other(bdCats))
			c.check("BR-O-12", r, !other(v.itemCats))
			c.check("BR-O-13", r, !other(v.allowCats))
			c.check("BR-O-14", r, !other(v.chargeCats))
		}
	}
}

// vatBasisOK is the -08 test: for some line group, the line nets plus the
// document level charges minus the allowances of the category (and rate,
// if not nil) satisfy cmp.
func (c *checker) vatBasisOK(v *vatView, code string, rate *num, cmp func(num) bool) bool {
	b := v.binding
	sum := func(as []vatAmount) num {
		s := intNum(0)
		for _, a := range as {
			if !a.matches(code, rate) {
				continue
			}
			if a.amount == nil {
				if b.strictSums {
					return num{}
				}
				continue
			}
			s = s.add(a.amount.decimal())
		}
		return s
	}
	acs := sum(v.charges).sub(sum(v.allowances))
	existsAC := false
	if b.lineGroupsConditional && code == "S" {
		for _, t := range v.acCats {
			if t.code == code && t.rate.decimal().eq(*rate) {
				existsAC = true
			}
		}
	}
	for _, g := range v.lineGroups {
		if b.lineGroupsConditional {
			if code == "S" {
				exists := existsAC
				for _, l := range g.present {
					if l.matches(code, rate) {
						exists = true
					}
				}
				if !exists {
					continue
				}
			} else if len(g.present) == 0 {
				continue
			}
		}
		if cmp(sum(g.summed).add(acs)) {
			return true
		}
	}
	return false
}
