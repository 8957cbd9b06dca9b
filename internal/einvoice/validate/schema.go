package validate

import "strings"

// maxNamespaceFindings bounds the report of a document written entirely in
// a foreign namespace; one finding already rejects it.
const maxNamespaceFindings = 20

// namespaces stands in for the part of the KoSIT validator's XSD step that a
// structural check can decide exactly: every element of a CII D16B document
// belongs to the rsm, ram, udt or qdt namespace (the schema has no wildcard),
// and every element of a UBL 2.1 document belongs to the UBL namespaces
// except inside ext:ExtensionContent, whose content the schema leaves open.
// An element without a namespace prefix, a common mistake of hand-written
// generators, therefore fails schema validation.
func (c *checker) namespaces() {
	allowed := ublNamespace
	if c.syntax == "cii" {
		allowed = ciiNamespace
	}
	type item struct {
		n     *node
		depth int
	}
	found := 0
	stack := []item{{c.root, 0}}
	for len(stack) > 0 && found < maxNamespaceFindings {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.depth > 0 && !allowed(it.n.name, it.depth) {
			c.fail(RuleSchemaNamespace, it.n)
			found++
			continue // its content is reported with it
		}
		if it.n.name == "ext:ExtensionContent" {
			continue
		}
		for i := len(it.n.kids) - 1; i >= 0; i-- {
			stack = append(stack, item{it.n.kids[i], it.depth + 1})
		}
	}
}

// ciiNamespace reports whether an element at depth (root = 0) may have
// name: the document's own rsm namespace holds the root's children only,
// everything below is ram, udt or qdt.
func ciiNamespace(name string, depth int) bool {
	prefix, _, ok := strings.Cut(name, ":")
	if !ok || strings.HasPrefix(name, "{") {
		return false
	}
	if depth == 1 {
		return prefix == "rsm"
	}
	switch prefix {
	case "ram", "udt", "qdt":
		return true
	}
	return false
}

// ublNamespace reports whether an element below the root may have name: the
// document namespace (Invoice-2, CreditNote-2) holds the root only, its
// content is cac, cbc or ext.
func ublNamespace(name string, depth int) bool {
	prefix, _, ok := strings.Cut(name, ":")
	if !ok || strings.HasPrefix(name, "{") {
		return false
	}
	switch prefix {
	case "cac", "cbc", "ext":
		return true
	}
	return false
}
