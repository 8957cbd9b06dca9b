package pdf

import (
	"bytes"
	"fmt"
)

// ImagesToPDF builds a minimal PDF with one page per image, each page
// showing its image at the recorded resolution. The image data is stored
// exactly as given (JPEG stays DCT, G4 stays CCITT, Flate keeps its
// predictor), and each page turned by its image's Rotate. The same images
// always give the same bytes: nothing depends on the time or on chance.
func ImagesToPDF(imgs []*Image) []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(body string, stream []byte) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s", len(offsets), body)
		if stream != nil {
			b.WriteString("\nstream\n")
			b.Write(stream)
			b.WriteString("\nendstream")
		}
		b.WriteString("\nendobj\n")
	}
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	kids := ""
	for i := range imgs {
		kids += fmt.Sprintf("%d 0 R ", 3+3*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>", nil)
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids, len(imgs)), nil)
	for i, im := range imgs {
		dx, dy := im.DPIX, im.DPIY
		if dx < 10 || dy < 10 {
			dx, dy = defaultScanDPI, defaultScanDPI
		}
		w, h := float64(im.Width)*72/dx, float64(im.Height)*72/dy
		content := fmt.Appendf(nil, "q %.4f 0 0 %.4f 0 0 cm /Im0 Do Q", w, h)
		page, cont, img := 3+3*i, 4+3*i, 5+3*i
		rot := ""
		if r := ((im.Rotate % 360) + 360) % 360; r != 0 && r%90 == 0 {
			rot = fmt.Sprintf(" /Rotate %d", r)
		}
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.4f %.4f]%s /Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>", w, h, rot, img, cont), nil)
		_ = page
		obj(fmt.Sprintf("<< /Length %d >>", len(content)), content)
		obj(imageDict(im), im.Data)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

func imageDict(im *Image) string {
	d := fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /%s /BitsPerComponent %d /Length %d",
		im.Width, im.Height, im.ColorSpace(), im.BitsPerComponent, len(im.Data))
	switch im.Filter {
	case FilterDCT:
		d += " /Filter /DCTDecode"
	case FilterFlate:
		d += " /Filter /FlateDecode"
		if im.Predictor > PredictorNone {
			d += fmt.Sprintf(" /DecodeParms << /Predictor %d /Colors %d /BitsPerComponent %d /Columns %d >>",
				im.Predictor, im.Components, im.BitsPerComponent, im.Width)
		}
	case FilterCCITT:
		d += fmt.Sprintf(" /Filter /CCITTFaxDecode /DecodeParms << /K %d /Columns %d /Rows %d", im.K, im.Width, im.Height)
		if im.EncodedByteAlign {
			d += " /EncodedByteAlign true"
		}
		d += " >>"
	}
	if im.Invert {
		d += " /Decode ["
		for range im.Components {
			d += "1 0 "
		}
		d += "]"
	}
	return d + " >>"
}
