package validate

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits that bound the work done on hostile input. Real invoices stay far
// below them (the deepest official test instance nests 9 levels).
const (
	maxDepth    = 128
	maxElements = 2_000_000
	maxInput    = 256 << 20
)

// Namespace URIs of the two syntaxes, mapped to the prefixes used in rule
// paths and in reported locations.
var prefixOf = map[string]string{
	"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2":               "cbc",
	"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2":           "cac",
	"urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2":           "ext",
	"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2":                             "ubl",
	"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2":                          "cn",
	"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100":                       "rsm",
	"urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100": "ram",
	"urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100":                        "udt",
	"urn:un:unece:uncefact:data:standard:QualifiedDataType:100":                          "qdt",
}

// node is one element of the parsed document. The validator works on this
// tree rather than on the normalised einvoice model because the Schematron
// rules it re-implements are defined on syntax: presence of empty elements,
// attributes such as currencyID and schemeID, element counts and contexts
// that fire only where an element exists.
type node struct {
	name   string // "prefix:local" with the canonical prefix, or "{ns}local"
	attrs  []xml.Attr
	text   string // character data directly inside the element
	kids   []*node
	parent *node
	pos    int  // 1-based position among siblings of the same name
	count  int  // number of siblings with the same name
	order  int  // document order
	dec    *num // cached decimal value of the element
}

var errDoctype = errors.New("DOCTYPE declarations are not allowed")

// parseTree reads an XML document into a node tree, refusing DOCTYPEs and
// bounding depth and element count.
func parseTree(data []byte) (*node, map[string][]*node, error) {
	if len(data) > maxInput {
		return nil, nil, fmt.Errorf("document larger than %d bytes", maxInput)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return r, nil
		}
		return nil, fmt.Errorf("unsupported encoding %q", label)
	}
	index := make(map[string][]*node)
	var root, cur *node
	var textBuf strings.Builder
	depth, count := 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			count++
			if depth > maxDepth {
				return nil, nil, fmt.Errorf("element nesting deeper than %d", maxDepth)
			}
			if count > maxElements {
				return nil, nil, fmt.Errorf("more than %d elements", maxElements)
			}
			if cur == nil && root != nil {
				return nil, nil, errors.New("more than one root element")
			}
			if cur != nil {
				cur.text += textBuf.String()
			}
			textBuf.Reset()
			n := &node{name: qname(t.Name), attrs: t.Attr, parent: cur, order: count}
			if cur == nil {
				root = n
			} else {
				pos := 1
				for _, k := range cur.kids {
					if k.name == n.name {
						pos++
					}
				}
				n.pos = pos
				cur.kids = append(cur.kids, n)
			}
			if n.pos == 0 {
				n.pos = 1
			}
			index[n.name] = append(index[n.name], n)
			cur = n
		case xml.EndElement:
			depth--
			if cur != nil {
				cur.text += textBuf.String()
				textBuf.Reset()
				cur = cur.parent
			}
		case xml.CharData:
			if cur != nil {
				if textBuf.Len()+len(t) > 64<<20 {
					return nil, nil, errors.New("text node too large")
				}
				textBuf.Write(t)
			}
		case xml.Directive:
			if bytes.HasPrefix(bytes.TrimSpace(t), []byte("DOCTYPE")) {
				return nil, nil, errDoctype
			}
		}
	}
	if root == nil {
		return nil, nil, errors.New("no root element")
	}
	setCounts(root)
	return root, index, nil
}

func qname(n xml.Name) string {
	if p, ok := prefixOf[n.Space]; ok {
		return p + ":" + n.Local
	}
	if n.Space == "" {
		return n.Local
	}
	return "{" + n.Space + "}" + n.Local
}

// child returns the first child with the given qualified name.
func (n *node) child(name string) *node {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

// all returns every node reached by a relative path of child steps
// ("cac:A/cac:B"), in document order.
func (n *node) all(path string) []*node {
	if n == nil {
		return nil
	}
	cur := []*node{n}
	for path != "" {
		step := path
		if i := strings.IndexByte(path, '/'); i >= 0 {
			step, path = path[:i], path[i+1:]
		} else {
			path = ""
		}
		var next []*node
		for _, c := range cur {
			for _, k := range c.kids {
				if k.name == step {
					next = append(next, k)
				}
			}
		}
		if len(next) == 0 {
			return nil
		}
		cur = next
	}
	return cur
}

// first returns the first node reached by path, or nil, in document order.
func (n *node) first(path string) *node {
	if n == nil {
		return nil
	}
	step, rest, more := strings.Cut(path, "/")
	for _, k := range n.kids {
		if k.name != step {
			continue
		}
		if !more {
			return k
		}
		if m := k.first(rest); m != nil {
			return m
		}
	}
	return nil
}

// has reports whether path reaches at least one node (XPath exists()).
func (n *node) has(path string) bool { return n.first(path) != nil }

// str is the XPath string value of the first node on path ("" if none).
func (n *node) str(path string) string {
	if path == "" {
		return n.value()
	}
	return n.first(path).value()
}

// norm is normalize-space() of str.
func (n *node) norm(path string) string { return normSpace(n.str(path)) }

// value is the XPath string value: all descendant character data.
func (n *node) value() string {
	if n == nil {
		return ""
	}
	if len(n.kids) == 0 {
		return n.text
	}
	var b strings.Builder
	n.collect(&b)
	return b.String()
}

func (n *node) collect(b *strings.Builder) {
	b.WriteString(n.text)
	for _, k := range n.kids {
		k.collect(b)
	}
}

// attr returns the value of an unqualified attribute and whether it exists.
func (n *node) attr(local string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.attrs {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

// descendants returns all descendant elements named name, in document order.
func (n *node) descendants(name string) []*node {
	var out []*node
	var walk func(*node)
	walk = func(m *node) {
		for _, k := range m.kids {
			if k.name == name {
				out = append(out, k)
			}
			walk(k)
		}
	}
	if n != nil {
		walk(n)
	}
	return out
}

// path renders an XPath-like location such as
// /Invoice/cac:AccountingSupplierParty[1]/cac:Party[1].
func (n *node) path() string {
	if n == nil {
		return ""
	}
	var parts []string
	for m := n; m != nil; m = m.parent {
		name := m.name
		switch {
		case strings.HasPrefix(name, "{"):
			// unknown namespace: the local name is all a reader needs
			name = name[strings.IndexByte(name, '}')+1:]
		case m.parent == nil:
			if i := strings.IndexByte(name, ':'); i >= 0 {
				name = name[i+1:]
			}
		}
		if m.count > 1 {
			parts = append(parts, name+"["+strconv.Itoa(m.pos)+"]")
		} else {
			parts = append(parts, name)
		}
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(parts[i])
	}
	return b.String()
}

// normSpace is XPath normalize-space(); it avoids allocating when s is
// already normalised, which is the common case.
func normSpace(s string) string {
	clean := len(s) == 0 || (s[0] != ' ' && s[len(s)-1] != ' ')
	for i := 0; clean && i < len(s); i++ {
		switch s[i] {
		case '\t', '\n', '\r', '\v', '\f':
			clean = false
		case ' ':
			if i+1 < len(s) && s[i+1] == ' ' {
				clean = false
			}
		}
		if s[i] >= 0x80 {
			clean = false
		}
	}
	if clean {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// setCounts fills count for every element (iteratively, the tree may be deep).
func setCounts(root *node) {
	stack := []*node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.parent == nil {
			n.count = 1
		}
		per := make(map[string]int, len(n.kids))
		for _, k := range n.kids {
			per[k.name]++
		}
		for _, k := range n.kids {
			k.count = per[k.name]
			stack = append(stack, k)
		}
	}
}

func xmlAttr(space, local, value string) xml.Attr {
	return xml.Attr{Name: xml.Name{Space: space, Local: local}, Value: value}
}
