package validate

// A subset of the UBL syntax binding rules (UBL-SR-*, UBL-DT-*) of the CEN
// Schematron: cardinalities EN 16931 restricts further than UBL, and the
// attributes required on binary objects.

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
