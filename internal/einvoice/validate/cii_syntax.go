package validate

import "strings"

// CII syntax binding rules of the CEN Schematron (EN16931-CII-Syntax): the
// fatal CII-SR cardinalities and the fatal CII-DT data type restrictions
// (attributes and sub-elements of the D16B types that EN 16931 does not
// use), the tax point date cardinalities of CEN 1.3.12 (CII-SR-461, -462),
// and the payment-terms and contact cardinalities flagged as warnings
// (CII-SR-452..454, -465, -466; the XRechnung scenarios raise 452 and 454
// to error, see levels.go). The other "should not be present" warnings of
// the CEN file are not reported: they never change the recommendation.
func (c *checker) ciiSyntax() {
	r := c.root
	for _, hs := range r.all(ciiHS) {
		c.check("CII-SR-452", hs, len(hs.all("ram:SpecifiedTradePaymentTerms")) <= 1)
		c.check("CII-SR-453", hs, len(hs.all("ram:SpecifiedTradePaymentTerms/ram:Description")) <= 1)
		// One due date per payment terms block; several blocks are
		// CII-SR-452's concern, not this rule's.
		for _, pt := range hs.all("ram:SpecifiedTradePaymentTerms") {
			c.check("CII-SR-454", pt, len(pt.all("ram:DueDateDateTime")) <= 1)
		}
		// BT-7 and BT-8 are document-level terms that CII hangs off a VAT
		// breakdown: one tax point date, one distinct date code.
		c.check("CII-SR-461", hs, len(hs.all("ram:ApplicableTradeTax/ram:TaxPointDate")) <= 1)
	}
	codes := map[string]bool{}
	for _, n := range c.desc("ram:DueDateTypeCode") {
		if n.parent != nil && n.parent.name == "ram:ApplicableTradeTax" {
			codes[n.value()] = true
		}
	}
	c.check("CII-SR-462", r, len(codes) <= 1)
	for _, ha := range r.all(ciiHA) {
		c.check("CII-SR-465", ha, !(ha.has("ram:SellerTradeParty/ram:DefinedTradeContact/ram:PersonName") &&
			ha.has("ram:SellerTradeParty/ram:DefinedTradeContact/ram:DepartmentName")))
		c.check("CII-SR-466", ha, !(ha.has("ram:BuyerTradeParty/ram:DefinedTradeContact/ram:PersonName") &&
			ha.has("ram:BuyerTradeParty/ram:DefinedTradeContact/ram:DepartmentName")))
	}
	c.ciiSyntaxCardinality()
	c.ciiDataTypes()
}

// ciiSyntaxCardinality holds the CII-SR assertions flagged fatal.
func (c *checker) ciiSyntaxCardinality() {
	r := c.root
	if r.name != "rsm:CrossIndustryInvoice" {
		return
	}
	for _, ctx := range r.all("rsm:ExchangedDocumentContext") {
		c.check("CII-SR-009", ctx, len(ctx.all("ram:GuidelineSpecifiedDocumentContextParameter")) == 1)
		c.check("CII-SR-010", ctx, len(ctx.all("ram:GuidelineSpecifiedDocumentContextParameter/ram:ID")) == 1)
	}
	for _, d := range r.all("rsm:ExchangedDocument") {
		c.check("CII-SR-014", d, len(d.all("ram:TypeCode")) == 1)
	}
	for _, p := range r.all("rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedTradeProduct") {
		for _, g := range p.all("ram:GlobalID") {
			_, ok := g.attr("schemeID")
			c.check("CII-SR-046", p, ok)
		}
		for _, oc := range p.all("ram:OriginTradeCountry") {
			c.check("CII-SR-090", p, len(oc.all("ram:ID")) == 1)
		}
		for _, pc := range p.all("ram:ApplicableProductCharacteristic") {
			c.check("CII-SR-069", pc, len(pc.all("ram:Description")) == 1)
			c.check("CII-SR-072", pc, len(pc.all("ram:Value")) == 1)
		}
	}
	for _, la := range r.all("rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeAgreement") {
		c.check("CII-SR-440", la, len(la.all("ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:ActualAmount")) <= 1)
		c.check("CII-SR-441", la, len(la.all("ram:NetPriceProductTradePrice/ram:ChargeAmount")) <= 1)
	}
}

// Attributes and children that the CII-DT rules forbid, per data type.
var (
	// The current CEN release numbers the scheme attribute rules for every
	// identifier CII-DT-101..104 (CII-DT-001..004 remain for a context that
	// matches no element).
	ciiIDForbidden = [][2]string{{"CII-DT-101", "schemeName"}, {"CII-DT-102", "schemeAgencyName"},
		{"CII-DT-103", "schemeDataURI"}, {"CII-DT-104", "schemeURI"}}
	ciiQuantityForbidden = [][2]string{{"CII-DT-034", "unitCodeListID"}, {"CII-DT-035", "unitCodeListAgencyID"},
		{"CII-DT-036", "unitCodeListAgencyName"}}
	ciiPeriodForbidden = [][2]string{{"CII-DT-068", "ram:StartDateTime/udt:DateTime"}, {"CII-DT-069", "ram:DurationMeasure"},
		{"CII-DT-070", "ram:InclusiveIndicator"}, {"CII-DT-071", "ram:Description"}, {"CII-DT-072", "ram:EndDateTime/udt:DateTime"},
		{"CII-DT-073", "ram:CompleteDateTime"}, {"CII-DT-074", "ram:OpenIndicator"}, {"CII-DT-075", "ram:SeasonCode"},
		{"CII-DT-076", "ram:ID"}, {"CII-DT-077", "ram:Name"}, {"CII-DT-078", "ram:SequenceNumeric"},
		{"CII-DT-079", "ram:StartDateFlexibilityCode"}, {"CII-DT-080", "ram:ContinuousIndicator"}, {"CII-DT-081", "ram:PurposeCode"}}
	ciiAddressForbidden = [][2]string{{"CII-DT-082", "ram:ID"}, {"CII-DT-083", "ram:PostOfficeBox"},
		{"CII-DT-084", "ram:BuildingName"}, {"CII-DT-086", "ram:LineFour"}, {"CII-DT-087", "ram:LineFive"},
		{"CII-DT-088", "ram:StreetName"}, {"CII-DT-089", "ram:CitySubDivisionName"}, {"CII-DT-090", "ram:CountryName"},
		{"CII-DT-091", "ram:CountrySubDivisionID"}, {"CII-DT-092", "ram:AttentionOf"}, {"CII-DT-093", "ram:CareOf"},
		{"CII-DT-094", "ram:BuildingNumber"}, {"CII-DT-095", "ram:DepartmentName"}, {"CII-DT-096", "ram:AdditionalStreetName"}}
	ciiRefDocForbidden = [][2]string{{"CII-DT-016", "ram:StatusCode"}, {"CII-DT-017", "ram:CopyIndicator"},
		{"CII-DT-019", "ram:GlobalID"}, {"CII-DT-020", "ram:RevisionID"}, {"CII-DT-023", "ram:Information"},
		{"CII-DT-025", "ram:SectionName"}, {"CII-DT-026", "ram:PreviousRevisionID"}, {"CII-DT-028", "ram:EffectiveSpecifiedPeriod"},
		{"CII-DT-029", "ram:IssuerTradeParty"}, {"CII-DT-030", "ram:AttachedSpecifiedBinaryFile"}}
)

// ciiDataTypes holds the CII-DT assertions flagged fatal. Their contexts are
// name patterns over the whole document (//ram:*[ends-with(name(),'Amount')]
// and so on), so they walk the tree once.
func (c *checker) ciiDataTypes() {
	r := c.root
	if r.name != "rsm:CrossIndustryInvoice" {
		return
	}
	_, lang := r.attr("languageID")
	c.check("CII-DT-013", r, !lang)
	_, locale := r.attr("languageLocaleID")
	c.check("CII-DT-014", r, !locale)
	if td := r.first("rsm:ExchangedDocument/ram:TypeCode"); td != nil {
		for _, a := range [][2]string{{"CII-DT-010", "listID"}, {"CII-DT-011", "listAgencyID"}, {"CII-DT-012", "listVersionID"}} {
			_, has := td.attr(a[1])
			c.check(a[0], td, !has)
		}
	}
	billedUnit := false
	for _, q := range r.all("rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity") {
		if _, ok := q.attr("unitCode"); ok {
			billedUnit = true
			break
		}
	}
	for _, d := range c.desc("udt:DateTimeString") {
		if f, _ := d.attr("format"); f == "102" {
			c.check("CII-DT-097", d, isYYYYMMDD(strings.Trim(d.value(), " \t\r\n")))
		}
	}
	// Walk in document order so that findings come out in a stable order.
	stack := []*node{r}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for i := len(n.kids) - 1; i >= 0; i-- {
			stack = append(stack, n.kids[i])
		}
		local, ok := strings.CutPrefix(n.name, "ram:")
		if !ok {
			continue
		}
		{
			if strings.HasSuffix(local, "ID") {
				forbidAttrs(c, n, ciiIDForbidden)
			}
			if strings.HasSuffix(local, "Amount") && local != "TaxTotalAmount" {
				forbidAttrs(c, n, [][2]string{{"CII-DT-031", "currencyID"}, {"CII-DT-032", "currencyCodeListVersionID"}})
			}
			if strings.HasSuffix(local, "Quantity") {
				_, unit := n.attr("unitCode")
				c.check("CII-DT-033", n, !unit || billedUnit)
				forbidAttrs(c, n, ciiQuantityForbidden)
			}
			if strings.HasSuffix(local, "TradeTax") {
				for _, tc := range n.all("ram:TypeCode") {
					c.check("CII-DT-037", n, tc.value() == "VAT")
				}
			}
			if strings.HasSuffix(local, "ReferencedDocument") {
				c.ciiReferencedDocument(n, local)
			}
			switch local {
			case "TypeCode":
				forbidAttrs(c, n, [][2]string{{"CII-DT-008", "name"}, {"CII-DT-009", "listURI"}})
			case "BillingSpecifiedPeriod":
				forbidChildren(c, n, ciiPeriodForbidden)
			case "PostalTradeAddress":
				forbidChildren(c, n, ciiAddressForbidden)
			}
		}
	}
}

// ciiReferencedDocument checks one //ram:*ReferencedDocument (CII-DT-015 to
// -030); an additional supporting document (type 916), an invoiced object
// (130) and a tender or lot reference (50) may carry more.
func (c *checker) ciiReferencedDocument(n *node, local string) {
	additional := local == "AdditionalReferencedDocument"
	tcs := n.all("ram:TypeCode")
	typeIs := func(code string) bool {
		for _, t := range tcs {
			if t.value() == code {
				return true
			}
		}
		return false
	}
	c.check("CII-DT-015", n, !n.has("ram:URIID") || (additional && typeIs("916")))
	c.check("CII-DT-018", n, len(tcs) == 0 || (additional && (typeIs("50") || typeIs("130") || typeIs("916"))))
	c.check("CII-DT-021", n, !n.has("ram:Name") || (additional && typeIs("916")))
	c.check("CII-DT-022", n, !n.has("ram:AttachmentBinaryObject") || (additional && typeIs("916")))
	c.check("CII-DT-024", n, !n.has("ram:ReferenceTypeCode") || (additional && typeIs("130")))
	c.check("CII-DT-027", n, !n.has("ram:FormattedIssueDateTime") || local == "InvoiceReferencedDocument")
	forbidChildren(c, n, ciiRefDocForbidden)
}

func forbidAttrs(c *checker, n *node, rules [][2]string) {
	for _, r := range rules {
		_, has := n.attr(r[1])
		c.check(r[0], n, !has)
	}
}

func forbidChildren(c *checker, n *node, rules [][2]string) {
	for _, r := range rules {
		c.check(r[0], n, !n.has(r[1]))
	}
}

// isYYYYMMDD is the CII-DT-097 pattern ^\s*(\d{8})\s*$ after trimming.
func isYYYYMMDD(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
