package pdf

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// producer is what pdfcpu writes into /Producer on every save; the XMP copy
// must match it for PDF/A.
var producer = "pdfcpu " + model.VersionStr

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

// addMetadata writes the XMP packet, the sRGB output intent and, when
// the document qualifies, the PDF/A-2b identification. now must be the
// second pdfcpu stamps into /CreationDate and /ModDate.
func addMetadata(xt *model.XRefTable, meta Meta, claim bool, now time.Time) error {
	root, err := xt.Catalog()
	if err != nil {
		return err
	}
	info := map[string]string{}
	if xt.Info != nil {
		if d, err := xt.DereferenceDict(*xt.Info); err == nil && d != nil {
			for _, k := range []string{"Title", "Author", "Subject", "Keywords", "Creator"} {
				if s, err := d.StringOrHexLiteralEntry(k); err == nil && s != nil {
					info[k] = *s
				}
			}
			if meta.Title != "" {
				d.Update("Title", types.StringLiteral(types.EncodeUTF16String(meta.Title)))
				info["Title"] = meta.Title
			}
		}
	}
	claim = claim && len(meta.ICCProfile) > 0
	xmp := xmpPacket(info, now, claim)
	sd := types.StreamDict{Dict: types.Dict{"Type": types.Name("Metadata"), "Subtype": types.Name("XML")}, Content: xmp}
	if err := sd.Encode(); err != nil {
		return err
	}
	ref, err := xt.IndRefForNewObject(sd)
	if err != nil {
		return err
	}
	root.Update("Metadata", *ref)
	if claim {
		icc := types.StreamDict{Dict: types.Dict{"N": types.Integer(3)}, Content: meta.ICCProfile,
			FilterPipeline: []types.PDFFilter{{Name: "FlateDecode"}}}
		icc.InsertName("Filter", "FlateDecode")
		if err := icc.Encode(); err != nil {
			return err
		}
		iccRef, err := xt.IndRefForNewObject(icc)
		if err != nil {
			return err
		}
		root.Update("OutputIntents", types.Array{types.Dict{
			"Type": types.Name("OutputIntent"), "S": types.Name("GTS_PDFA1"),
			"OutputConditionIdentifier": types.StringLiteral("sRGB IEC61966-2.1"),
			"Info":                      types.StringLiteral("sRGB IEC61966-2.1"),
			"DestOutputProfile":         *iccRef,
		}})
	}
	return nil
}

func xmlText(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func xmpPacket(info map[string]string, now time.Time, claim bool) []byte {
	var b bytes.Buffer
	ts := now.Format("2006-01-02T15:04:05-07:00")
	b.WriteString("<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` + "\n")
	b.WriteString(`<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:dc="http://purl.org/dc/elements/1.1/">` + "\n")
	if claim {
		b.WriteString("<pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>\n")
	}
	fmt.Fprintf(&b, "<xmp:CreateDate>%s</xmp:CreateDate><xmp:ModifyDate>%s</xmp:ModifyDate><xmp:MetadataDate>%s</xmp:MetadataDate>\n", ts, ts, ts)
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
