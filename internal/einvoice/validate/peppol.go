package validate

import (
	"math/big"
	"regexp"
	"strings"
)

// Peppol BIS rules (PEPPOL-EN16931-R*) that the XRechnung Schematron includes.

var reProfile = regexp.MustCompile(`^urn:fdc:peppol\.eu:2017:poacc:billing:(\d{2}):1\.0$`)

// slack mirrors u:slack(exp, val, slack): |exp - val| <= slack.
func slack(exp, val, s num) bool {
	return exp.ok && val.ok && exp.add(s).ge(val) && exp.sub(s).le(val)
}

var cent2 = num{r: ratTwoCents(), ok: true}

// slackFor is the tolerance of R040/R120: half a unit for currencies without
// minor units (as the XRechnung HUF tests require), else 0.02.
func slackFor(currency string) num {
	if zeroDecimalCurrencies[strings.TrimSpace(currency)] {
		return num{r: big.NewRat(1, 2), ok: true}
	}
	return cent2
}

var zeroDecimalCurrencies = set("BIF CLP DJF GNF HUF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF")

func nums(ns []*node) []num {
	out := make([]num, 0, len(ns))
	for _, n := range ns {
		out = append(out, parseNum(n.value()))
	}
	return out
}

// sameSign is PEPPOL-EN16931-R055; a missing amount is not compared.
func sameSign(a, b []num) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	for _, x := range a {
		for _, y := range b {
			if !x.ok || !y.ok {
				continue
			}
			if (x.sign() <= 0 && y.sign() <= 0) || (x.sign() >= 0 && y.sign() >= 0) {
				return true
			}
		}
	}
	return false
}

func (c *checker) emptyElements() {
	stack := []*node{c.root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		// CII allows an empty ApplicableHeaderTradeDelivery (mandatory in the XSD).
		if len(n.kids) == 0 && strings.TrimSpace(n.text) == "" && n.name != "ram:ApplicableHeaderTradeDelivery" {
			c.fail("PEPPOL-EN16931-R008", n)
		}
		for i := len(n.kids) - 1; i >= 0; i-- {
			stack = append(stack, n.kids[i])
		}
	}
}

func (c *checker) ublPeppol() {
	r := c.root
	c.slack = slackFor(r.str("cbc:DocumentCurrencyCode"))
	c.check("PEPPOL-EN16931-R001", r, r.has("cbc:ProfileID"))
	if r.has("cbc:ProfileID") {
		c.check("PEPPOL-EN16931-R007", r, reProfile.MatchString(normSpace(r.str("cbc:ProfileID"))))
	}
	sc := r.norm("cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode")
	bc := r.norm("cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode")
	c.check("PEPPOL-EN16931-R002", r, len(r.all("cbc:Note")) <= 1 || (sc == "DE" && bc == "DE"))
	c.check("PEPPOL-EN16931-R003", r, r.has("cbc:BuyerReference") || r.has("cac:OrderReference/cbc:ID"))
	if r.has("cbc:TaxCurrencyCode") {
		c.check("PEPPOL-EN16931-R005", r, r.norm("cbc:TaxCurrencyCode") != r.norm("cbc:DocumentCurrencyCode"))
	}
	n130 := 0
	for _, d := range r.all("cac:AdditionalDocumentReference") {
		if d.norm("cbc:DocumentTypeCode") == "130" {
			n130++
		}
	}
	c.check("PEPPOL-EN16931-R006", r, n130 <= 1)
	c.emptyElements()
	c.check("PEPPOL-EN16931-R010", r, r.has("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID"))
	c.check("PEPPOL-EN16931-R020", r, r.has("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID"))
	c.check("PEPPOL-EN16931-R080", r, len(r.all("cac:ProjectReference")) <= 1)
	// Allowances and charges anywhere.
	for _, ac := range c.desc("cac:AllowanceCharge") {
		mf, ba := ac.first("cbc:MultiplierFactorNumeric"), ac.first("cbc:BaseAmount")
		priceLevel := ac.parent != nil && ac.parent.name == "cac:Price"
		if mf != nil && ba != nil && !priceLevel {
			amt := intNum(0)
			if ac.has("cbc:Amount") {
				amt = ac.num("cbc:Amount")
			}
			c.check("PEPPOL-EN16931-R040", ac, slack(amt, parseNum(ba.value()).mul(parseNum(mf.value())).div(intNum(100)), c.slack))
		}
		if !priceLevel {
			c.check("PEPPOL-EN16931-R041", ac, mf == nil || ba != nil)
			c.check("PEPPOL-EN16931-R042", ac, ba == nil || mf != nil)
		}
		ind := ac.norm("cbc:ChargeIndicator")
		c.check("PEPPOL-EN16931-R043", ac, ind == "true" || ind == "false")
		if ac.parent != nil && ac.parent.name == "cac:Price" {
			c.check("PEPPOL-EN16931-R044", ac, ind == "false")
			if ba != nil {
				c.check("PEPPOL-EN16931-R046", ac, ac.parent.num("cbc:PriceAmount").eq(parseNum(ba.value()).sub(ac.num("cbc:Amount"))))
			}
		}
	}
	// Currencies.
	doc := r.str("cbc:DocumentCurrencyCode")
	tax := r.str("cbc:TaxCurrencyCode")
	stack := []*node{r}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if cur, ok := n.attr("currencyID"); ok && cur != doc {
			isBT111 := n.name == "cbc:TaxAmount" && n.parent != nil && n.parent.name == "cac:TaxTotal" && n.parent.parent == r && cur == tax
			c.check("PEPPOL-EN16931-R051", n, isBT111)
		}
		stack = append(stack, n.kids...)
	}
	withSub, without := 0, 0
	for _, tt := range r.all("cac:TaxTotal") {
		if tt.has("cac:TaxSubtotal") {
			withSub++
		} else {
			without++
		}
	}
	c.check("PEPPOL-EN16931-R053", r, withSub == 1)
	want := 0
	if r.has("cbc:TaxCurrencyCode") {
		want = 1
	}
	c.check("PEPPOL-EN16931-R054", r, without == want)
	if r.has("cbc:TaxCurrencyCode") {
		var a, b []num
		for _, ta := range r.all("cac:TaxTotal/cbc:TaxAmount") {
			cur, _ := ta.attr("currencyID")
			if cur == normSpace(tax) {
				a = append(a, parseNum(ta.value()))
			}
			if cur == normSpace(doc) {
				b = append(b, parseNum(ta.value()))
			}
		}
		c.check("PEPPOL-EN16931-R055", r, sameSign(a, b))
	}
	for _, pm := range r.all("cac:PaymentMeans") {
		code := pm.norm("cbc:PaymentMeansCode")
		if code == "49" || code == "59" {
			c.check("PEPPOL-EN16931-R061", pm, pm.has("cac:PaymentMandate/cbc:ID"))
		}
	}
	ps, pe := r.first("cac:InvoicePeriod/cbc:StartDate"), r.first("cac:InvoicePeriod/cbc:EndDate")
	for _, l := range ublLines(r) {
		c.check("PEPPOL-EN16931-R100", l, len(l.all("cac:DocumentReference")) <= 1)
		for _, d := range l.all("cac:DocumentReference") {
			c.check("PEPPOL-EN16931-R101", d, d.str("cbc:DocumentTypeCode") == "130")
		}
		for _, p := range l.all("cac:InvoicePeriod") {
			if s := p.first("cbc:StartDate"); s != nil && ps != nil {
				c.check("PEPPOL-EN16931-R110", p, strings.TrimSpace(s.value()) >= strings.TrimSpace(ps.value()))
			}
			if e := p.first("cbc:EndDate"); e != nil && pe != nil {
				c.check("PEPPOL-EN16931-R111", p, strings.TrimSpace(e.value()) <= strings.TrimSpace(pe.value()))
			}
		}
		c.lineArithmetic(l, "cbc:LineExtensionAmount", firstOf(l, "cbc:InvoicedQuantity", "cbc:CreditedQuantity"),
			l.first("cac:Price/cbc:PriceAmount"), l.first("cac:Price/cbc:BaseQuantity"),
			childAC(l, false), childAC(l, true), "cbc:Amount")
		if bq := l.first("cac:Price/cbc:BaseQuantity"); bq != nil {
			c.check("PEPPOL-EN16931-R121", l, parseNum(bq.value()).gt(intNum(0)))
			if bu, ok := bq.attr("unitCode"); ok {
				q := firstOf(l, "cbc:InvoicedQuantity", "cbc:CreditedQuantity")
				qu, _ := q.attr("unitCode")
				c.check("PEPPOL-EN16931-R130", l, bu == qu)
			}
		}
	}
	for _, name := range []string{"cbc:IssueDate", "cbc:DueDate", "cbc:TaxPointDate", "cbc:StartDate", "cbc:EndDate", "cbc:ActualDeliveryDate", "cbc:PaymentDueDate"} {
		for _, d := range c.desc(name) {
			c.check("PEPPOL-EN16931-F001", d, isISODate(d.value()))
		}
	}
}

func firstOf(n *node, names ...string) *node {
	for _, name := range names {
		if m := n.first(name); m != nil {
			return m
		}
	}
	return nil
}

func anyNum(ns []num, f func(num) bool) bool {
	for _, n := range ns {
		if f(n) {
			return true
		}
	}
	return false
}

var reISODate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func isISODate(s string) bool {
	if !reISODate.MatchString(s) {
		return false
	}
	m, d := (s[5]-'0')*10+(s[6]-'0'), (s[8]-'0')*10+(s[9]-'0')
	return m >= 1 && m <= 12 && d >= 1 && d <= 31
}

// lineArithmetic is PEPPOL-EN16931-R120: line net = quantity × (price /
// base quantity) + charges − allowances, within 0.02.
func (c *checker) lineArithmetic(l *node, netPath string, qty, price, base *node, allow, charge []*node, amtPath string) {
	net := intNum(0)
	if l.has(netPath) {
		net = l.num(netPath)
	}
	q := intNum(1)
	if qty != nil {
		q = parseNum(qty.value())
	}
	p := intNum(0)
	if price != nil {
		p = parseNum(price.value())
	}
	b := intNum(1)
	if base != nil {
		if v := parseNum(base.value()); v.ok && v.sign() != 0 {
			b = v
		}
	}
	at, ct := intNum(0), intNum(0)
	if len(allow) > 0 {
		at = round2(sumNodes(allow, amtPath))
	}
	if len(charge) > 0 {
		ct = round2(sumNodes(charge, amtPath))
	}
	c.check("PEPPOL-EN16931-R120", l, slack(net, q.mul(p.div(b)).add(ct).sub(at), c.slack))
}

func (c *checker) ciiPeppol() {
	r := c.root
	c.check("PEPPOL-EN16931-R001", r, r.has("rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"))
	if p := r.first("rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"); p != nil {
		c.check("PEPPOL-EN16931-R007", r, reProfile.MatchString(normSpace(p.value())))
	}
	c.check("PEPPOL-EN16931-R003", r, r.has(ciiHA+"/ram:BuyerReference") || r.has(ciiHA+"/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"))
	sc := r.norm(ciiHA + "/ram:SellerTradeParty/ram:PostalTradeAddress/ram:CountryID")
	bc := r.norm(ciiHA + "/ram:BuyerTradeParty/ram:PostalTradeAddress/ram:CountryID")
	c.check("PEPPOL-EN16931-R002", r, len(r.all("rsm:ExchangedDocument/ram:IncludedNote")) <= 1 || (sc == "DE" && bc == "DE"))
	n130 := 0
	for _, d := range r.all(ciiHA + "/ram:AdditionalReferencedDocument") {
		if d.norm("ram:TypeCode") == "130" {
			n130++
		}
	}
	c.check("PEPPOL-EN16931-R006", r, n130 <= 1)
	c.check("PEPPOL-EN16931-R080", r, len(r.all(ciiHA+"/ram:SpecifiedProcuringProject")) <= 1)
	hs := r.first(ciiHS)
	doc := hs.str("ram:InvoiceCurrencyCode")
	c.slack = slackFor(doc)
	tax := hs.str("ram:TaxCurrencyCode")
	if hs.has("ram:TaxCurrencyCode") {
		c.check("PEPPOL-EN16931-R005", r, normSpace(tax) != normSpace(doc))
	}
	c.emptyElements()
	c.check("PEPPOL-EN16931-R010", r, r.has(ciiHA+"/ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID"))
	c.check("PEPPOL-EN16931-R020", r, r.has(ciiHA+"/ram:SellerTradeParty/ram:URIUniversalCommunication/ram:URIID"))
	acs := append(c.desc("ram:SpecifiedTradeAllowanceCharge"), c.desc("ram:AppliedTradeAllowanceCharge")...)
	for _, ac := range acs {
		pct, ba := ac.first("ram:CalculationPercent"), ac.first("ram:BasisAmount")
		// As in UBL, the price-level allowance (BT-147) is not checked.
		if pct != nil && ba != nil && ac.name == "ram:SpecifiedTradeAllowanceCharge" {
			amt := intNum(0)
			if ac.has("ram:ActualAmount") {
				amt = ac.num("ram:ActualAmount")
			}
			c.check("PEPPOL-EN16931-R040", ac, slack(amt, parseNum(ba.value()).mul(parseNum(pct.value())).div(intNum(100)), c.slack))
		}
		if ac.name == "ram:SpecifiedTradeAllowanceCharge" {
			c.check("PEPPOL-EN16931-R041", ac, pct == nil || ba != nil)
			c.check("PEPPOL-EN16931-R042", ac, ba == nil || pct != nil)
		}
		ind := ac.norm("ram:ChargeIndicator/udt:Indicator")
		c.check("PEPPOL-EN16931-R043", ac, ind == "true" || ind == "false")
		if ac.name == "ram:AppliedTradeAllowanceCharge" {
			c.check("PEPPOL-EN16931-R044", ac, ind == "false")
		}
	}
	for _, la := range c.desc("ram:SpecifiedLineTradeAgreement") {
		g := la.first("ram:GrossPriceProductTradePrice")
		if g == nil {
			continue
		}
		// XRechnung's CII binding: with a gross price, the net price is the
		// gross price less the first price allowance, or the gross price
		// itself when there is none (u:decimalOrZero).
		if g.has("ram:ChargeAmount") {
			allowance := intNum(0)
			if a := g.first("ram:AppliedTradeAllowanceCharge/ram:ActualAmount"); a != nil {
				allowance = parseNum(a.value())
			}
			c.check("PEPPOL-EN16931-R046", g, la.num("ram:NetPriceProductTradePrice/ram:ChargeAmount").eq(g.num("ram:ChargeAmount").sub(allowance)))
		}
	}
	// Currencies: every amount with currencyID must use the invoice currency,
	// except the tax total in accounting currency.
	stack := []*node{r}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if cur, ok := n.attr("currencyID"); ok && cur != doc {
			c.check("PEPPOL-EN16931-R051", n, n.name == "ram:TaxTotalAmount" && cur == tax)
		}
		stack = append(stack, n.kids...)
	}
	ms := hs.first("ram:SpecifiedTradeSettlementHeaderMonetarySummation")
	var inDoc, inTax []*node
	for _, t := range ms.all("ram:TaxTotalAmount") {
		cur, _ := t.attr("currencyID")
		if cur == doc {
			inDoc = append(inDoc, t)
		}
		if hs.has("ram:TaxCurrencyCode") && cur == tax {
			inTax = append(inTax, t)
		}
	}
	c.check("PEPPOL-EN16931-R053", r, len(inDoc) <= 1)
	if hs.has("ram:TaxCurrencyCode") {
		c.check("PEPPOL-EN16931-R054", r, len(inTax) == 1)
		c.check("PEPPOL-EN16931-R055", r, sameSign(nums(inTax), nums(inDoc)))
	}
	for _, pm := range hs.all("ram:SpecifiedTradeSettlementPaymentMeans") {
		code := pm.norm("ram:TypeCode")
		if code == "49" || code == "59" {
			c.check("PEPPOL-EN16931-R061", pm, hs.has("ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID"))
		}
	}
	ps := hs.first("ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString")
	pe := hs.first("ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString")
	for _, l := range r.all(ciiLI) {
		c.check("PEPPOL-EN16931-R100", l, len(l.all("ram:SpecifiedLineTradeSettlement/ram:AdditionalReferencedDocument")) <= 1)
		for _, d := range l.all("ram:SpecifiedLineTradeSettlement/ram:AdditionalReferencedDocument") {
			c.check("PEPPOL-EN16931-R101", d, d.str("ram:TypeCode") == "130")
		}
		for _, p := range l.all("ram:SpecifiedLineTradeSettlement/ram:BillingSpecifiedPeriod") {
			if s := p.first("ram:StartDateTime/udt:DateTimeString"); s != nil && ps != nil {
				c.check("PEPPOL-EN16931-R110", p, strings.TrimSpace(s.value()) >= strings.TrimSpace(ps.value()))
			}
			if e := p.first("ram:EndDateTime/udt:DateTimeString"); e != nil && pe != nil {
				c.check("PEPPOL-EN16931-R111", p, strings.TrimSpace(e.value()) <= strings.TrimSpace(pe.value()))
			}
		}
		set := l.first("ram:SpecifiedLineTradeSettlement")
		c.lineArithmetic(l, "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
			l.first("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity"),
			l.first("ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount"),
			l.first("ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:BasisQuantity"),
			ciiAC(set, false), ciiAC(set, true), "ram:ActualAmount")
		for _, p := range []string{"ram:NetPriceProductTradePrice", "ram:GrossPriceProductTradePrice"} {
			if bq := l.first("ram:SpecifiedLineTradeAgreement/" + p + "/ram:BasisQuantity"); bq != nil {
				c.check("PEPPOL-EN16931-R121", l, parseNum(bq.value()).gt(intNum(0)))
				if bu, ok := bq.attr("unitCode"); ok {
					qu, _ := l.first("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity").attr("unitCode")
					c.check("PEPPOL-EN16931-R130", l, bu == qu)
				}
			}
		}
	}
}

// ciiAC returns the SpecifiedTradeAllowanceCharge children of n that are
// charges (true) or allowances (false).
func ciiAC(n *node, charge bool) []*node {
	var out []*node
	for _, ac := range n.all("ram:SpecifiedTradeAllowanceCharge") {
		if v, ok := boolValue(ac.first("ram:ChargeIndicator/udt:Indicator")); ok && v == charge {
			out = append(out, ac)
		}
	}
	return out
}
