package pdf

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"time"

	"strings"

	"github.com/eingang/eingang/internal/pdfraw"
)

// defaultProducer goes into /Producer and the XMP copy when Meta gives none.
const defaultProducer = "eingang"

// PDFAClaimable reports whether the output can carry a PDF/A-2b
// identification: only pages this package laid out (scanned images plus
// the embedded glyphless font). Kept born-digital pages may use fonts
// that are not embedded, so their documents get no claim.
func (doc *Document) PDFAClaimable() bool {
	for _, p := range doc.Pages {
		if p.ShowsText || p.Image == nil {
			return false
		}
	}
	return true
}

// addMetadata puts the new revision of the document information
// dictionary and the catalog into u: the XMP packet, the sRGB output intent
// and, when the document qualifies, the PDF/A-2b identification. The XMP
// copy of every Info entry must agree with it, so both are written here.
func addMetadata(f *pdfraw.File, u *pdfraw.Update, meta Meta, claim bool, now time.Time) error {
	catRef, cat, err := f.Catalog()
	if err != nil {
		return fmt.Errorf("%w: catalog: %v", ErrCorrupt, err)
	}
	info := pdfraw.Dict{}
	infoRef, ok := f.Trailer().Ref("Info")
	if ok {
		if d, err := f.ResolveDict(infoRef); err == nil && d != nil {
			info = d.Clone()
		}
	} else {
		if d, ok := f.Trailer()["Info"].(pdfraw.Dict); ok {
			info = d.Clone()
		}
		infoRef = u.Alloc()
		u.SetTrailer("Info", infoRef)
	}
	texts := map[string]string{}
	for _, k := range []string{"Title", "Author", "Subject", "Keywords", "Creator"} {
		if s, ok := info[pdfraw.Name(k)].(pdfraw.String); ok {
			texts[k] = decodeText(s)
		}
	}
	if meta.Title != "" {
		info["Title"] = pdfraw.TextString(meta.Title)
		texts["Title"] = meta.Title
	}
	producer := meta.Producer
	if producer == "" {
		producer = defaultProducer
	}
	info["Producer"] = pdfraw.TextString(producer)
	created := now
	if s, ok := info["CreationDate"].(pdfraw.String); ok {
		if t, ok := parseDate(string(s)); ok {
			created = t
		}
	}
	// Rewritten even when kept, in the one form the XMP date matches.
	info["CreationDate"] = pdfraw.String(formatDate(created))
	info["ModDate"] = pdfraw.String(formatDate(now))
	u.Put(infoRef, info)

	claim = claim && len(meta.ICCProfile) > 0
	md := u.Alloc()
	u.PutStream(md, pdfraw.Dict{"Type": pdfraw.Name("Metadata"), "Subtype": pdfraw.Name("XML")}, xmpPacket(texts, producer, created, now, claim))
	cat = cat.Clone()
	cat["Metadata"] = md
	if claim {
		icc := u.Alloc()
		putFlate(u, icc, pdfraw.Dict{"N": int64(3)}, meta.ICCProfile)
		cat["OutputIntents"] = pdfraw.Array{pdfraw.Dict{
			"Type": pdfraw.Name("OutputIntent"), "S": pdfraw.Name("GTS_PDFA1"),
			"OutputConditionIdentifier": pdfraw.String("sRGB IEC61966-2.1"),
			"Info":                      pdfraw.String("sRGB IEC61966-2.1"),
			"DestOutputProfile":         icc,
		}}
	}
	u.Put(catRef, cat)
	return nil
}

// decodeText decodes a PDF text string: UTF-16BE with a byte order mark, or
// PDFDocEncoding, read as Latin-1 (they agree on the letters of German).
func decodeText(s pdfraw.String) string {
	if len(s) >= 2 && s[0] == 0xfe && s[1] == 0xff {
		return pdfraw.DecodeTextString(s)
	}
	rs := make([]rune, len(s))
	for i, c := range s {
		rs[i] = rune(c)
	}
	return strings.ToValidUTF8(string(rs), "")
}

// formatDate writes t as a PDF date (PDF 32000-1 §7.9.4).
func formatDate(t time.Time) string {
	_, off := t.Zone()
	if off == 0 {
		return t.Format("D:20060102150405Z")
	}
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("%s%c%02d'%02d'", t.Format("D:20060102150405"), sign, off/3600, off%3600/60)
}

// parseDate reads a PDF date. Fields missing at the end take their
// defaults; a missing time zone is read as UTC.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "D:")
	digits := 0
	for digits < len(s) && digits < 14 && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	if digits < 4 || digits%2 != 0 {
		return time.Time{}, false
	}
	full := s[:digits] + "0101000000"[digits-4:]
	loc := time.UTC
	if rest := s[digits:]; len(rest) >= 3 && (rest[0] == '+' || rest[0] == '-') {
		var h, m int
		if _, err := fmt.Sscanf(strings.ReplaceAll(rest[1:], "'", " "), "%d %d", &h, &m); err != nil {
			if _, err := fmt.Sscanf(rest[1:3], "%d", &h); err != nil {
				return time.Time{}, false
			}
		}
		off := h*3600 + m*60
		if rest[0] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	t, err := time.ParseInLocation("20060102150405", full, loc)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

func xmlText(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func xmpPacket(info map[string]string, producer string, created, modified time.Time, claim bool) []byte {
	var b bytes.Buffer
	cs, ms := created.Format("2006-01-02T15:04:05-07:00"), modified.Format("2006-01-02T15:04:05-07:00")
	b.WriteString("<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` + "\n")
	b.WriteString(`<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:dc="http://purl.org/dc/elements/1.1/">` + "\n")
	if claim {
		b.WriteString("<pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>\n")
	}
	fmt.Fprintf(&b, "<xmp:CreateDate>%s</xmp:CreateDate><xmp:ModifyDate>%s</xmp:ModifyDate><xmp:MetadataDate>%s</xmp:MetadataDate>\n", cs, ms, ms)
	fmt.Fprintf(&b, "<pdf:Producer>%s</pdf:Producer>\n", xmlText(producer))
	if v, ok := info["Creator"]; ok {
		fmt.Fprintf(&b, "<xmp:CreatorTool>%s</xmp:CreatorTool>\n", xmlText(v))
	}
	if v, ok := info["Keywords"]; ok {
		fmt.Fprintf(&b, "<pdf:Keywords>%s</pdf:Keywords>\n", xmlText(v))
	}
	if v, ok := info["Title"]; ok {
		fmt.Fprintf(&b, `<dc:title><rdf:Alt><rdf:li xml:lang="x-default">%s</rdf:li></rdf:Alt></dc:title>`+"\n", xmlText(v))
	}
	if v, ok := info["Author"]; ok {
		fmt.Fprintf(&b, "<dc:creator><rdf:Seq><rdf:li>%s</rdf:li></rdf:Seq></dc:creator>\n", xmlText(v))
	}
	if v, ok := info["Subject"]; ok {
		fmt.Fprintf(&b, `<dc:description><rdf:Alt><rdf:li xml:lang="x-default">%s</rdf:li></rdf:Alt></dc:description>`+"\n", xmlText(v))
	}
	b.WriteString("</rdf:Description></rdf:RDF></x:xmpmeta>\n")
	// Padding lets tools update the packet in place.
	b.Write(bytes.Repeat([]byte(" "), 1024))
	b.WriteString("\n<?xpacket end=\"w\"?>")
	return b.Bytes()
}
