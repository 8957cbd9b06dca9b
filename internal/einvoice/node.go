package einvoice

import (
	"strconv"
	"strings"
)

// Node is one element of the parsed invoice XML. The tree is kept so that
// syntax rules (UBL-CR, CII-SR, PEPPOL-R008 "no empty elements", …) can look
// at elements the semantic model does not carry.
type Node struct {
	// Space is the namespace URI, Local the local name.
	Space, Local string
	// Prefix is the canonical prefix for Space (cbc, cac, ram, rsm, udt, …),
	// or "" for the UBL root namespaces and unknown namespaces.
	Prefix string
	// Attrs are the element's attributes (namespace declarations excluded).
	Attrs []Attr
	// Text is the concatenated character data directly inside the element.
	Text string
	// Children are the child elements in document order.
	Children []*Node
	// Parent is nil for the root.
	Parent *Node
	// Line is the 1-based line of the start tag.
	Line int
	// pos is the 1-based position among same-named siblings; count is the
	// number of same-named siblings (set after the parent is complete).
	pos, count int
	// start and end are the byte offsets of the element in the XML (after
	// a UTF-8 BOM), used to cut an invoice out of an SBDH envelope.
	start, end int64
	// path caches Path; set by setPaths when the tree is complete.
	path string
}

// Attr is one XML attribute: namespace URI, local name and value.
type Attr struct {
	Space, Local, Value string
}

// QName returns "prefix:local" or "local".
func (n *Node) QName() string {
	if n.Prefix == "" {
		return n.Local
	}
	return n.Prefix + ":" + n.Local
}

// Path returns the XPath-like location of n, e.g.
// "/Invoice/cac:InvoiceLine[2]/cbc:ID". Positions are written only where
// same-named siblings exist.
func (n *Node) Path() string {
	if n == nil {
		return ""
	}
	if n.path == "" {
		// Trees built by readTree have every path set; this is for trees
		// whose root was re-parented (SBDH) or built by hand.
		return computePath(n)
	}
	return n.path
}

func computePath(n *Node) string {
	parent := ""
	if n.Parent != nil {
		parent = n.Parent.Path()
	}
	var b strings.Builder
	b.Grow(len(parent) + len(n.Prefix) + len(n.Local) + 8)
	b.WriteString(parent)
	b.WriteByte('/')
	b.WriteString(n.QName())
	if n.count > 1 {
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(n.pos))
		b.WriteByte(']')
	}
	return b.String()
}

// setPaths fills the path cache of n and its descendants once, so that the
// finished tree is read-only and safe for concurrent use.
func setPaths(n *Node) {
	n.path = computePath(n)
	for _, c := range n.Children {
		setPaths(c)
	}
}

// Source returns the location of n for the model.
func (n *Node) Source() Source {
	if n == nil {
		return Source{}
	}
	return Source{Path: n.Path(), Line: n.Line}
}

// Attr returns the value of the attribute with the given local name (in no
// namespace) and whether it exists.
func (n *Node) Attr(local string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.Attrs {
		if a.Local == local && a.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

// Child returns the first child with the given prefix and local name.
func (n *Node) Child(prefix, local string) *Node {
	if n == nil {
		return nil
	}
	for _, c := range n.Children {
		if c.Local == local && c.Prefix == prefix {
			return c
		}
	}
	return nil
}

// ChildrenNamed returns every child with the given prefix and local name.
func (n *Node) ChildrenNamed(prefix, local string) []*Node {
	if n == nil {
		return nil
	}
	var out []*Node
	for _, c := range n.Children {
		if c.Local == local && c.Prefix == prefix {
			out = append(out, c)
		}
	}
	return out
}

// Find follows a path of "prefix:local" steps from n and returns the first
// match, e.g. n.Find("cac:AccountingSupplierParty", "cac:Party").
func (n *Node) Find(steps ...string) *Node {
	m := n
	for _, s := range steps {
		if m == nil {
			return nil
		}
		p, l, _ := strings.Cut(s, ":")
		if l == "" {
			p, l = "", p
		}
		m = m.Child(p, l)
	}
	return m
}

// Walk calls fn for n and every descendant in document order; fn returns
// false to skip the children of a node.
func (n *Node) Walk(fn func(*Node) bool) {
	if n == nil {
		return
	}
	stack := []*Node{n}
	for len(stack) > 0 {
		m := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !fn(m) {
			continue
		}
		for i := len(m.Children) - 1; i >= 0; i-- {
			stack = append(stack, m.Children[i])
		}
	}
}
