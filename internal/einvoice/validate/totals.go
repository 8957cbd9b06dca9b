package validate

// Document totals rules of EN 16931 (BR-12..BR-15, BR-CO-10..BR-CO-16,
// BR-CO-25, BR-DEC-09..BR-DEC-18): one implementation for both syntaxes.
// ublTotalsView and ciiTotalsView gather the nodes of the two bindings into
// a totalsView; where the CEN Schematron bindings differ, the view says so
// (contexts, which nodes are counted, co16 and vatTotalOptional).

// monetaryTotal is one document totals group (UBL cac:LegalMonetaryTotal,
// CII ram:SpecifiedTradeSettlementHeaderMonetarySummation) with the first
// node of each amount, nil where absent.
type monetaryTotal struct {
	ctx          *node
	lineNet      *node // BT-106
	allowances   *node // BT-107
	charges      *node // BT-108
	taxExclusive *node // BT-109
	taxInclusive *node // BT-112
	prepaid      *node // BT-113
	rounding     *node // BT-114
	payable      *node // BT-115
}

// vatTotalCheck is one BR-CO-14 context: the VAT total and the tax amounts
// of the breakdown it must equal.
type vatTotalCheck struct {
	ctx   *node
	total *node   // BT-110
	parts []*node // BT-117 of every breakdown entry that has one
}

// grandTotalCheck is one BR-CO-15 context.
type grandTotalCheck struct {
	ctx          *node
	taxInclusive *node   // BT-112
	taxExclusive *node   // BT-109
	vatTotals    []*node // BT-110 in the document currency
}

// ctxNode is a node checked in the context of another one.
type ctxNode struct{ ctx, n *node }

// co16Form is how a binding formulates BR-CO-16.
type co16Form int

const (
	// co16ByPresence: the UBL assertion distinguishes the four cases of
	// BT-113 and BT-114 being present; without BT-114, BT-115 is compared
	// with BT-112 - BT-113 (not rounded when both are absent), with it
	// round(BT-115 - BT-114) with the rounded BT-112 - BT-113.
	co16ByPresence co16Form = iota
	// co16Sum: the CII assertion compares BT-115 with the rounded
	// BT-112 - BT-113 + BT-114, an absent amount counting as zero.
	co16Sum
)

// totalsView is the syntax-neutral input of totalsRules.
type totalsView struct {
	totals []monetaryTotal
	// lineNets are the line net amounts (BT-131) summed by BR-CO-10.
	lineNets []*node
	// nAllowances and nCharges count the document level allowances and
	// charges, allowanceAmounts and chargeAmounts are their amounts
	// (BT-92, BT-99) where present (BR-CO-11, BR-CO-12).
	nAllowances, nCharges           int
	allowanceAmounts, chargeAmounts []*node
	vatTotals                       []vatTotalCheck   // BR-CO-14
	grandTotals                     []grandTotalCheck // BR-CO-15
	// vatTotalOptional: BR-CO-15 holds without a VAT total in the document
	// currency, which then counts as zero (CII); otherwise exactly one is
	// required (UBL).
	vatTotalOptional bool
	co16             co16Form
	// payables are the BR-CO-25 contexts with their amount due (BT-115);
	// paymentTerms says whether a due date (BT-9) or payment terms (BT-20)
	// are present.
	payables     []ctxNode
	paymentTerms bool
	// vatInDocCur and vatInTaxCur are the VAT totals in the document and in
	// the VAT accounting currency (BR-DEC-13, BR-DEC-15).
	vatInDocCur, vatInTaxCur []ctxNode
}

// totalsRules runs the document totals rules on v.
func (c *checker) totalsRules(v *totalsView) {
	for _, t := range v.totals {
		c.check("BR-12", t.ctx, t.lineNet != nil)
		c.check("BR-13", t.ctx, t.taxExclusive != nil)
		c.check("BR-14", t.ctx, t.taxInclusive != nil)
		c.check("BR-15", t.ctx, t.payable != nil)
		lea := t.lineNet.decimal()
		c.check("BR-CO-10", t.ctx, lea.eq(round2(sumNodes(v.lineNets, ""))))
		at, ct := t.allowances.decimal(), t.charges.decimal()
		if t.allowances != nil || v.nAllowances > 0 {
			c.check("BR-CO-11", t.ctx, at.eq(round2(sumNodes(v.allowanceAmounts, ""))))
		}
		if t.charges != nil || v.nCharges > 0 {
			c.check("BR-CO-12", t.ctx, ct.eq(round2(sumNodes(v.chargeAmounts, ""))))
		}
		excl := t.taxExclusive.decimal()
		var ok13 bool
		switch hasC, hasA := t.charges != nil, t.allowances != nil; {
		case hasC && hasA:
			ok13 = excl.eq(round2(lea.add(ct).sub(at)))
		case hasA:
			ok13 = excl.eq(round2(lea.sub(at)))
		case hasC:
			ok13 = excl.eq(round2(lea.add(ct)))
		default:
			ok13 = excl.eq(lea)
		}
		c.check("BR-CO-13", t.ctx, ok13)
	}
	for _, t := range v.vatTotals {
		c.check("BR-CO-14", t.ctx, t.total.decimal().eq(round2(sumNodes(t.parts, ""))))
	}
	for _, g := range v.grandTotals {
		ok := len(g.vatTotals) == 1 || len(g.vatTotals) == 0 && v.vatTotalOptional
		if ok {
			tax := intNum(0)
			if len(g.vatTotals) > 0 {
				tax = g.vatTotals[0].decimal()
			}
			ok = g.taxInclusive.decimal().eq(round2(g.taxExclusive.decimal().add(tax)))
		}
		c.check("BR-CO-15", g.ctx, ok)
	}
	for _, t := range v.totals {
		c.check("BR-CO-16", t.ctx, co16OK(v.co16, t))
	}
	for _, p := range v.payables {
		if p.n.decimal().gt(intNum(0)) {
			c.check("BR-CO-25", p.ctx, v.paymentTerms)
		}
	}
	for _, t := range v.totals {
		for _, f := range []struct {
			rule string
			n    *node
		}{
			{"BR-DEC-09", t.lineNet}, {"BR-DEC-10", t.allowances},
			{"BR-DEC-11", t.charges}, {"BR-DEC-12", t.taxExclusive},
			{"BR-DEC-14", t.taxInclusive}, {"BR-DEC-16", t.prepaid},
			{"BR-DEC-17", t.rounding}, {"BR-DEC-18", t.payable},
		} {
			c.check(f.rule, t.ctx, decimalsOK(f.n.value(), 2))
		}
	}
	for _, x := range v.vatInDocCur {
		c.check("BR-DEC-13", x.ctx, decimalsOK(x.n.value(), 2))
	}
	for _, x := range v.vatInTaxCur {
		c.check("BR-DEC-15", x.ctx, decimalsOK(x.n.value(), 2))
	}
}

func co16OK(form co16Form, t monetaryTotal) bool {
	incl, pay := t.taxInclusive.decimal(), t.payable.decimal()
	if form == co16Sum {
		pre, rnd := intNum(0), intNum(0)
		if t.prepaid != nil {
			pre = t.prepaid.decimal()
		}
		if t.rounding != nil {
			rnd = t.rounding.decimal()
		}
		return pay.eq(round2(incl.sub(pre).add(rnd)))
	}
	pre, rnd := t.prepaid.decimal(), t.rounding.decimal()
	switch hasP, hasR := t.prepaid != nil, t.rounding != nil; {
	case hasP && !hasR:
		return pay.eq(round2(incl.sub(pre)))
	case !hasP && !hasR:
		return pay.eq(incl)
	case hasP && hasR:
		return round2(pay.sub(rnd)).eq(round2(incl.sub(pre)))
	default:
		return round2(pay.sub(rnd)).eq(incl)
	}
}

// amounts returns the first node on path below each of ns, where present.
func amounts(ns []*node, path string) []*node {
	var out []*node
	for _, n := range ns {
		if m := n.first(path); m != nil {
			out = append(out, m)
		}
	}
	return out
}

// ublTotalsView is the UBL binding of the totals rules.
func (c *checker) ublTotalsView() *totalsView {
	r := c.root
	v := &totalsView{co16: co16ByPresence}
	for _, t := range r.all("cac:LegalMonetaryTotal") {
		v.totals = append(v.totals, monetaryTotal{ctx: t,
			lineNet: t.first("cbc:LineExtensionAmount"), allowances: t.first("cbc:AllowanceTotalAmount"),
			charges: t.first("cbc:ChargeTotalAmount"), taxExclusive: t.first("cbc:TaxExclusiveAmount"),
			taxInclusive: t.first("cbc:TaxInclusiveAmount"), prepaid: t.first("cbc:PrepaidAmount"),
			rounding: t.first("cbc:PayableRoundingAmount"), payable: t.first("cbc:PayableAmount")})
	}
	// BR-CO-10 sums the lines at any depth (//cac:InvoiceLine, then
	// //cac:CreditNoteLine).
	for _, l := range c.desc("cac:InvoiceLine") {
		v.lineNets = append(v.lineNets, l.all("cbc:LineExtensionAmount")...)
	}
	for _, l := range c.desc("cac:CreditNoteLine") {
		v.lineNets = append(v.lineNets, l.all("cbc:LineExtensionAmount")...)
	}
	allow, charge := docAC(r, false), docAC(r, true)
	v.nAllowances, v.allowanceAmounts = len(allow), amounts(allow, "cbc:Amount")
	v.nCharges, v.chargeAmounts = len(charge), amounts(charge, "cbc:Amount")
	// BR-CO-14 per cac:TaxTotal with a breakdown.
	for _, tt := range r.all("cac:TaxTotal") {
		if tt.has("cac:TaxSubtotal") {
			v.vatTotals = append(v.vatTotals, vatTotalCheck{ctx: tt, total: tt.first("cbc:TaxAmount"),
				parts: amounts(tt.all("cac:TaxSubtotal"), "cbc:TaxAmount")})
		}
	}
	// BR-CO-15 in the context of the root, once per document currency code.
	lmt := r.child("cac:LegalMonetaryTotal")
	for _, cur := range r.all("cbc:DocumentCurrencyCode") {
		g := grandTotalCheck{ctx: r, taxInclusive: lmt.first("cbc:TaxInclusiveAmount"), taxExclusive: lmt.first("cbc:TaxExclusiveAmount")}
		for _, ta := range r.all("cac:TaxTotal/cbc:TaxAmount") {
			if id, ok := ta.attr("currencyID"); ok && id == cur.value() {
				g.vatTotals = append(g.vatTotals, ta)
			}
		}
		v.grandTotals = append(v.grandTotals, g)
	}
	// BR-CO-25 applies to Invoice only in the UBL binding, in the context
	// of the amount due.
	if r.name == "ubl:Invoice" {
		for _, pa := range r.all("cac:LegalMonetaryTotal/cbc:PayableAmount") {
			v.payables = append(v.payables, ctxNode{ctx: pa, n: pa})
		}
		v.paymentTerms = len(c.desc("cbc:DueDate")) > 0 || len(r.all("cac:PaymentTerms/cbc:Note")) > 0 || hasDescPath(c, "cac:PaymentTerms", "cbc:Note")
	}
	cur, tcur := r.str("cbc:DocumentCurrencyCode"), r.str("cbc:TaxCurrencyCode")
	for _, ta := range r.all("cac:TaxTotal/cbc:TaxAmount") {
		id, _ := ta.attr("currencyID")
		if r.has("cbc:DocumentCurrencyCode") && id == cur {
			v.vatInDocCur = append(v.vatInDocCur, ctxNode{ctx: r, n: ta})
		}
		if r.has("cbc:TaxCurrencyCode") && id == tcur {
			v.vatInTaxCur = append(v.vatInTaxCur, ctxNode{ctx: r, n: ta})
		}
	}
	return v
}

// ciiTotalsView is the CII binding of the totals rules: every rule in the
// context of the monetary summation.
func (c *checker) ciiTotalsView() *totalsView {
	r := c.root
	v := &totalsView{co16: co16Sum, vatTotalOptional: true}
	v.lineNets = r.all(ciiLI + "/ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount")
	allow, charge := c.ciiDocAC(false), c.ciiDocAC(true)
	v.nAllowances, v.allowanceAmounts = len(allow), amounts(allow, "ram:ActualAmount")
	v.nCharges, v.chargeAmounts = len(charge), amounts(charge, "ram:ActualAmount")
	breakdown := amounts(r.all(ciiHS+"/ram:ApplicableTradeTax"), "ram:CalculatedAmount")
	cur := r.str(ciiHS + "/ram:InvoiceCurrencyCode")
	v.paymentTerms = r.has(ciiHS+"/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime") ||
		r.has(ciiHS+"/ram:SpecifiedTradePaymentTerms/ram:Description")
	for _, ms := range r.all(ciiMS) {
		v.totals = append(v.totals, monetaryTotal{ctx: ms,
			lineNet: ms.first("ram:LineTotalAmount"), allowances: ms.first("ram:AllowanceTotalAmount"),
			charges: ms.first("ram:ChargeTotalAmount"), taxExclusive: ms.first("ram:TaxBasisTotalAmount"),
			taxInclusive: ms.first("ram:GrandTotalAmount"), prepaid: ms.first("ram:TotalPrepaidAmount"),
			rounding: ms.first("ram:RoundingAmount"), payable: ms.first("ram:DuePayableAmount")})
		var taxDoc []*node
		for _, t := range ms.all("ram:TaxTotalAmount") {
			if a, _ := t.attr("currencyID"); a == cur {
				taxDoc = append(taxDoc, t)
				v.vatInDocCur = append(v.vatInDocCur, ctxNode{ctx: ms, n: t})
			}
		}
		if len(taxDoc) > 0 {
			v.vatTotals = append(v.vatTotals, vatTotalCheck{ctx: ms, total: taxDoc[0], parts: breakdown})
		}
		v.grandTotals = append(v.grandTotals, grandTotalCheck{ctx: ms,
			taxInclusive: ms.first("ram:GrandTotalAmount"), taxExclusive: ms.first("ram:TaxBasisTotalAmount"), vatTotals: taxDoc})
		v.payables = append(v.payables, ctxNode{ctx: ms, n: ms.first("ram:DuePayableAmount")})
	}
	return v
}

// breakdownEntry is one VAT breakdown entry (UBL cac:TaxSubtotal, CII
// header ram:ApplicableTradeTax) with the first node of each of its
// elements, nil where absent.
type breakdownEntry struct {
	ctx     *node
	taxable *node // BT-116
	tax     *node // BT-117
	code    *node // BT-118
	rate    *node // BT-119
}

// breakdownRules runs BR-45..BR-48, BR-DEC-19, BR-DEC-20 and BR-CO-17 on
// the VAT breakdown. inclusive selects the bounds of BR-CO-17: the CII
// binding accepts a difference of exactly 1, the UBL binding does not.
func (c *checker) breakdownRules(bd []breakdownEntry, inclusive bool) {
	for _, b := range bd {
		c.check("BR-45", b.ctx, b.taxable != nil)
		c.check("BR-46", b.ctx, b.tax != nil)
		c.check("BR-47", b.ctx, b.code != nil)
		c.check("BR-48", b.ctx, b.rate != nil || normSpace(b.code.value()) == "O")
		c.check("BR-DEC-19", b.ctx, decimalsOK(b.taxable.value(), 2))
		c.check("BR-DEC-20", b.ctx, decimalsOK(b.tax.value(), 2))
		ta, pct := b.tax.decimal(), b.rate.decimal()
		var ok bool
		switch {
		case pct.ok && xround(pct).sign() == 0:
			ok = ta.ok && xround(ta).sign() == 0
		case pct.ok:
			exp := round2(b.taxable.decimal().abs().mul(pct.div(intNum(100))))
			a := ta.abs()
			if inclusive {
				ok = a.sub(intNum(1)).le(exp) && a.add(intNum(1)).ge(exp)
			} else {
				ok = a.sub(intNum(1)).lt(exp) && a.add(intNum(1)).gt(exp)
			}
		default:
			ok = ta.ok && xround(ta).sign() == 0
		}
		c.check("BR-CO-17", b.ctx, ok)
	}
}

// ublBreakdown is the UBL binding of the breakdown: the category is the
// (last) cac:TaxCategory of the VAT scheme.
func ublBreakdown(r *node) []breakdownEntry {
	var out []breakdownEntry
	for _, st := range r.all("cac:TaxTotal/cac:TaxSubtotal") {
		var vatCat *node
		for _, tc := range st.all("cac:TaxCategory") {
			if isVATScheme(tc) {
				vatCat = tc
			}
		}
		out = append(out, breakdownEntry{ctx: st, taxable: st.first("cbc:TaxableAmount"), tax: st.first("cbc:TaxAmount"),
			code: vatCat.first("cbc:ID"), rate: vatCat.first("cbc:Percent")})
	}
	return out
}

// ciiBreakdown is the CII binding of the breakdown.
func ciiBreakdown(r *node) []breakdownEntry {
	var out []breakdownEntry
	for _, t := range r.all(ciiHS + "/ram:ApplicableTradeTax") {
		out = append(out, breakdownEntry{ctx: t, taxable: t.first("ram:BasisAmount"), tax: t.first("ram:CalculatedAmount"),
			code: t.first("ram:CategoryCode"), rate: t.first("ram:RateApplicablePercent")})
	}
	return out
}
