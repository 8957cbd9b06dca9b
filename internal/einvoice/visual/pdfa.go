package visual

import (
	"bytes"
	_ "embed"
	"encoding/xml"
	"fmt"
	"time"
)

// srgbProfile is the sRGB IEC61966-2.1 ICC profile (v2, 6,922 bytes) of
// Debian's icc-profiles-free package, zlib licence (see sRGB.icc.LICENSE).
// It is compiled in because a PDF/A output intent must embed a profile and
// Render has no configuration to find one at run time; internal/pdf takes
// its profile from the caller, which this package's callers do not have.
//
//go:embed sRGB.icc
var srgbProfile []byte

// srgbIdentifier names the output condition; it is the profile's
// registry name, as PDF/A validators expect for a well-known profile.
const srgbIdentifier = "sRGB IEC61966-2.1"

// producer is written to the Info dictionary and its XMP twin.
const producer = "eingang"

func xmlText(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// xmpPacket is the document metadata PDF/A requires: the PDF/A-3b
// identification and the XMP equivalents of every Info entry written.
// It is stored uncompressed so that archive tools can find it without
// parsing the PDF.
func xmpPacket(title, producer string, created time.Time) []byte {
	ts := created.UTC().Format("2006-01-02T15:04:05Z07:00")
	var b bytes.Buffer
	// No encoding/bytes attributes in the header: PDF/A-2 and -3 forbid them.
	b.WriteString("<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString(`<x:xmpmeta xmlns:x="adobe:ns:meta/">` + "\n")
	b.WriteString(`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` + "\n")
	b.WriteString(`<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:dc="http://purl.org/dc/elements/1.1/">` + "\n")
	b.WriteString("<pdfaid:part>3</pdfaid:part>\n<pdfaid:conformance>B</pdfaid:conformance>\n")
	fmt.Fprintf(&b, `<dc:title><rdf:Alt><rdf:li xml:lang="x-default">%s</rdf:li></rdf:Alt></dc:title>`+"\n", xmlText(title))
	b.WriteString("<dc:format>application/pdf</dc:format>\n")
	fmt.Fprintf(&b, "<pdf:Producer>%s</pdf:Producer>\n", xmlText(producer))
	fmt.Fprintf(&b, "<xmp:CreateDate>%s</xmp:CreateDate>\n<xmp:ModifyDate>%s</xmp:ModifyDate>\n<xmp:MetadataDate>%s</xmp:MetadataDate>\n", ts, ts, ts)
	b.WriteString("</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n")
	// Padding lets tools update the packet in place.
	b.Write(bytes.Repeat([]byte(" "), 512))
	b.WriteString("\n<?xpacket end=\"w\"?>")
	return b.Bytes()
}
