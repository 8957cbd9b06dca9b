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
	n := 0
	stack := []*node{c.root}
	for len(stack) > 0 && n < maxNamespaceFindings {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !allowed(e.name) {
			c.fail(RuleSchemaNamespace, e)
			n++
			continue // its content is reported with it
		}
		if e.name == "ext:ExtensionContent" {
			continue
		}
		for i := len(e.kids) - 1; i >= 0; i-- {
			stack = append(stack, e.kids[i])
		}
	}
}

func ciiNamespace(name string) bool {
	prefix, _, ok := strings.Cut(name, ":")
	if !ok || strings.HasPrefix(name, "{") {
		return false
	}
	switch prefix {
	case "rsm", "ram", "udt", "qdt":
		return true
	}
	return false
}

func ublNamespace(name string) bool {
	prefix, _, ok := strings.Cut(name, ":")
	if !ok || strings.HasPrefix(name, "{") {
		return false
	}
	switch prefix {
	case "ubl", "cn", "cac", "cbc", "ext":
		return true
	}
	return false
}
