package einvoice

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Namespace URIs of the supported syntaxes.
const (
	nsUBLInvoice    = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
	nsUBLCreditNote = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
	nsCBC           = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
	nsCAC           = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
	nsEXT           = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
	nsRSM           = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
	nsRAM           = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
	nsUDT           = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
	nsQDT           = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
	nsZF1RSM        = "urn:ferd:CrossIndustryDocument:invoice:1p0"
	nsZF1RAM        = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
	nsZF1UDT        = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15"
	nsZF1QDT        = "urn:un:unece:uncefact:data:standard:QualifiedDataType:12"
	nsSBDH          = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
)

// canonicalPrefix maps namespace URIs to the prefixes used in Node.Prefix
// and in Source paths, independent of the prefixes the sender chose.
var canonicalPrefix = map[string]string{
	nsUBLInvoice:    "",
	nsUBLCreditNote: "",
	nsCBC:           "cbc",
	nsCAC:           "cac",
	nsEXT:           "ext",
	nsRSM:           "rsm",
	nsRAM:           "ram",
	nsUDT:           "udt",
	nsQDT:           "qdt",
	nsZF1RSM:        "rsm",
	nsZF1RAM:        "ram",
	nsZF1UDT:        "udt",
	nsZF1QDT:        "qdt",
	nsSBDH:          "sh",
	"":              "",
}

// Config bounds the resources spent on one input. Zero values mean "no
// limit" and are refused by Validate; start from DefaultConfig.
type Config struct {
	// MaxBytes is the largest accepted input (XML or PDF, and the largest
	// decoded PDF attachment).
	MaxBytes int64 `yaml:"max_bytes"`
	// MaxDepth is the deepest accepted element nesting; real invoices stay
	// below 20.
	MaxDepth int `yaml:"max_depth"`
	// MaxElements caps the number of elements in one XML document.
	MaxElements int `yaml:"max_elements"`
}

// DefaultConfig is used by Parse and ParseFile: max_bytes 50 MB (large
// enough for invoices with embedded attachments), max_depth 64,
// max_elements 2,000,000.
func DefaultConfig() Config {
	return Config{MaxBytes: 50 << 20, MaxDepth: 64, MaxElements: 2_000_000}
}

// Validate checks the configuration; messages name the key.
func (c Config) Validate() error {
	switch {
	case c.MaxBytes < 1024:
		return fmt.Errorf("max_bytes: must be at least 1024, got %d", c.MaxBytes)
	case c.MaxBytes > 1<<30:
		return fmt.Errorf("max_bytes: must be at most 1 GiB, got %d", c.MaxBytes)
	case c.MaxDepth < 16 || c.MaxDepth > 1000:
		return fmt.Errorf("max_depth: must be between 16 and 1000, got %d", c.MaxDepth)
	case c.MaxElements < 1000:
		return fmt.Errorf("max_elements: must be at least 1000, got %d", c.MaxElements)
	}
	return nil
}

// readTree parses XML into a Node tree with the security policy of the
// package: UTF-8 only (a UTF-8 BOM is allowed), no DOCTYPE or entity
// declarations, bounded depth and element count. It checks ctx every few
// thousand tokens.
func readTree(ctx context.Context, data []byte, lim Config) (*Node, error) {
	if lim.MaxBytes > 0 && int64(len(data)) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), lim.MaxBytes)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if bytes.HasPrefix(data, []byte("\xfe\xff")) || bytes.HasPrefix(data, []byte("\xff\xfe")) {
		return nil, fmt.Errorf("%w: UTF-16 is not supported, e-invoices must be UTF-8", ErrInvalidEncoding)
	}
	if !utf8.Valid(data) {
		off := invalidUTF8Offset(data)
		return nil, fmt.Errorf("%w: invalid UTF-8 at byte %d", ErrInvalidEncoding, off)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.CharsetReader = func(charset string, input io.Reader) (io.Reader, error) {
		switch strings.ToLower(charset) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return input, nil
		}
		return nil, fmt.Errorf("%w: declared encoding %q, e-invoices must be UTF-8", ErrInvalidEncoding, charset)
	}
	var (
		root     *Node
		cur      *Node
		depth    int
		elements int
		// texts[d] collects the character data directly inside the open
		// element at depth d+1; appending per level keeps mixed content
		// linear instead of re-concatenating strings.
		texts  [][]byte
		tokens int
	)
	for {
		tokens++
		if tokens&0xfff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		offset := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, ErrInvalidEncoding) {
				return nil, err
			}
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, fmt.Errorf("%w: XML line %d: %s", ErrMalformed, se.Line, se.Msg)
			}
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			elements++
			if lim.MaxDepth > 0 && depth > lim.MaxDepth {
				return nil, fmt.Errorf("%w: elements nested deeper than %d", ErrHostileXML, lim.MaxDepth)
			}
			if lim.MaxElements > 0 && elements > lim.MaxElements {
				return nil, fmt.Errorf("%w: more than %d elements", ErrTooLarge, lim.MaxElements)
			}
			if cur == nil && root != nil {
				return nil, fmt.Errorf("%w: more than one document element", ErrMalformed)
			}
			line, _ := dec.InputPos()
			n := &Node{Space: t.Name.Space, Local: t.Name.Local, Parent: cur, Line: line, start: offset}
			if p, ok := canonicalPrefix[t.Name.Space]; ok {
				n.Prefix = p
			} else {
				n.Prefix = "?"
			}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				n.Attrs = append(n.Attrs, Attr{Space: a.Name.Space, Local: a.Name.Local, Value: a.Value})
			}
			if cur != nil {
				cur.Children = append(cur.Children, n)
			} else {
				root = n
			}
			if len(texts) < depth {
				texts = append(texts, nil)
			}
			texts[depth-1] = texts[depth-1][:0]
			cur = n
		case xml.EndElement:
			if cur == nil {
				return nil, fmt.Errorf("%w: unexpected end tag", ErrMalformed)
			}
			// Whitespace between child elements is formatting, not content.
			if t := texts[depth-1]; len(cur.Children) == 0 || len(bytes.TrimSpace(t)) > 0 {
				cur.Text = string(t)
			}
			numberChildren(cur)
			cur.end = dec.InputOffset()
			cur = cur.Parent
			depth--
		case xml.CharData:
			if cur != nil {
				texts[depth-1] = append(texts[depth-1], t...)
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, fmt.Errorf("%w: text outside the document element", ErrMalformed)
			}
		case xml.Directive:
			d := strings.ToUpper(strings.TrimSpace(string(t)))
			if strings.HasPrefix(d, "DOCTYPE") || strings.HasPrefix(d, "ENTITY") {
				return nil, fmt.Errorf("%w: DOCTYPE or entity declarations are not allowed in e-invoices", ErrHostileXML)
			}
			return nil, fmt.Errorf("%w: XML directive <!%s> not allowed", ErrHostileXML, clip(string(t)))
		}
	}
	if root == nil {
		return nil, fmt.Errorf("%w: no document element", ErrMalformed)
	}
	if cur != nil {
		return nil, fmt.Errorf("%w: unexpected end of XML", ErrMalformed)
	}
	root.pos, root.count = 1, 1
	return root, nil
}

// numberChildren sets each child's position among same-named siblings, so
// that Path can write [n] only where it disambiguates.
func numberChildren(n *Node) {
	ch := n.Children
	if len(ch) == 0 {
		return
	}
	if len(ch) <= 16 {
		for i, c := range ch {
			c.pos, c.count = 1, 1
			for j := range i {
				if ch[j].Local == c.Local && ch[j].Space == c.Space {
					c.pos++
				}
			}
		}
		for _, c := range ch {
			for _, o := range ch {
				if o != c && o.Local == c.Local && o.Space == c.Space {
					c.count++
				}
			}
		}
		return
	}
	type key struct{ s, l string }
	counts := make(map[key]int)
	for _, c := range ch {
		k := key{c.Space, c.Local}
		counts[k]++
		c.pos = counts[k]
	}
	for _, c := range ch {
		c.count = counts[key{c.Space, c.Local}]
	}
}

func invalidUTF8Offset(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// sniffRoot returns the namespace and local name of the document element
// without building a tree; for an SBDH envelope it returns the first child
// of the envelope that is not the header. It reads at most the first
// 4,096 tokens and rejects DOCTYPEs like readTree.
func sniffRoot(data []byte) (space, local string, sbdh bool, err error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = func(charset string, input io.Reader) (io.Reader, error) { return input, nil }
	depth := 0
	for i := 0; i < 4096; i++ {
		tok, err := dec.RawToken()
		if err != nil {
			return "", "", false, err
		}
		switch t := tok.(type) {
		case xml.Directive:
			return "", "", false, ErrHostileXML
		case xml.StartElement:
			ns := ""
			for _, a := range t.Attr {
				if (t.Name.Space == "" && a.Name.Space == "" && a.Name.Local == "xmlns") ||
					(a.Name.Space == "xmlns" && a.Name.Local == t.Name.Space) {
					ns = a.Value
				}
			}
			if depth == 0 {
				if t.Name.Local == "StandardBusinessDocument" {
					sbdh = true
					depth++
					continue
				}
				return ns, t.Name.Local, false, nil
			}
			if depth == 1 && t.Name.Local != "StandardBusinessDocumentHeader" {
				// Namespaces declared on the envelope are not tracked here;
				// a missing ns is resolved by the full parse later.
				return ns, t.Name.Local, true, nil
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return "", "", sbdh, ErrNotEInvoice
}
