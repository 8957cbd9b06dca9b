package validate

// Clean Vehicles Directive rules (BR-DE-CVD-*, BR-TMP-CVD-01) of the
// XRechnung CVD specification.

var (
	cvdVehicleCategories = set("M1 M2 M3 N1 N2 N3")
	cvaCodes             = set("clean zero-emission other")
)

// cvdLine is the CVD view of one invoice line.
type cvdLine struct {
	line    *node
	classes []*node // classification codes with listID CVD
	cva     []*node // item property values named cva
}

func (c *checker) cvdRules(lines []cvdLine, hasContract, hasTender bool, classCodes []*node) {
	r := c.root
	c.check("BR-DE-CVD-01", r, hasContract)
	c.check("BR-DE-CVD-02", r, hasTender)
	found := false
	for _, l := range lines {
		if len(l.classes) > 0 && len(l.cva) > 0 {
			found = true
		}
		for _, cl := range l.classes {
			c.check("BR-DE-CVD-04", cl, cvdVehicleCategories[cl.value()])
		}
		for _, v := range l.cva {
			c.check("BR-DE-CVD-05", v, cvaCodes[v.value()])
		}
		if len(l.classes) > 0 {
			c.check("BR-DE-CVD-06-a", l.line, len(l.cva) == 1)
		}
		if len(l.cva) > 0 {
			c.check("BR-DE-CVD-06-b", l.line, len(l.classes) == 1)
		}
	}
	c.check("BR-DE-CVD-03", r, found)
	for _, cc := range classCodes {
		if v, ok := cc.attr("listID"); ok {
			c.check("BR-TMP-CVD-01", cc, v == "CVD" || itemClassificationCodes[v])
		}
	}
}

func (c *checker) ublCVD() {
	r := c.root
	var lines []cvdLine
	var codes []*node
	for _, l := range ublLines(r) {
		cl := cvdLine{line: l}
		for _, cc := range l.all("cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode") {
			codes = append(codes, cc)
			if v, _ := cc.attr("listID"); v == "CVD" {
				cl.classes = append(cl.classes, cc)
			}
		}
		for _, p := range l.all("cac:Item/cac:AdditionalItemProperty") {
			if p.str("cbc:Name") == "cva" {
				if v := p.first("cbc:Value"); v != nil {
					cl.cva = append(cl.cva, v)
				} else {
					cl.cva = append(cl.cva, p)
				}
			}
		}
		lines = append(lines, cl)
	}
	c.cvdRules(lines, anyNonBlank(r.all("cac:ContractDocumentReference/cbc:ID")),
		anyNonBlank(r.all("cac:OriginatorDocumentReference/cbc:ID")), codes)
}

func (c *checker) ciiCVD() {
	r := c.root
	var lines []cvdLine
	var codes []*node
	for _, l := range r.all(ciiLI) {
		cl := cvdLine{line: l}
		for _, cc := range l.all("ram:SpecifiedTradeProduct/ram:DesignatedProductClassification/ram:ClassCode") {
			codes = append(codes, cc)
			if v, _ := cc.attr("listID"); v == "CVD" {
				cl.classes = append(cl.classes, cc)
			}
		}
		for _, p := range l.all("ram:SpecifiedTradeProduct/ram:ApplicableProductCharacteristic") {
			if p.str("ram:Description") == "cva" {
				if v := p.first("ram:Value"); v != nil {
					cl.cva = append(cl.cva, v)
				} else {
					cl.cva = append(cl.cva, p)
				}
			}
		}
		lines = append(lines, cl)
	}
	tender := false
	for _, d := range r.all(ciiHA + "/ram:AdditionalReferencedDocument") {
		if d.str("ram:TypeCode") == "50" && normSpace(d.str("ram:IssuerAssignedID")) != "" {
			tender = true
		}
	}
	c.cvdRules(lines, anyNonBlank(r.all(ciiHA+"/ram:ContractReferencedDocument/ram:IssuerAssignedID")), tender, codes)
}
