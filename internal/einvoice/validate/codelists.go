package validate

import "strings"

// Code list rules (BR-CL-*), after the CEN code list Schematron.

func inList(list map[string]bool, v string) bool {
	v = normSpace(v)
	return v != "" && !strings.Contains(v, " ") && list[v]
}

func attrIn(n *node, attr string, list map[string]bool) bool {
	v, _ := n.attr(attr)
	return inList(list, v)
}

var ublAmountElements = []string{"cbc:Amount", "cbc:BaseAmount", "cbc:PriceAmount", "cbc:TaxAmount", "cbc:TaxableAmount",
	"cbc:LineExtensionAmount", "cbc:TaxExclusiveAmount", "cbc:TaxInclusiveAmount", "cbc:AllowanceTotalAmount",
	"cbc:ChargeTotalAmount", "cbc:PrepaidAmount", "cbc:PayableRoundingAmount", "cbc:PayableAmount"}

func (c *checker) ublCodes() {
	for _, n := range c.desc("cbc:InvoiceTypeCode") {
		c.check("BR-CL-01", n, inList(invoiceTypeCodes, n.value()))
	}
	for _, n := range c.desc("cbc:CreditNoteTypeCode") {
		c.check("BR-CL-01", n, inList(creditNoteTypeCodes, n.value()))
	}
	for _, name := range ublAmountElements {
		for _, n := range c.desc(name) {
			c.check("BR-CL-03", n, attrIn(n, "currencyID", currencyCodes))
		}
	}
	for _, n := range c.desc("cbc:DocumentCurrencyCode") {
		c.check("BR-CL-04", n, inList(currencyCodes, n.value()))
	}
	for _, n := range c.desc("cbc:TaxCurrencyCode") {
		c.check("BR-CL-05", n, inList(currencyCodes, n.value()))
	}
	for _, n := range c.desc("cbc:DescriptionCode") {
		if n.parent != nil && n.parent.name == "cac:InvoicePeriod" {
			c.check("BR-CL-06", n, inList(vatPointDateCodes, n.value()))
		}
	}
	for _, name := range []string{"cac:AdditionalDocumentReference", "cac:DocumentReference"} {
		for _, d := range c.desc(name) {
			if !strIs(d.all("cbc:DocumentTypeCode"), "130") {
				continue
			}
			for _, id := range d.all("cbc:ID") {
				if _, ok := id.attr("schemeID"); ok {
					c.check("BR-CL-07", id, attrIn(id, "schemeID", objectSchemeCodes))
				}
			}
		}
	}
	for _, id := range c.desc("cbc:ID") {
		if _, ok := id.attr("schemeID"); !ok || id.parent == nil {
			continue
		}
		switch id.parent.name {
		case "cac:PartyIdentification":
			v, _ := id.attr("schemeID")
			sepa := normSpace(v) == "SEPA" && (hasAncestor(id, "cac:AccountingSupplierParty") || hasAncestor(id, "cac:PayeeParty"))
			c.check("BR-CL-10", id, attrIn(id, "schemeID", icdCodes) || sepa)
		case "cac:StandardItemIdentification":
			c.check("BR-CL-21", id, attrIn(id, "schemeID", icdCodes))
		case "cac:DeliveryLocation":
			c.check("BR-CL-26", id, attrIn(id, "schemeID", icdCodes))
		}
	}
	for _, id := range c.desc("cbc:CompanyID") {
		if _, ok := id.attr("schemeID"); ok && id.parent != nil && id.parent.name == "cac:PartyLegalEntity" {
			c.check("BR-CL-11", id, attrIn(id, "schemeID", icdCodes))
		}
	}
	for _, n := range c.desc("cbc:ItemClassificationCode") {
		if _, ok := n.attr("listID"); ok && n.parent != nil && n.parent.name == "cac:CommodityClassification" {
			// In the CVD scenario the finding is lowered to information
			// (levels.go), since CVD adds its own scheme "CVD".
			c.check("BR-CL-13", n, attrIn(n, "listID", itemClassificationCodes))
		}
	}
	for _, n := range c.desc("cbc:IdentificationCode") {
		switch {
		case n.parent != nil && n.parent.name == "cac:Country":
			c.check("BR-CL-14", n, inList(countryCodes, n.value()))
		case n.parent != nil && n.parent.name == "cac:OriginCountry":
			c.check("BR-CL-15", n, inList(countryCodes, n.value()))
		}
	}
	for _, n := range c.desc("cbc:PaymentMeansCode") {
		if n.parent != nil && n.parent.name == "cac:PaymentMeans" {
			c.check("BR-CL-16", n, inList(paymentMeansCodes, n.value()))
		}
	}
	for _, tc := range c.desc("cac:TaxCategory") {
		for _, id := range tc.all("cbc:ID") {
			c.check("BR-CL-17", id, inList(vatCategoryCodes, id.value()))
		}
	}
	for _, tc := range c.desc("cac:ClassifiedTaxCategory") {
		for _, id := range tc.all("cbc:ID") {
			c.check("BR-CL-18", id, inList(vatCategoryCodes, id.value()))
		}
	}
	for _, ac := range c.desc("cac:AllowanceCharge") {
		ch, ok := isCharge(ac)
		if !ok {
			continue
		}
		for _, rc := range ac.all("cbc:AllowanceChargeReasonCode") {
			if ch {
				c.check("BR-CL-20", rc, inList(chargeReasonCodes, rc.value()))
			} else {
				c.check("BR-CL-19", rc, inList(allowanceReasonCodes, rc.value()))
			}
		}
	}
	for _, n := range c.desc("cbc:TaxExemptionReasonCode") {
		c.check("BR-CL-22", n, inList(vatexCodes, strings.ToUpper(n.value())))
	}
	for _, name := range []string{"cbc:InvoicedQuantity", "cbc:BaseQuantity", "cbc:CreditedQuantity"} {
		for _, n := range c.desc(name) {
			if _, ok := n.attr("unitCode"); ok {
				c.check("BR-CL-23", n, attrIn(n, "unitCode", unitCodes))
			}
		}
	}
	for _, n := range c.desc("cbc:EmbeddedDocumentBinaryObject") {
		if m, ok := n.attr("mimeCode"); ok {
			c.check("BR-CL-24", n, mimeCodes[m])
		}
	}
	for _, n := range c.desc("cbc:EndpointID") {
		if _, ok := n.attr("schemeID"); ok {
			c.check("BR-CL-25", n, attrIn(n, "schemeID", easCodes))
		}
	}
}

// ciiVATPointDateCodes is UNTDID 2475 as restricted for BT-8 in CII.
var ciiVATPointDateCodes = set(`5 29 72`)

func (c *checker) ciiCodes() {
	r := c.root
	for _, n := range r.all("rsm:ExchangedDocument/ram:TypeCode") {
		c.check("BR-CL-01", n, inList(invoiceTypeCodes, n.value()) || inList(creditNoteTypeCodes, n.value()))
	}
	stack := []*node{r}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if _, ok := n.attr("currencyID"); ok {
			c.check("BR-CL-03", n, attrIn(n, "currencyID", currencyCodes))
		}
		stack = append(stack, n.kids...)
	}
	for _, n := range c.desc("ram:InvoiceCurrencyCode") {
		c.check("BR-CL-04", n, inList(currencyCodes, n.value()))
	}
	for _, n := range c.desc("ram:TaxCurrencyCode") {
		c.check("BR-CL-05", n, inList(currencyCodes, n.value()))
	}
	for _, n := range c.desc("ram:DueDateTypeCode") {
		c.check("BR-CL-06", n, inList(ciiVATPointDateCodes, n.value()))
	}
	for _, d := range c.desc("ram:AdditionalReferencedDocument") {
		if strIs(d.all("ram:TypeCode"), "130") {
			for _, rt := range d.all("ram:ReferenceTypeCode") {
				c.check("BR-CL-07", rt, inList(objectSchemeCodes, rt.value()))
			}
		}
	}
	for _, g := range c.desc("ram:GlobalID") {
		if _, ok := g.attr("schemeID"); !ok || g.parent == nil {
			continue
		}
		switch {
		case g.parent.name == "ram:SpecifiedTradeProduct":
			c.check("BR-CL-21", g, attrIn(g, "schemeID", icdCodes))
		case g.parent.name == "ram:ShipToTradeParty":
			c.check("BR-CL-26", g, attrIn(g, "schemeID", icdCodes))
		default:
			c.check("BR-CL-10", g, attrIn(g, "schemeID", icdCodes))
		}
	}
	for _, id := range c.desc("ram:ID") {
		if _, ok := id.attr("schemeID"); !ok || id.parent == nil {
			continue
		}
		switch id.parent.name {
		case "ram:SpecifiedLegalOrganization":
			c.check("BR-CL-11", id, attrIn(id, "schemeID", icdCodes))
		case "ram:SellerTradeParty", "ram:BuyerTradeParty", "ram:PayeeTradeParty":
			v, _ := id.attr("schemeID")
			sepa := normSpace(v) == "SEPA" && (id.parent.name == "ram:SellerTradeParty" || id.parent.name == "ram:PayeeTradeParty")
			c.check("BR-CL-10", id, attrIn(id, "schemeID", icdCodes) || sepa)
		}
	}
	for _, n := range c.desc("ram:ClassCode") {
		if _, ok := n.attr("listID"); ok {
			// In the CVD scenario the finding is lowered to information
			// (levels.go), since CVD adds its own scheme "CVD".
			c.check("BR-CL-13", n, attrIn(n, "listID", itemClassificationCodes))
		}
	}
	for _, n := range c.desc("ram:CountryID") {
		c.check("BR-CL-14", n, inList(countryCodes, n.value()))
	}
	for _, n := range r.all(ciiLI + "/ram:SpecifiedTradeProduct/ram:OriginTradeCountry/ram:ID") {
		c.check("BR-CL-15", n, inList(countryCodes, n.value()))
	}
	for _, n := range r.all(ciiHS + "/ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") {
		c.check("BR-CL-16", n, inList(paymentMeansCodes, n.value()))
	}
	for _, n := range c.desc("ram:CategoryCode") {
		c.check("BR-CL-17", n, inList(vatCategoryCodes, n.value()))
	}
	for _, ac := range c.desc("ram:SpecifiedTradeAllowanceCharge") {
		ch, ok := boolValue(ac.first("ram:ChargeIndicator/udt:Indicator"))
		if !ok {
			continue
		}
		for _, rc := range ac.all("ram:ReasonCode") {
			if ch {
				c.check("BR-CL-20", rc, inList(chargeReasonCodes, rc.value()))
			} else {
				c.check("BR-CL-19", rc, inList(allowanceReasonCodes, rc.value()))
			}
		}
	}
	for _, n := range c.desc("ram:ExemptionReasonCode") {
		c.check("BR-CL-22", n, inList(vatexCodes, strings.ToUpper(n.value())))
	}
	for _, name := range []string{"ram:BilledQuantity", "ram:BasisQuantity"} {
		for _, n := range c.desc(name) {
			if _, ok := n.attr("unitCode"); ok {
				c.check("BR-CL-23", n, attrIn(n, "unitCode", unitCodes))
			}
		}
	}
	for _, n := range c.desc("ram:AttachmentBinaryObject") {
		if m, ok := n.attr("mimeCode"); ok {
			c.check("BR-CL-24", n, mimeCodes[m])
		}
	}
	for _, n := range c.desc("ram:URIID") {
		if _, ok := n.attr("schemeID"); ok && n.parent != nil && n.parent.name == "ram:URIUniversalCommunication" {
			c.check("BR-CL-25", n, attrIn(n, "schemeID", easCodes))
		}
	}
}
