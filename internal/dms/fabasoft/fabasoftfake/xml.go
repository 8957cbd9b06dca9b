package fabasoftfake

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// node is a minimal DOM. The fake parses requests into it (rather than into
// tagged structs) so it can be strict where encoding/xml would silently
// ignore a wrong namespace: every element and every qualified attribute is
// checked against the documented schema namespaces.
type node struct {
	Name     xml.Name
	Attr     []xml.Attr
	Children []*node
	Text     string
}

const maxDepth = 64

// blobMin is the length from which a run of base64 text is lifted out of
// the document before tokenising: encoding/xml reads text byte by byte
// (~50 MB/s), which would make the fake, not the client, dominate the
// delivery benchmark. Base64 contains neither '&' nor '<', so the text
// is the same with or without the XML decoder.
const blobMin = 32 << 10

// b64Chars is a read-only lookup table of base64 characters and XML
// whitespace.
var b64Chars = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n\t ") {
		t[c] = true
	}
	return t
}()

// liftBlobs replaces long base64 runs between '>' and '<' by short
// placeholders and returns them.
func liftBlobs(data []byte) ([]byte, []string) {
	var out []byte
	var blobs []string
	last := 0
	for i := 0; i < len(data); i++ {
		if data[i] != '>' {
			continue
		}
		j := i + 1
		for j < len(data) && b64Chars[data[j]] {
			j++
		}
		if j-(i+1) >= blobMin && j < len(data) && data[j] == '<' {
			if out == nil {
				out = make([]byte, 0, len(data)/8)
			}
			out = append(out, data[last:i+1]...)
			out = append(out, blobMarker(len(blobs))...)
			blobs = append(blobs, string(data[i+1:j]))
			last = j
		}
		i = j - 1
	}
	if out == nil {
		return data, nil
	}
	return append(out, data[last:]...), blobs
}

// blobMarker uses private-use characters: valid XML text that no
// base64 run and no sensible request contains.
func blobMarker(k int) string { return fmt.Sprintf("\uE000blob%d\uE000", k) }

func parseDOM(data []byte) (*node, error) {
	data, blobs := liftBlobs(data)
	root, err := parseTree(bytes.NewReader(data))
	if err != nil || len(blobs) == 0 {
		return root, err
	}
	markers := make(map[string]int, len(blobs))
	for k := range blobs {
		markers[blobMarker(k)] = k
	}
	var restore func(n *node)
	restore = func(n *node) {
		if k, ok := markers[n.Text]; ok {
			n.Text = blobs[k]
		}
		for _, c := range n.Children {
			restore(c)
		}
	}
	restore(root)
	return root, nil
}

func parseTree(r io.Reader) (*node, error) {
	d := xml.NewDecoder(r)
	d.Strict = true
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, errors.New("DTD not allowed")
		case xml.StartElement:
			if len(stack) >= maxDepth {
				return nil, errors.New("nesting too deep")
			}
			n := &node{Name: t.Name, Attr: t.Attr}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			} else if root != nil {
				return nil, errors.New("more than one root element")
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				n := stack[len(stack)-1]
				n.Text += string(t)
			}
		}
	}
	if root == nil {
		return nil, errors.New("empty document")
	}
	return root, nil
}

// child returns the first child with the given namespace and local name.
func (n *node) child(ns, local string) *node {
	for _, c := range n.Children {
		if c.Name.Space == ns && c.Name.Local == local {
			return c
		}
	}
	return nil
}

func (n *node) childText(ns, local string) string {
	if c := n.child(ns, local); c != nil {
		return strings.TrimSpace(c.Text)
	}
	return ""
}

func (n *node) all(ns, local string) []*node {
	var out []*node
	for _, c := range n.Children {
		if c.Name.Space == ns && c.Name.Local == local {
			out = append(out, c)
		}
	}
	return out
}

// attr returns the value of the attribute local in namespace ns. A
// matching attribute without namespace is reported as unqualified.
func (n *node) attr(ns, local string) (val string, found, qualified bool) {
	for _, a := range n.Attr {
		if a.Name.Local != local {
			continue
		}
		if a.Name.Space == ns {
			return a.Value, true, true
		}
		if a.Name.Space == "" {
			val, found = a.Value, true
		}
	}
	return val, found, false
}

// checkNamespace requires every element below n (except inside elements
// named in skip, which are xsd:any) to be in ns: the schemas declare
// elementFormDefault="qualified".
func (n *node) checkNamespace(ns string, skip ...string) error {
	for _, c := range n.Children {
		if c.Name.Space != ns {
			return fmt.Errorf("element %s must be in namespace %s, is in %q", c.Name.Local, ns, c.Name.Space)
		}
		if contains(skip, c.Name.Local) {
			continue
		}
		if err := c.checkNamespace(ns, skip...); err != nil {
			return err
		}
	}
	return nil
}

// checkSequence verifies that the children follow the xsd:sequence order
// and appear at most once (all elements of the gov create schemas are
// optional except where the caller checks it).
func (n *node) checkSequence(order []string, repeatable ...string) error {
	pos := 0
	seen := map[string]bool{}
	for _, c := range n.Children {
		i := indexOf(order, c.Name.Local)
		if i < 0 {
			return fmt.Errorf("unexpected element %s in %s", c.Name.Local, n.Name.Local)
		}
		if i < pos || (seen[c.Name.Local] && !contains(repeatable, c.Name.Local)) {
			return fmt.Errorf("element %s out of sequence in %s (order: %s)", c.Name.Local, n.Name.Local, strings.Join(order, ", "))
		}
		pos = i
		seen[c.Name.Local] = true
	}
	return nil
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func contains(s []string, v string) bool { return indexOf(s, v) >= 0 }

// writer builds response envelopes.
type writer struct{ bytes.Buffer }

func newEnvelope() *writer {
	w := &writer{}
	w.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	w.WriteString(`<soapenv:Envelope xmlns:soapenv="` + nsSOAPEnv + `"><soapenv:Body>`)
	return w
}

func (w *writer) finish() []byte {
	w.WriteString(`</soapenv:Body></soapenv:Envelope>`)
	return w.Bytes()
}

func (w *writer) text(s string) { xml.EscapeText(w, []byte(s)) }

func (w *writer) elem(prefix, name, text string) {
	tag := name
	if prefix != "" {
		tag = prefix + ":" + name
	}
	w.WriteString("<" + tag + ">")
	w.text(text)
	w.WriteString("</" + tag + ">")
}

func (w *writer) attrValue(s string) {
	w.WriteByte('"')
	w.text(s)
	w.WriteByte('"')
}
