// Package validate checks e-invoices like the KoSIT validator with the
// XRechnung configuration: it selects a scenario from the root element and
// the specification identifier (BT-24), evaluates the EN 16931 core rules,
// the XRechnung CIUS rules (BR-DE) and the Peppol rules merged into XRechnung,
// and recommends acceptance or rejection.
//
// The rules are re-implemented natively from the official Schematron files;
// they run on the syntax tree because many of them depend on syntax details
// (presence of empty elements, attributes, element counts) that a normalised
// model cannot express.
package validate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"strings"

	"github.com/eingang/eingang/internal/einvoice"
)

// Specification identifiers (BT-24) that select a KoSIT scenario.
const (
	idXRechnung          = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
	idXRechnungExtension = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_3.0"
	idXRechnungCVD       = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0#compliant#urn:xeinkauf.de:kosit:xrechnung:cvd_0.9"
	idEN16931            = "urn:cen.eu:en16931:2017"
)

const nsSBDH = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"

// Validate checks a parsed document. It never returns nil; a document that
// cannot be checked is reported as rejected with a finding saying why.
func Validate(doc *einvoice.Document) *Report {
	if doc == nil {
		return notReadable("no document")
	}
	var root *node
	var index map[string][]*node
	if doc.Root != nil {
		root, index = fromModel(doc.Root)
	} else if len(doc.XML) > 0 {
		var err error
		root, index, err = parseTree(doc.XML)
		if err != nil {
			return notReadable(err.Error())
		}
		root, index = unwrapSBDH(root, index)
	} else {
		return notReadable("no invoice XML")
	}
	rep := run(root, index, false)
	if len(doc.XML) > 0 {
		sum := sha256.Sum256(doc.XML)
		rep.DocumentSHA256 = hex.EncodeToString(sum[:])
	}
	return rep
}

// ValidateRules is Validate with every rule family evaluated whatever the
// scenario: EN 16931 core and code lists, the XRechnung rules and the merged
// Peppol rules. The KoSIT validator runs no rule at all on a document
// without a scenario, but rule-level unit cases (fragments without BT-24)
// and diagnostics need the findings. Scenario and the accept/reject
// recommendation are the same as from Validate: the extra findings are for
// diagnosis ("what would be wrong if this were an XRechnung?") and never
// change the verdict, which follows the scenario's rules alone.
func ValidateRules(doc *einvoice.Document) *Report {
	if doc == nil {
		return notReadable("no document")
	}
	var root *node
	var index map[string][]*node
	switch {
	case doc.Root != nil:
		root, index = fromModel(doc.Root)
	case len(doc.XML) > 0:
		var err error
		root, index, err = parseTree(doc.XML)
		if err != nil {
			return notReadable(err.Error())
		}
		root, index = unwrapSBDH(root, index)
	default:
		return notReadable("no invoice XML")
	}
	rep := run(root, index, true)
	rep.Accepted = run(root, index, false).Accepted
	return rep
}

// ValidateXML parses and checks invoice XML (UBL, CII, or UBL inside an SBDH
// envelope). Unreadable XML yields a rejecting report.
func ValidateXML(data []byte) *Report {
	root, index, err := parseTree(data)
	if err != nil {
		return notReadable(err.Error())
	}
	root, index = unwrapSBDH(root, index)
	rep := run(root, index, false)
	sum := sha256.Sum256(data)
	rep.DocumentSHA256 = hex.EncodeToString(sum[:])
	return rep
}

func notReadable(detail string) *Report {
	info := ruleInfo(RuleNotWellFormed)
	r := &Report{Findings: []Finding{{
		Rule:      RuleNotWellFormed,
		Severity:  SeverityError,
		MessageDE: info.de + " (" + detail + ")",
		MessageEN: info.en + " (" + detail + ")",
		Location:  "/",
	}}}
	r.finish()
	return r
}

func unwrapSBDH(root *node, index map[string][]*node) (*node, map[string][]*node) {
	if root.name != "{"+nsSBDH+"}StandardBusinessDocument" {
		return root, index
	}
	for _, k := range root.kids {
		if k.name != "{"+nsSBDH+"}StandardBusinessDocumentHeader" {
			k.parent = nil
			k.pos, k.count = 1, 1
			return k, buildIndex(k)
		}
	}
	return root, index
}

func buildIndex(root *node) map[string][]*node {
	index := make(map[string][]*node)
	stack := []*node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		index[n.name] = append(index[n.name], n)
		for i := len(n.kids) - 1; i >= 0; i-- {
			stack = append(stack, n.kids[i])
		}
	}
	return index
}

// fromModel converts the parser's tree into the validator's node tree.
func fromModel(src *einvoice.Node) (*node, map[string][]*node) {
	type item struct {
		s *einvoice.Node
		d *node
	}
	var arena []node
	alloc := func() *node {
		if len(arena) == 0 {
			arena = make([]node, 256)
		}
		n := &arena[0]
		arena = arena[1:]
		return n
	}
	conv := func(s *einvoice.Node, parent *node) *node {
		n := alloc()
		n.name = s.Local
		if p, ok := prefixOf[s.Space]; ok {
			n.name = p + ":" + s.Local
		} else if s.Space != "" {
			n.name = "{" + s.Space + "}" + s.Local
		}
		n.text, n.parent = s.Text, parent
		if len(s.Attrs) > 0 {
			n.attrs = make([]xml.Attr, len(s.Attrs))
			for i, a := range s.Attrs {
				n.attrs[i] = xmlAttr(a.Space, a.Local, a.Value)
			}
		}
		return n
	}
	root := conv(src, nil)
	root.pos, root.count = 1, 1
	stack := []item{{src, root}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		kids := make([]*node, len(it.s.Children))
		for i, c := range it.s.Children {
			kids[i] = conv(c, it.d)
		}
		it.d.kids = kids
		numberSiblings(kids)
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, item{it.s.Children[i], kids[i]})
		}
	}
	return root, buildIndex(root)
}

// numberSiblings sets pos and count of a list of siblings.
func numberSiblings(kids []*node) {
	if len(kids) <= 16 {
		for i, k := range kids {
			pos, count := 0, 0
			for j, o := range kids {
				if o.name == k.name {
					count++
					if j <= i {
						pos++
					}
				}
			}
			k.pos, k.count = pos, count
		}
		return
	}
	per := make(map[string]int)
	for _, k := range kids {
		per[k.name]++
		k.pos = per[k.name]
	}
	for _, k := range kids {
		k.count = per[k.name]
	}
}

// run selects the scenario and evaluates the rules. With all set, every rule
// family runs regardless of the scenario (used by the rule-level tests).
func run(root *node, index map[string][]*node, all bool) *Report {
	c := &checker{root: root, index: index, seen: make(map[string]bool)}
	rep := &Report{}
	var profile string
	switch root.name {
	case "ubl:Invoice":
		c.syntax, rep.Syntax = "ubl", "ubl-invoice"
		profile = root.str("cbc:CustomizationID")
		rep.InvoiceNumber = strings.TrimSpace(root.str("cbc:ID"))
		rep.IssueDate = strings.TrimSpace(root.str("cbc:IssueDate"))
		rep.Seller = strings.TrimSpace(root.str("cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"))
	case "cn:CreditNote":
		c.syntax, rep.Syntax = "ubl", "ubl-creditnote"
		profile = root.str("cbc:CustomizationID")
		rep.InvoiceNumber = strings.TrimSpace(root.str("cbc:ID"))
		rep.IssueDate = strings.TrimSpace(root.str("cbc:IssueDate"))
		rep.Seller = strings.TrimSpace(root.str("cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"))
	case "rsm:CrossIndustryInvoice":
		c.syntax, rep.Syntax = "cii", "cii"
		profile = root.str("rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID")
		rep.InvoiceNumber = strings.TrimSpace(root.str("rsm:ExchangedDocument/ram:ID"))
		rep.IssueDate = strings.TrimSpace(root.str("rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString"))
		rep.Seller = strings.TrimSpace(root.str(ciiHA + "/ram:SellerTradeParty/ram:Name"))
	}
	rep.Profile = profile
	if c.syntax != "" {
		rep.Scenario = selectScenario(root.name, profile)
	}
	c.scen = rep.Scenario
	if rep.Scenario == "" {
		c.fail(RuleNoScenario, root)
		if !all {
			rep.Findings = c.out
			rep.finish()
			return rep
		}
	}
	xr := all || strings.HasPrefix(rep.Scenario, "xrechnung")
	c.namespaces()
	switch c.syntax {
	case "ubl":
		c.ublCore()
		c.ublCodes()
		c.ublSyntax()
		if xr {
			c.ublXRechnung()
			c.ublPeppol()
		}
	case "cii":
		c.ciiCore()
		c.ciiCodes()
		c.ciiSyntax()
		if xr {
			c.ciiXRechnung()
			c.ciiPeppol()
		}
	}
	if xr {
		c.leitwegWarning()
	}
	rep.Findings = c.out
	rep.finish()
	return rep
}

// selectScenario mirrors the <match> expressions of the KoSIT XRechnung
// configuration: the root element and the exact BT-24 value.
func selectScenario(root, profile string) string {
	switch profile {
	case idXRechnung:
		return ScenarioXRechnungCIUS
	case idXRechnungExtension:
		if root == "cn:CreditNote" {
			return ""
		}
		return ScenarioXRechnungExtension
	case idXRechnungCVD:
		return ScenarioXRechnungCVD
	case idEN16931:
		return ScenarioEN16931
	}
	return ""
}
