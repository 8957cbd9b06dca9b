package visual_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	xfont "golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/encoding/charmap"

	"github.com/eingang/eingang/internal/einvoice/einvoicetest"
	"github.com/eingang/eingang/internal/einvoice/visual"
)

// These tests check the PDF/A-3b structure with independent readers
// (poppler, pdfcpu, encoding/xml). There is no veraPDF on the build
// machines, so they are structural checks, not a conformance proof.

func tool(t *testing.T, name string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s (poppler-utils) not installed", name)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	// Poppler reports damaged fonts or objects on stderr but still exits 0.
	if s := strings.TrimSpace(stderr.String()); s != "" {
		t.Errorf("%s %v complained:\n%s", name, args, s)
	}
	return string(out)
}

// infoField returns a "Key: value" line of pdfinfo output.
func infoField(out, key string) string {
	for _, ln := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(ln, ":"); ok && k == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// xmpMeta is the part of the XMP packet PDF/A cares about.
type xmpMeta struct {
	Descriptions []struct {
		Part        string   `xml:"http://www.aiim.org/pdfa/ns/id/ part"`
		Conformance string   `xml:"http://www.aiim.org/pdfa/ns/id/ conformance"`
		Title       []string `xml:"title>Alt>li"`
		Producer    string   `xml:"http://ns.adobe.com/pdf/1.3/ Producer"`
		CreateDate  string   `xml:"http://ns.adobe.com/xap/1.0/ CreateDate"`
		ModifyDate  string   `xml:"http://ns.adobe.com/xap/1.0/ ModifyDate"`
	} `xml:"RDF>Description"`
}

func TestRenderPDFA(t *testing.T) {
	created := time.Date(2024, 6, 3, 14, 5, 9, 0, time.UTC)
	tests := []struct {
		name, id string
		xml      []byte
	}{
		{"ubl", "PDFA-UBL-1", einvoicetest.UBL(einvoicetest.Options{Lines: 3, ID: "PDFA-UBL-1"})},
		{"cii", "PDFA-CII-1", einvoicetest.CII(einvoicetest.Options{Lines: 3, ID: "PDFA-CII-1"})},
		// A title outside ASCII must read the same in Info and XMP.
		{"umlaut-id", "RE-Ä€ß-7", einvoicetest.UBL(einvoicetest.Options{Lines: 1, ID: "RE-Ä€ß-7"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := parse(t, tt.xml)
			pdf, err := visual.Render(context.Background(), doc, visual.Options{Created: created})
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "out.pdf")
			if err := os.WriteFile(path, pdf, 0o644); err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(pdf, []byte("%PDF-1.7\n%")) || bytes.IndexFunc(pdf[10:14], func(r rune) bool { return r < 0x80 }) >= 0 {
				t.Errorf("header is not %%PDF-1.7 plus a binary comment: %q", pdf[:16])
			}
			for _, bad := range []string{"/Encrypt", "/LZWDecode", "/Transparency", "/SMask", "/JavaScript"} {
				if bytes.Contains(pdf, []byte(bad)) {
					t.Errorf("PDF contains %s", bad)
				}
			}
			qpdfCheck(t, path)
			pdfcpuValidate(t, pdf)

			info := tool(t, "pdfinfo", "-isodates", path)
			if v := infoField(info, "PDF version"); v != "1.7" {
				t.Errorf("pdfinfo: PDF version %q", v)
			}
			title := "Rechnung " + tt.id
			if v := infoField(info, "Title"); v != title {
				t.Errorf("Info /Title %q, want %q", v, title)
			}

			fonts := strings.Split(strings.TrimSpace(tool(t, "pdffonts", path)), "\n")
			if len(fonts) < 3 {
				t.Fatalf("pdffonts lists no fonts:\n%s", strings.Join(fonts, "\n"))
			}
			for _, ln := range fonts[2:] {
				// name type encoding emb sub uni object ID
				f := strings.Fields(ln)
				if len(f) < 8 || f[len(f)-7] != "TrueType" || f[len(f)-6] != "WinAnsi" || f[len(f)-5] != "yes" {
					t.Errorf("font not an embedded WinAnsi TrueType font: %s", ln)
				}
			}

			// XMP, as poppler extracts it from the catalog /Metadata.
			packet := tool(t, "pdfinfo", "-meta", path)
			if !strings.HasPrefix(packet, "<?xpacket begin=") || !strings.Contains(packet, `<?xpacket end="w"?>`) {
				t.Errorf("XMP packet wrapper missing:\n%s", packet)
			}
			var meta xmpMeta
			if err := xml.Unmarshal([]byte(packet), &meta); err != nil {
				t.Fatalf("XMP does not parse: %v\n%s", err, packet)
			}
			var part, conf, producer, cdate, mdate string
			var titles []string
			for _, d := range meta.Descriptions {
				part += d.Part
				conf += d.Conformance
				producer += d.Producer
				cdate += d.CreateDate
				mdate += d.ModifyDate
				titles = append(titles, d.Title...)
			}
			if part != "3" || conf != "B" {
				t.Errorf("pdfaid part %q conformance %q, want 3 B", part, conf)
			}
			if len(titles) != 1 || titles[0] != title {
				t.Errorf("dc:title %q, want %q", titles, title)
			}
			if p := infoField(info, "Producer"); producer == "" || producer != p {
				t.Errorf("pdf:Producer %q, Info /Producer %q", producer, p)
			}
			for _, d := range []struct{ xmp, key string }{{cdate, "CreationDate"}, {mdate, "ModDate"}} {
				x, err1 := time.Parse(time.RFC3339, d.xmp)
				i, err2 := time.Parse(time.RFC3339, infoField(info, d.key))
				if err1 != nil || err2 != nil || !x.Equal(i) || !x.Equal(created) {
					t.Errorf("XMP date %q, Info /%s %q, want both %v", d.xmp, d.key, infoField(info, d.key), created)
				}
			}

			checkCatalog(t, pdf, tt.xml)

			// The attachment: listed by name, saved back byte for byte.
			if list := tool(t, "pdfdetach", "-list", path); !strings.Contains(list, "1: xrechnung.xml") || !strings.HasPrefix(list, "1 embedded files") {
				t.Errorf("pdfdetach -list:\n%s", list)
			}
			if got := detachedXML(t, path); !bytes.Equal(got, tt.xml) {
				t.Errorf("detached XML differs from the original (%d vs %d bytes)", len(got), len(tt.xml))
			}
			// pdftoppm must draw every page with the embedded fonts without
			// a complaint (a broken font subset shows up here).
			tool(t, "pdftoppm", "-r", "20", "-png", path, filepath.Join(t.TempDir(), "page"))
		})
	}
}

// checkCatalog reads the catalog with pdfcpu: sRGB output intent with an
// embedded profile, /AF pointing at the file specification the
// EmbeddedFiles tree lists, and that specification as PDF/A-3 wants it.
func checkCatalog(t *testing.T, pdf, original []byte) {
	t.Helper()
	api.DisableConfigDir()
	ctx, err := api.ReadContext(bytes.NewReader(pdf), model.NewDefaultConfiguration())
	if err != nil {
		t.Fatal(err)
	}
	xt := ctx.XRefTable
	root, err := xt.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	if len(xt.ID) != 2 {
		t.Errorf("trailer /ID %v", xt.ID)
	}
	intents, err := xt.DereferenceArray(root["OutputIntents"])
	if err != nil || len(intents) != 1 {
		t.Fatalf("/OutputIntents %v (%v)", root["OutputIntents"], err)
	}
	oi, err := xt.DereferenceDict(intents[0])
	if err != nil || oi == nil {
		t.Fatalf("output intent: %v", err)
	}
	if s := oi.NameEntry("S"); s == nil || *s != "GTS_PDFA1" {
		t.Errorf("output intent /S %v", oi["S"])
	}
	icc, _, err := xt.DereferenceStreamDict(oi["DestOutputProfile"])
	if err != nil || icc == nil {
		t.Fatalf("DestOutputProfile: %v", err)
	}
	if err := icc.Decode(); err != nil {
		t.Fatal(err)
	}
	// ICC header: colour space at 16, "acsp" signature at 36.
	if p := icc.Content; len(p) < 128 || string(p[16:20]) != "RGB " || string(p[36:40]) != "acsp" {
		t.Errorf("DestOutputProfile is not an RGB ICC profile (%d bytes)", len(icc.Content))
	}
	if n := icc.IntEntry("N"); n == nil || *n != 3 {
		t.Errorf("ICC stream /N %v", icc.Dict["N"])
	}

	af, err := xt.DereferenceArray(root["AF"])
	if err != nil || len(af) != 1 {
		t.Fatalf("catalog /AF %v (%v)", root["AF"], err)
	}
	afRef, ok := af[0].(types.IndirectRef)
	if !ok {
		t.Fatalf("/AF entry is not a reference: %v", af[0])
	}
	names, err := xt.DereferenceDict(root["Names"])
	if err != nil || names == nil {
		t.Fatalf("/Names: %v", err)
	}
	tree, err := xt.DereferenceDict(names["EmbeddedFiles"])
	if err != nil || tree == nil {
		t.Fatalf("/EmbeddedFiles: %v", err)
	}
	kids, _ := tree["Names"].(types.Array)
	if len(kids) != 2 || kids[1] != afRef {
		t.Errorf("EmbeddedFiles %v does not list the /AF file spec %v", kids, afRef)
	}
	spec, err := xt.DereferenceDict(afRef)
	if err != nil || spec == nil {
		t.Fatal(err)
	}
	if r := spec.NameEntry("AFRelationship"); r == nil || *r != "Alternative" {
		t.Errorf("/AFRelationship %v, want Alternative", spec["AFRelationship"])
	}
	for _, k := range []string{"F", "UF"} {
		if s, err := spec.StringOrHexLiteralEntry(k); err != nil || s == nil || *s != "xrechnung.xml" {
			t.Errorf("file spec /%s %v", k, spec[k])
		}
	}
	ef, err := xt.DereferenceDict(spec["EF"])
	if err != nil || ef == nil {
		t.Fatal(err)
	}
	file, _, err := xt.DereferenceStreamDict(ef["F"])
	if err != nil || file == nil {
		t.Fatal(err)
	}
	if s := file.NameEntry("Subtype"); s == nil {
		t.Error("embedded file has no /Subtype")
	} else if mime, _ := types.DecodeName(*s); mime != "application/xml" {
		t.Errorf("embedded file /Subtype %q", mime)
	}
	params, err := xt.DereferenceDict(file.Dict["Params"])
	if err != nil || params == nil {
		t.Fatal("embedded file has no /Params")
	}
	if size := params.IntEntry("Size"); size == nil || *size != len(original) {
		t.Errorf("/Params /Size %v, want %d", params["Size"], len(original))
	}
	if d, err := params.StringOrHexLiteralEntry("ModDate"); err != nil || d == nil || !strings.HasPrefix(*d, "D:") {
		t.Errorf("/Params /ModDate %v", params["ModDate"])
	}
	meta, _, err := xt.DereferenceStreamDict(root["Metadata"])
	if err != nil || meta == nil {
		t.Fatal("catalog has no /Metadata stream")
	}
	if s := meta.NameEntry("Subtype"); s == nil || *s != "XML" {
		t.Errorf("/Metadata /Subtype %v", meta.Dict["Subtype"])
	}
}

// TestRenderReproducible: the same document and Options.Created give the
// same bytes; another date gives other bytes (the dates are in the file).
func TestRenderReproducible(t *testing.T) {
	xml := einvoicetest.CII(einvoicetest.Options{Lines: 5})
	render := func(created time.Time) []byte {
		t.Helper()
		pdf, err := visual.Render(context.Background(), parse(t, xml), visual.Options{Created: created})
		if err != nil {
			t.Fatal(err)
		}
		return pdf
	}
	day := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	a, b, c := render(day), render(day), render(day.Add(time.Hour))
	if !bytes.Equal(a, b) {
		t.Error("two renderings with the same Options.Created differ")
	}
	if bytes.Equal(a, c) {
		t.Error("rendering ignores Options.Created")
	}
	if !regexp.MustCompile(`/CreationDate \(D:20250102030405`).Match(a) {
		t.Error("Options.Created is not the creation date")
	}
}

// TestEmbeddedFonts reads the font programs back out of the PDF with
// pdfcpu and golang.org/x/image/font/sfnt: each parses, /Widths agree with
// the font's own advance widths, and every character shown on a page has
// an outline in the subset (a subsetter that dropped a used glyph fails
// here).
func TestEmbeddedFonts(t *testing.T) {
	xml := einvoicetest.UBL(einvoicetest.Options{Lines: 3})
	xml = bytes.Replace(xml, []byte("Büro Müller GmbH</cbc:RegistrationName>"), []byte("Straße „Ökö“ – 5 € • ½ ÿ Æ</cbc:RegistrationName>"), 1)
	pdf, err := visual.Render(context.Background(), parse(t, xml), visual.Options{})
	if err != nil {
		t.Fatal(err)
	}
	api.DisableConfigDir()
	ctx, err := api.ReadAndValidate(bytes.NewReader(pdf), model.NewDefaultConfiguration())
	if err != nil {
		t.Fatal(err)
	}
	xt := ctx.XRefTable
	show := regexp.MustCompile(`/(F\d+) [\d.]+ Tf [-\d.]+ [-\d.]+ Td \(((?:\\.|[^\\)])*)\) Tj`)
	checked := map[string]bool{}
	pages := 0
	for p := 1; ; p++ {
		pd, _, _, err := xt.PageDict(p, false)
		if err != nil || pd == nil {
			break
		}
		pages++
		content, err := xt.PageContent(pd, p)
		if err != nil {
			t.Fatal(err)
		}
		res, _ := xt.DereferenceDict(pd["Resources"])
		fontRes, _ := xt.DereferenceDict(res["Font"])
		used := map[string][]byte{}
		for _, m := range show.FindAllSubmatch(content, -1) {
			used[string(m[1])] = append(used[string(m[1])], unescapeLiteral(m[2])...)
		}
		if len(used) < 2 {
			t.Fatalf("page %d: text shown in %d fonts", p, len(used))
		}
		for res, codes := range used {
			fd, err := xt.DereferenceDict(fontRes[res])
			if err != nil || fd == nil {
				t.Fatalf("page %d: font %s: %v", p, res, err)
			}
			checkFont(t, xt, fd, codes)
			checked[*fd.NameEntry("BaseFont")] = true
		}
	}
	if pages == 0 || len(checked) != 2 {
		t.Errorf("%d pages, fonts checked %v", pages, checked)
	}
}

func unescapeLiteral(s []byte) []byte {
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			out = append(out, s[i])
			continue
		}
		i++
		if s[i] >= '0' && s[i] <= '7' {
			v := 0
			for j := 0; j < 3 && i < len(s) && s[i] >= '0' && s[i] <= '7'; j++ {
				v = v*8 + int(s[i]-'0')
				i++
			}
			i--
			out = append(out, byte(v))
			continue
		}
		out = append(out, s[i])
	}
	return out
}

func checkFont(t *testing.T, xt *model.XRefTable, fd types.Dict, codes []byte) {
	t.Helper()
	name := *fd.NameEntry("BaseFont")
	if s := fd.NameEntry("Subtype"); s == nil || *s != "TrueType" {
		t.Errorf("%s: /Subtype %v", name, fd["Subtype"])
	}
	if e := fd.NameEntry("Encoding"); e == nil || *e != "WinAnsiEncoding" {
		t.Errorf("%s: /Encoding %v", name, fd["Encoding"])
	}
	desc, err := xt.DereferenceDict(fd["FontDescriptor"])
	if err != nil || desc == nil {
		t.Fatalf("%s: no descriptor", name)
	}
	if f := desc.IntEntry("Flags"); f == nil || *f&32 == 0 || *f&4 != 0 {
		t.Errorf("%s: /Flags %v, want nonsymbolic", name, desc["Flags"])
	}
	for _, k := range []string{"Ascent", "Descent", "CapHeight", "FontBBox", "ItalicAngle", "StemV"} {
		if desc[k] == nil {
			t.Errorf("%s: descriptor lacks /%s", name, k)
		}
	}
	file, _, err := xt.DereferenceStreamDict(desc["FontFile2"])
	if err != nil || file == nil {
		t.Fatalf("%s: no /FontFile2", name)
	}
	if err := file.Decode(); err != nil {
		t.Fatal(err)
	}
	if l1 := file.IntEntry("Length1"); l1 == nil || *l1 != len(file.Content) {
		t.Errorf("%s: /Length1 %v, decoded %d bytes", name, file.Dict["Length1"], len(file.Content))
	}
	sf, err := sfnt.Parse(file.Content)
	if err != nil {
		t.Fatalf("%s: embedded font does not parse: %v", name, err)
	}
	widths, err := xt.DereferenceArray(fd["Widths"])
	first := fd.IntEntry("FirstChar")
	if err != nil || first == nil {
		t.Fatalf("%s: /Widths or /FirstChar missing", name)
	}
	var buf sfnt.Buffer
	upem := fixed.I(int(sf.UnitsPerEm()))
	dec := charmap.Windows1252.NewDecoder()
	for i, w := range widths {
		code := byte(*first + i)
		r, err := dec.Bytes([]byte{code})
		if err != nil || len(r) == 0 || code < 0x20 {
			continue
		}
		g, err := sf.GlyphIndex(&buf, []rune(string(r))[0])
		if err != nil || g == 0 {
			continue
		}
		adv, err := sf.GlyphAdvance(&buf, g, upem, xfont.HintingNone)
		if err != nil {
			t.Fatal(err)
		}
		want := float64(adv) / float64(upem) * 1000
		var got float64
		switch v := w.(type) {
		case types.Integer:
			got = float64(v)
		case types.Float:
			got = float64(v)
		}
		if got < want-1 || got > want+1 {
			t.Errorf("%s: /Widths for 0x%02X is %v, font says %.1f", name, code, w, want)
		}
	}
	for _, c := range codes {
		r, _ := dec.Bytes([]byte{c})
		ch := []rune(string(r))[0]
		if unicode.IsSpace(ch) {
			continue
		}
		g, err := sf.GlyphIndex(&buf, ch)
		if err != nil || g == 0 {
			t.Errorf("%s: no glyph for %q", name, ch)
			continue
		}
		segs, err := sf.LoadGlyph(&buf, g, upem, nil)
		if err != nil || len(segs) == 0 {
			t.Errorf("%s: glyph for %q is empty in the subset (%v)", name, ch, err)
		}
	}
}
