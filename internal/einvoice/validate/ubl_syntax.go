package validate

import "strings"

// The UBL syntax binding rules of the CEN Schematron (UBL-syntax pattern)
// that are flagged fatal: the cardinalities EN 16931 restricts further than
// UBL (UBL-SR-*), the attributes required on binary objects and the amount
// precision (UBL-DT-01, -06, -07), and the two fatal UBL-CR rules on invoiced
// object references. The several hundred "should not be used" UBL-CR and
// UBL-DT-08..28 warnings are not reported: they never change the
// recommendation. Contexts written as relative patterns in the Schematron
// (cac:PartyTaxScheme, cac:InvoiceLine, ...) match such elements anywhere.

func distinctValues(ns []*node) int {
	seen := map[string]bool{}
	for _, n := range ns {
		seen[n.value()] = true
	}
	return len(seen)
}

func (c *checker) ublSyntax() {
	r := c.root
	buyerVAT := 0
	for _, pts := range r.all("cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme") {
		if isVATScheme(pts) {
			buyerVAT++
		}
	}
	c.check("UBL-SR-18", r, buyerVAT <= 1)
	c.check("UBL-SR-42", r, len(r.all("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme")) <= 2)
	// A credit note carries the project reference (BT-11) as an additional
	// document reference with type code 50; it may occur once.
	if r.name == "cn:CreditNote" {
		n50 := 0
		for _, d := range r.all("cac:AdditionalDocumentReference") {
			if d.norm("cbc:DocumentTypeCode") == "50" {
				n50++
			}
		}
		c.check("UBL-SR-43", r, n50 <= 1)
	}
	c.check("UBL-SR-44", r, distinctValues(c.desc("cbc:PaymentID")) <= 1)
	c.check("UBL-SR-47", r, distinctValues(r.all("cac:PaymentMeans/cbc:PaymentMeansCode")) <= 1)
	c.ublSyntaxCardinality()
	// UBL-CR-646: sub invoice lines are not part of EN 16931; the KoSIT
	// configuration raises this to an error for the XRechnung CIUS and
	// lowers it to information for the Extension.
	for _, s := range c.desc("cac:SubInvoiceLine") {
		c.fail("UBL-CR-646", s)
	}
	for _, o := range c.desc("cbc:EmbeddedDocumentBinaryObject") {
		_, mime := o.attr("mimeCode")
		_, name := o.attr("filename")
		c.check("UBL-DT-06", o, mime)
		c.check("UBL-DT-07", o, name)
	}
	for _, name := range []string{"cbc:Amount", "cbc:TaxAmount", "cbc:TaxableAmount", "cbc:LineExtensionAmount",
		"cbc:TaxExclusiveAmount", "cbc:TaxInclusiveAmount", "cbc:AllowanceTotalAmount", "cbc:ChargeTotalAmount",
		"cbc:PrepaidAmount", "cbc:PayableRoundingAmount", "cbc:PayableAmount"} {
		for _, n := range c.desc(name) {
			if name == "cbc:Amount" && n.parent != nil && n.parent.parent != nil && n.parent.parent.name == "cac:Price" {
				continue
			}
			c.check("UBL-DT-01", n, decimalsOK(n.value(), 2))
		}
	}
}

// atMostOne is the Schematron idiom count(path) <= 1.
func atMostOne(n *node, path string) bool { return len(n.all(path)) <= 1 }

// generalNE is the XPath general comparison a != b: true when some value of
// a differs from some value of b, so false when either side is empty.
func generalNE(a, b []*node) bool {
	for _, x := range a {
		for _, y := range b {
			if x.value() != y.value() {
				return true
			}
		}
	}
	return false
}

// ublSyntaxCardinality holds the fatal UBL-SR cardinality rules (and the
// fatal UBL-CR-666/-673) not covered in ublSyntax.
func (c *checker) ublSyntaxCardinality() {
	r := c.root
	if r.name != "ubl:Invoice" && r.name != "cn:CreditNote" {
		return
	}
	for _, rule := range [][2]string{
		{"UBL-SR-01", "cac:ContractDocumentReference/cbc:ID"},
		{"UBL-SR-02", "cac:ReceiptDocumentReference/cbc:ID"},
		{"UBL-SR-03", "cac:DespatchDocumentReference/cbc:ID"},
		{"UBL-SR-05", "cac:PaymentTerms/cbc:Note"},
		{"UBL-SR-08", "cac:InvoicePeriod"},
		{"UBL-SR-09", "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"},
		{"UBL-SR-10", "cac:AccountingSupplierParty/cac:Party/cac:PartyName/cbc:Name"},
		{"UBL-SR-11", "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID"},
		{"UBL-SR-14", "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyLegalForm"},
		{"UBL-SR-15", "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"},
		{"UBL-SR-16", "cac:AccountingCustomerParty/cac:Party/cac:PartyIdentification/cbc:ID"},
		{"UBL-SR-17", "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID"},
		{"UBL-SR-24", "cac:Delivery"},
		{"UBL-SR-39", "cac:ProjectReference/cbc:ID"},
		{"UBL-SR-40", "cac:AccountingCustomerParty/cac:Party/cac:PartyName/cbc:Name"},
		{"UBL-SR-45", "cac:PaymentMeans/cbc:PaymentDueDate"},
		{"UBL-SR-49", "cac:InvoicePeriod/cbc:DescriptionCode"},
	} {
		c.check(rule[0], r, atMostOne(r, rule[1]))
	}
	invObjects, vatIDs, otherIDs, sepa, pmNames := 0, 0, 0, 0, 0
	for _, d := range r.all("cac:AdditionalDocumentReference") {
		if d.str("cbc:DocumentTypeCode") == "130" {
			invObjects += len(d.all("cbc:ID"))
		}
	}
	for _, pts := range r.all("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme") {
		if isVATScheme(pts) {
			vatIDs += len(pts.all("cbc:CompanyID"))
		} else if pts.has("cac:TaxScheme/cbc:ID") {
			otherIDs += len(pts.all("cbc:CompanyID"))
		}
	}
	for _, id := range c.desc("cbc:ID") {
		if id.parent != nil && id.parent.name == "cac:PartyIdentification" {
			if v, _ := id.attr("schemeID"); strings.ToUpper(v) == "SEPA" {
				sepa++
			}
		}
	}
	for _, pm := range r.all("cac:PaymentMeans/cbc:PaymentMeansCode") {
		if _, ok := pm.attr("name"); ok {
			pmNames++
		}
	}
	c.check("UBL-SR-04", r, invObjects <= 1)
	c.check("UBL-SR-12", r, vatIDs <= 1)
	c.check("UBL-SR-13", r, otherIDs <= 1)
	c.check("UBL-SR-29", r, sepa <= 1)
	c.check("UBL-SR-46", r, pmNames <= 1)
	objAttachment, objDescription := false, false
	for _, d := range c.desc("cac:AdditionalDocumentReference") {
		if d.str("cbc:DocumentTypeCode") == "130" {
			objAttachment = objAttachment || d.has("cac:Attachment")
			objDescription = objDescription || d.has("cbc:DocumentDescription")
		}
	}
	c.check("UBL-CR-666", r, !objAttachment)
	c.check("UBL-CR-673", r, !objDescription)

	for _, d := range c.desc("cac:AdditionalDocumentReference") {
		c.check("UBL-SR-33", d, atMostOne(d, "cbc:DocumentDescription"))
	}
	for _, ac := range c.desc("cac:AllowanceCharge") {
		if charge, ok := isCharge(ac); ok {
			rule := "UBL-SR-30"
			if charge {
				rule = "UBL-SR-31"
			}
			c.check(rule, ac, atMostOne(ac, "cbc:AllowanceChargeReason"))
		}
	}
	for _, d := range c.desc("cac:Delivery") {
		c.check("UBL-SR-25", d, atMostOne(d, "cac:DeliveryParty/cac:PartyName/cbc:Name"))
	}
	for _, pts := range c.desc("cac:PartyTaxScheme") {
		c.check("UBL-SR-53", pts, pts.has("cac:TaxScheme/cbc:ID") && pts.has("cbc:CompanyID"))
	}
	sellerName := r.all("cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName")
	for _, p := range c.desc("cac:PayeeParty") {
		differs := generalNE(p.all("cac:PartyName/cbc:Name"), sellerName)
		c.check("UBL-SR-19", p, atMostOne(p, "cac:PartyName/cbc:Name") && differs)
		sepaFree := 0
		for _, id := range p.all("cac:PartyIdentification/cbc:ID") {
			if v, _ := id.attr("schemeID"); strings.ToUpper(v) != "SEPA" {
				sepaFree++
			}
		}
		c.check("UBL-SR-20", p, sepaFree <= 1 && differs)
		c.check("UBL-SR-21", p, atMostOne(p, "cac:PartyLegalEntity/cbc:CompanyID") && differs)
	}
	for _, p := range c.desc("cac:TaxRepresentativeParty") {
		c.check("UBL-SR-22", p, atMostOne(p, "cac:PartyName/cbc:Name"))
	}
	for _, pm := range c.desc("cac:PaymentMeans") {
		c.check("UBL-SR-26", pm, atMostOne(pm, "cbc:PaymentID"))
		c.check("UBL-SR-27", pm, atMostOne(pm, "cbc:PaymentMeansCode"))
		c.check("UBL-SR-28", pm, atMostOne(pm, "cac:PaymentMandate/cbc:ID"))
	}
	for _, b := range c.desc("cac:BillingReference") {
		c.check("UBL-SR-06", b, atMostOne(b, "cac:InvoiceDocumentReference"))
		c.check("UBL-SR-07", b, b.has("cac:InvoiceDocumentReference/cbc:ID"))
	}
	for _, s := range c.desc("cac:TaxSubtotal") {
		c.check("UBL-SR-32", s, atMostOne(s, "cac:TaxCategory/cbc:TaxExemptionReason"))
	}
	for _, name := range []string{"cac:InvoiceLine", "cac:CreditNoteLine"} {
		for _, l := range c.desc(name) {
			c.check("UBL-SR-34", l, atMostOne(l, "cbc:Note"))
			c.check("UBL-SR-35", l, atMostOne(l, "cac:OrderLineReference/cbc:LineID"))
			c.check("UBL-SR-36", l, atMostOne(l, "cac:InvoicePeriod"))
			c.check("UBL-SR-37", l, atMostOne(l, "cac:Price/cac:AllowanceCharge/cbc:Amount"))
			c.check("UBL-SR-48", l, len(l.all("cac:Item/cac:ClassifiedTaxCategory")) == 1)
			c.check("UBL-SR-50", l, atMostOne(l, "cac:Item/cbc:Description"))
			c.check("UBL-SR-52", l, atMostOne(l, "cac:DocumentReference"))
		}
	}
	for _, name := range []string{"cac:PostalAddress", "cac:Address"} {
		for _, a := range c.desc(name) {
			c.check("UBL-SR-51", a, atMostOne(a, "cac:AddressLine"))
		}
	}
}
