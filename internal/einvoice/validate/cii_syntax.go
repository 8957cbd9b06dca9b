package validate

// CII syntax binding rules that the KoSIT XRechnung configuration raises from
// warning to error (CII-SR-452, -453, -454, -465, -466): cardinalities of
// payment terms and seller/buyer contact that EN 16931 restricts.
func (c *checker) ciiSyntax() {
	r := c.root
	for _, hs := range r.all(ciiHS) {
		c.check("CII-SR-452", hs, len(hs.all("ram:SpecifiedTradePaymentTerms")) <= 1)
		c.check("CII-SR-453", hs, len(hs.all("ram:SpecifiedTradePaymentTerms/ram:Description")) <= 1)
		c.check("CII-SR-454", hs, len(hs.all("ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime")) <= 1)
	}
	for _, ha := range r.all(ciiHA) {
		c.check("CII-SR-465", ha, !(ha.has("ram:SellerTradeParty/ram:DefinedTradeContact/ram:PersonName") &&
			ha.has("ram:SellerTradeParty/ram:DefinedTradeContact/ram:DepartmentName")))
		c.check("CII-SR-466", ha, !(ha.has("ram:BuyerTradeParty/ram:DefinedTradeContact/ram:PersonName") &&
			ha.has("ram:BuyerTradeParty/ram:DefinedTradeContact/ram:DepartmentName")))
	}
}
