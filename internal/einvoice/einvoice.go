// Package einvoice reads e-invoices exactly: UBL 2.1 Invoice and CreditNote,
// UN/CEFACT CII (XRechnung, EN 16931, ZUGFeRD 2.x / Factur-X), ZUGFeRD 1.0,
// Peppol SBDH envelopes and hybrid Factur-X/ZUGFeRD PDFs, into one
// normalised EN 16931 model with exact decimals. Validation lives in the
// sub-package validate, the human-readable PDF in visual.
//
// Security policy for XML from outside: UTF-8 only, no DOCTYPE or entity
// declarations, bounded nesting, element count and size (see Config).
package einvoice

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
)

// isPDF reports whether data starts like a PDF (the header may be preceded
// by up to 1 KB of junk, as PDF readers tolerate).
func isPDF(data []byte) bool {
	head := data
	if len(head) > 1024 {
		head = head[:1024]
	}
	return bytes.Contains(head, []byte("%PDF-"))
}

// formatOfRoot maps a document element to a Format.
func formatOfRoot(space, local string) Format {
	switch {
	case space == nsUBLInvoice && local == "Invoice":
		return UBLInvoice
	case space == nsUBLCreditNote && local == "CreditNote":
		return UBLCreditNote
	case space == nsRSM && local == "CrossIndustryInvoice":
		return CII
	case space == nsZF1RSM && local == "CrossIndustryDocument":
		return ZUGFeRD1
	}
	return Unknown
}

// Detect reports the format of data by content: the root element's
// namespace for XML (looking inside an SBDH envelope), the embedded files
// for a PDF. It never returns an error; anything unrecognised, hostile or
// damaged is Unknown (a PDF without invoice XML is PlainPDF).
func Detect(data []byte) Format {
	if isPDF(data) {
		lim := DefaultConfig()
		if int64(len(data)) > lim.MaxBytes {
			return Unknown
		}
		if _, err := extractPDFInvoice(context.Background(), data, lim); err != nil {
			if isErr(err, ErrNoInvoiceInPDF) {
				return PlainPDF
			}
			return Unknown
		}
		return FacturXPDF
	}
	if int64(len(data)) > DefaultConfig().MaxBytes {
		return Unknown
	}
	space, local, sbdh, err := sniffRoot(data)
	if err != nil {
		return Unknown
	}
	f := formatOfRoot(space, local)
	if f == Unknown && sbdh {
		// The payload may use namespace prefixes declared on the envelope,
		// which the sniffer does not track; parse properly.
		if doc, err := parseXML(context.Background(), data, DefaultConfig()); err == nil {
			return doc.Format
		}
	}
	return f
}

// Parse reads any supported input (XML, SBDH-wrapped XML, hybrid PDF) with
// DefaultConfig.
func Parse(ctx context.Context, data []byte) (*Document, error) {
	return ParseWithConfig(ctx, data, DefaultConfig())
}

// ParseWithConfig is Parse with explicit resource limits.
func ParseWithConfig(ctx context.Context, data []byte, lim Config) (*Document, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if lim.MaxBytes > 0 && int64(len(data)) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), lim.MaxBytes)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrNotEInvoice)
	}
	if isPDF(data) {
		res, err := extractPDFInvoice(ctx, data, lim)
		if err != nil {
			return nil, err
		}
		doc, err := parseXML(ctx, res.xml, lim)
		if err != nil {
			return nil, fmt.Errorf("embedded %s: %w", res.name, err)
		}
		doc.Format = FacturXPDF
		doc.FromPDF = true
		doc.EmbeddedName = res.name
		doc.AFRelationship = res.relationship
		doc.PDFAttachments = res.attachments
		doc.PDFConformanceLevel = res.conformance
		doc.Warnings = append(res.warnings, doc.Warnings...)
		if res.conformance != "" && !conformanceMatches(res.conformance, doc.Invoice.Profile) {
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("XMP conformance level %q does not match the specification identifier %q",
				res.conformance, doc.Invoice.CustomizationID.Value))
		}
		return doc, nil
	}
	if t := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))); len(t) > 0 && t[0] != '<' &&
		!bytes.HasPrefix(data, []byte("\xfe\xff")) && !bytes.HasPrefix(data, []byte("\xff\xfe")) {
		return nil, fmt.Errorf("%w: neither XML nor PDF", ErrNotEInvoice)
	}
	return parseXML(ctx, data, lim)
}

// parseXML parses an XML invoice, unwrapping an SBDH envelope.
func parseXML(ctx context.Context, data []byte, lim Config) (*Document, error) {
	root, err := readTree(ctx, data, lim)
	if err != nil {
		return nil, err
	}
	doc := &Document{XML: data}
	if root.Space == nsSBDH && root.Local == "StandardBusinessDocument" {
		var inner *Node
		for _, c := range root.Children {
			if !(c.Space == nsSBDH && c.Local == "StandardBusinessDocumentHeader") {
				inner = c
				break
			}
		}
		if inner == nil {
			return nil, fmt.Errorf("%w: SBDH envelope without a business document", ErrNotEInvoice)
		}
		doc.SBDH = true
		body := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		if inner.start >= 0 && inner.end <= int64(len(body)) && inner.start < inner.end {
			cut := body[inner.start:inner.end]
			// Keep the whole envelope when the invoice relies on namespace
			// declarations of the envelope: the cut would not be well-formed.
			if tagDeclaresNamespaces(cut) {
				doc.XML = cut
			}
		}
		inner.Parent = nil
		inner.pos, inner.count = 1, 1
		root = inner
	}
	setPaths(root)
	doc.Root = root
	doc.Format = formatOfRoot(root.Space, root.Local)
	switch doc.Format {
	case UBLInvoice, UBLCreditNote:
		doc.Invoice = parseUBL(root)
	case CII:
		doc.Invoice = parseCII(root, false)
	case ZUGFeRD1:
		doc.Invoice = parseCII(root, true)
	default:
		ns := root.Space
		if ns == "" {
			ns = "no namespace"
		}
		return nil, fmt.Errorf("%w: document element %s (%s)", ErrNotEInvoice, root.Local, clip(ns))
	}
	doc.Syntax = doc.Invoice.Syntax
	return doc, nil
}

// tagDeclaresNamespaces reports whether the first start tag in b declares a
// default or prefixed namespace.
func tagDeclaresNamespaces(b []byte) bool {
	end := bytes.IndexByte(b, '>')
	if end < 0 {
		return false
	}
	return bytes.Contains(b[:end], []byte("xmlns"))
}

// ParseFile reads and parses the file at path with DefaultConfig; a file
// larger than the limit is refused before it is read.
func ParseFile(ctx context.Context, path string) (*Document, error) {
	lim := DefaultConfig()
	data, err := readFileLimited(path, lim.MaxBytes)
	if err != nil {
		return nil, err
	}
	return ParseWithConfig(ctx, data, lim)
}

// readFileLimited reads at most limit bytes and fails with ErrTooLarge
// beyond, without reading the rest.
func readFileLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && limit > 0 && fi.Size() > limit {
		return nil, fmt.Errorf("%w: %s has %d bytes, limit %d", ErrTooLarge, path, fi.Size(), limit)
	}
	r := io.Reader(f)
	if limit > 0 {
		r = io.LimitReader(f, limit+1)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if limit > 0 && int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: %s exceeds %d bytes", ErrTooLarge, path, limit)
	}
	return data, nil
}
