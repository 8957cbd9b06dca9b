package transfervermerk

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/eingang/eingang/internal/fsutil"
	"github.com/eingang/eingang/internal/pdfraw"
)

// AttachmentName is the file name of the embedded JSON record.
const AttachmentName = "transfervermerk.json"

// XMPNamespace is the XMP namespace of the record summary (prefix "tv").
const XMPNamespace = "urn:eingang:ns:transfervermerk:1/"

const maxRecordBytes = 4 << 20

// Errors for bad or missing input; all are permanent for the document.
var (
	// ErrNotFound: "Im PDF ist kein Transfervermerk eingebettet."
	ErrNotFound = errors.New("transfervermerk: none embedded")
	// ErrInvalidPDF: "Die Datei ist kein lesbares PDF."
	ErrInvalidPDF = errors.New("transfervermerk: not a readable PDF")
	// ErrNoPageImage: "Eine Seite enthält kein gescanntes Bild."
	ErrNoPageImage = errors.New("transfervermerk: page has no image")
	// ErrPageMismatch: "Die Seiten des PDFs passen nicht zum Transfervermerk."
	ErrPageMismatch = errors.New("transfervermerk: page hashes do not match")
	// ErrInconsistent: "XMP-Metadaten und eingebetteter Transfervermerk widersprechen sich."
	ErrInconsistent = errors.New("transfervermerk: XMP and attachment disagree")
	// ErrUnsupportedPDF: "Der Aufbau dieses PDFs wird nicht unterstützt."
	ErrUnsupportedPDF = errors.New("transfervermerk: unsupported PDF structure")
)

func openPDF(path string) (*os.File, *pdfraw.File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("transfervermerk: %w", err)
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, nil, fmt.Errorf("transfervermerk: %w", err)
	}
	f, err := pdfraw.Open(fh, st.Size())
	if err != nil {
		fh.Close()
		return nil, nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	return fh, f, nil
}

// PageHashes returns the page hashes of the PDF at path (see the package
// documentation for the definition).
func PageHashes(path string) ([]string, error) {
	fh, f, err := openPDF(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return pageHashes(f)
}

// PageHashesReaderAt is [PageHashes] for a PDF in r.
func PageHashesReaderAt(r io.ReaderAt, size int64) ([]string, error) {
	f, err := pdfraw.Open(r, size)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	return pageHashes(f)
}

func pageHashes(f *pdfraw.File) ([]string, error) {
	pages, err := f.Pages()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	out := make([]string, 0, len(pages))
	for i, p := range pages {
		st, err := pageImage(f, p.Resources, 0)
		if err != nil {
			return nil, fmt.Errorf("page %d: %w", i+1, err)
		}
		if st == nil {
			return nil, fmt.Errorf("%w: page %d", ErrNoPageImage, i+1)
		}
		h := sha256.New()
		if _, err := io.Copy(h, f.Raw(st)); err != nil {
			return nil, fmt.Errorf("%w: page %d: %v", ErrInvalidPDF, i+1, err)
		}
		out = append(out, hex.EncodeToString(h.Sum(nil)))
	}
	return out, nil
}

// pageImage picks the largest image XObject of res, descending into form
// XObjects only if res has no image itself.
func pageImage(f *pdfraw.File, res pdfraw.Dict, depth int) (*pdfraw.Stream, error) {
	if res == nil || depth > 2 {
		return nil, nil
	}
	xo, err := f.ResolveDict(res["XObject"])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	names := make([]string, 0, len(xo))
	for k := range xo {
		names = append(names, string(k))
	}
	sort.Strings(names)
	var best *pdfraw.Stream
	var bestArea int64 = -1
	var forms []*pdfraw.Stream
	for _, n := range names {
		o, err := f.Resolve(xo[pdfraw.Name(n)])
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
		}
		st, ok := o.(*pdfraw.Stream)
		if !ok {
			continue
		}
		switch sub, _ := st.Dict.Name("Subtype"); sub {
		case "Image":
			w, _ := st.Dict.Int("Width")
			h, _ := st.Dict.Int("Height")
			if w*h > bestArea {
				best, bestArea = st, w*h
			}
		case "Form":
			forms = append(forms, st)
		}
	}
	if best != nil {
		return best, nil
	}
	for _, fs := range forms {
		r, err := f.ResolveDict(fs.Dict["Resources"])
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
		}
		if st, err := pageImage(f, r, depth+1); err != nil || st != nil {
			return st, err
		}
	}
	return nil, nil
}

// Embed writes inPath plus an incremental update carrying rec to outPath
// (which may equal inPath). If rec.Pages is empty it is filled from the PDF
// (and PageCount set); otherwise the hashes must match the PDF. The file
// must not be signed yet: embedding after signing would break the
// "unmodified since signing" guarantee.
func Embed(inPath, outPath string, rec *Record) error {
	fh, f, err := openPDF(inPath)
	if err != nil {
		return err
	}
	defer fh.Close()
	hashes, err := pageHashes(f)
	if err != nil {
		return err
	}
	if len(rec.Pages) == 0 {
		rec.PageCount = len(hashes)
		for i, h := range hashes {
			rec.Pages = append(rec.Pages, Page{Number: i + 1, SHA256: h})
		}
	}
	if err := comparePages(rec, hashes); err != nil {
		return err
	}
	if err := rec.Validate(); err != nil {
		return err
	}
	js, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("transfervermerk: encode: %w", err)
	}
	upd, err := buildUpdate(f, rec, js)
	if err != nil {
		return err
	}
	tmp, err := fsutil.Create(outPath, 0o600)
	if err != nil {
		return fmt.Errorf("transfervermerk: %w", err)
	}
	defer tmp.Abort()
	if _, err := io.Copy(tmp, io.NewSectionReader(fh, 0, f.Size())); err != nil {
		return fmt.Errorf("transfervermerk: write: %w", err)
	}
	if _, err := tmp.Write(upd); err != nil {
		return fmt.Errorf("transfervermerk: write: %w", err)
	}
	if err := tmp.Commit(); err != nil {
		return fmt.Errorf("transfervermerk: %w", err)
	}
	return nil
}

// comparePages checks the record's page list against hashes of the PDF.
func comparePages(rec *Record, hashes []string) error {
	if len(rec.Pages) != len(hashes) || rec.PageCount != len(hashes) {
		return fmt.Errorf("%w: record lists %d pages (page_count %d), the PDF has %d", ErrPageMismatch, len(rec.Pages), rec.PageCount, len(hashes))
	}
	for i, p := range rec.Pages {
		if p.SHA256 != hashes[i] {
			return fmt.Errorf("%w: page %d", ErrPageMismatch, i+1)
		}
	}
	return nil
}

// Check returns nil if the page hashes of the PDF at path match rec.
func Check(path string, rec *Record) error {
	hashes, err := PageHashes(path)
	if err != nil {
		return err
	}
	return comparePages(rec, hashes)
}

func buildUpdate(f *pdfraw.File, rec *Record, js []byte) ([]byte, error) {
	catRef, cat, err := f.Catalog()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	cat = cat.Clone()
	u := f.NewUpdate()
	efRef, specRef := u.Alloc(), u.Alloc()
	sum := sha256.Sum256(js)
	now := pdfraw.String(time.Now().UTC().Format("D:20060102150405") + "+00'00'")
	u.PutStream(efRef, pdfraw.Dict{
		"Type":    pdfraw.Name("EmbeddedFile"),
		"Subtype": pdfraw.Name("application/json"),
		"Params":  pdfraw.Dict{"Size": int64(len(js)), "ModDate": now},
	}, js)
	u.Put(specRef, pdfraw.Dict{
		"Type":           pdfraw.Name("Filespec"),
		"F":              pdfraw.String(AttachmentName),
		"UF":             pdfraw.String(AttachmentName),
		"Desc":           pdfraw.String("Transfervermerk (BSI TR-03138 A.NB.4)"),
		"AFRelationship": pdfraw.Name("Supplement"),
		"EF":             pdfraw.Dict{"F": efRef, "UF": efRef},
	})

	// /Names /EmbeddedFiles: replace an earlier record, keep other files.
	names, namesRef, err := subDict(f, cat, "Names")
	if err != nil {
		return nil, err
	}
	efTree, efTreeRef, err := subDict(f, names, "EmbeddedFiles")
	if err != nil {
		return nil, err
	}
	if _, ok := efTree["Kids"]; ok {
		return nil, fmt.Errorf("%w: embedded-files name tree with /Kids", ErrUnsupportedPDF)
	}
	arrObj, err := f.Resolve(efTree["Names"])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	old, _ := arrObj.(pdfraw.Array)
	type entry struct {
		key string
		val pdfraw.Object
	}
	var entries []entry
	var replaced []pdfraw.Ref
	for i := 0; i+1 < len(old); i += 2 {
		k, _ := old[i].(pdfraw.String)
		if string(k) == AttachmentName {
			if r, ok := old[i+1].(pdfraw.Ref); ok {
				replaced = append(replaced, r)
			}
			continue
		}
		entries = append(entries, entry{string(k), old[i+1]})
	}
	entries = append(entries, entry{AttachmentName, specRef})
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].key < entries[j].key })
	arr := pdfraw.Array{}
	for _, e := range entries {
		arr = append(arr, pdfraw.String(e.key), e.val)
	}
	efTree["Names"] = arr
	delete(efTree, "Limits")
	if efTreeRef != nil {
		u.Put(*efTreeRef, efTree)
	} else {
		names["EmbeddedFiles"] = efTree
	}
	if namesRef != nil {
		u.Put(*namesRef, names)
	} else {
		cat["Names"] = names
	}

	// /AF: associated files (PDF 2.0 / PDF/A-3).
	afObj, err := f.Resolve(cat["AF"])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	af := pdfraw.Array{}
	if oldAF, ok := afObj.(pdfraw.Array); ok {
	next:
		for _, a := range oldAF {
			for _, r := range replaced {
				if a == pdfraw.Object(r) {
					continue next
				}
			}
			af = append(af, a)
		}
	}
	cat["AF"] = append(af, specRef)
	// Associated files with /AFRelationship come from PDF 2.0 and are used
	// on a PDF 1.7 base by PDF/A-3; older files are declared 1.7 so that
	// validators accept the entries.
	if f.Version() < "1.7" {
		cat["Version"] = pdfraw.Name("1.7")
	}

	// XMP metadata.
	var xmp []byte
	metaRef, hasMeta := cat.Ref("Metadata")
	if hasMeta {
		if o, err := f.Object(metaRef); err == nil {
			if st, ok := o.(*pdfraw.Stream); ok {
				xmp, _ = f.Decode(st) // unreadable metadata is replaced
			}
		}
	} else {
		metaRef = u.Alloc()
		cat["Metadata"] = metaRef
	}
	u.PutStream(metaRef, pdfraw.Dict{"Type": pdfraw.Name("Metadata"), "Subtype": pdfraw.Name("XML")}, mergeXMP(xmp, xmpDescription(rec, sum[:])))
	u.Put(catRef, cat)
	return u.Bytes(), nil
}

// subDict returns d[key] resolved and cloned, and its reference if it was
// indirect (the caller then writes it back under that reference).
func subDict(f *pdfraw.File, d pdfraw.Dict, key pdfraw.Name) (pdfraw.Dict, *pdfraw.Ref, error) {
	var ref *pdfraw.Ref
	if r, ok := d.Ref(key); ok {
		ref = &r
	}
	sd, err := f.ResolveDict(d[key])
	if err != nil {
		return nil, nil, fmt.Errorf("%w: /%s: %v", ErrInvalidPDF, key, err)
	}
	return sd.Clone(), ref, nil
}

const xmpDescStart = `<rdf:Description rdf:about="" xmlns:tv="` + XMPNamespace + `">`

func xmpDescription(rec *Record, sum []byte) string {
	var b strings.Builder
	b.WriteString(xmpDescStart + "\n")
	prop := func(name, value string) {
		fmt.Fprintf(&b, "   <tv:%s>%s</tv:%s>\n", name, html.EscapeString(value), name)
	}
	creator := rec.Creator.Name
	if creator == "" {
		creator = rec.Creator.Pseudonym
	}
	prop("SchemaVersion", rec.SchemaVersion)
	prop("DocumentID", rec.DocumentID)
	prop("Creator", creator)
	prop("CaptureTime", rec.CaptureTime.UTC().Format(time.RFC3339))
	prop("PageCount", strconv.Itoa(rec.PageCount))
	prop("QualityResult", rec.QualityCheck.Result)
	prop("Statement", rec.Statement.Text)
	prop("Attachment", AttachmentName)
	prop("AttachmentSHA256", hex.EncodeToString(sum))
	b.WriteString("  </rdf:Description>\n")
	return b.String()
}

var ourDescription = regexp.MustCompile(`(?s)\s*<rdf:Description rdf:about="" xmlns:tv="` + regexp.QuoteMeta(XMPNamespace) + `">.*?</rdf:Description>\n?`)

// xmpExtensionSchema declares the tv namespace as PDF/A requires for
// custom XMP properties (ISO 19005-2/-3 §6.6.2.3). The namespaces are
// declared on the element itself so it can be dropped into an existing
// pdfaExtension:schemas bag whatever prefixes that packet uses.
var xmpExtensionSchema = func() string {
	var b strings.Builder
	b.WriteString(`<rdf:li rdf:parseType="Resource" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">`)
	b.WriteString(`<pdfaSchema:schema>eingang Transfervermerk (BSI TR-03138 A.NB.4)</pdfaSchema:schema>`)
	b.WriteString(`<pdfaSchema:namespaceURI>` + XMPNamespace + `</pdfaSchema:namespaceURI><pdfaSchema:prefix>tv</pdfaSchema:prefix><pdfaSchema:property><rdf:Seq>`)
	for _, p := range []struct{ name, typ, desc string }{
		{"SchemaVersion", "Text", "Version of the Transfervermerk JSON schema"},
		{"DocumentID", "Text", "Identifier of the scanned document"},
		{"Creator", "Text", "Person (name or pseudonym) who created the scan"},
		{"CaptureTime", "Date", "Digitisation time of the last sheet"},
		{"PageCount", "Integer", "Number of pages"},
		{"QualityResult", "Text", "Result of the quality check"},
		{"Statement", "Text", "Confirmation that the scan matches the original"},
		{"Attachment", "Text", "File name of the embedded JSON record"},
		{"AttachmentSHA256", "Text", "SHA-256 of the embedded JSON record"},
	} {
		fmt.Fprintf(&b, `<rdf:li rdf:parseType="Resource"><pdfaProperty:name>%s</pdfaProperty:name><pdfaProperty:valueType>%s</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>%s</pdfaProperty:description></rdf:li>`, p.name, p.typ, p.desc)
	}
	b.WriteString(`</rdf:Seq></pdfaSchema:property></rdf:li>`)
	return b.String()
}()

var (
	extensionBag = regexp.MustCompile(`(?s)<pdfaExtension:schemas>\s*<rdf:Bag>`)
	pdfaPart2    = regexp.MustCompile(`pdfaid:part=(["'])2(["'])|<pdfaid:part>2</pdfaid:part>`)
)

// mergeXMP replaces our description in an existing packet or creates a new
// packet. Other descriptions (PDF/A identification etc.) are kept. Because
// the record is an embedded file with /AFRelationship, a PDF/A-2 claim is
// raised to PDF/A-3, the part that permits such attachments; the custom
// namespace is declared as a PDF/A extension schema.
func mergeXMP(old []byte, desc string) []byte {
	old = ourDescription.ReplaceAll(old, nil)
	i := bytes.LastIndex(old, []byte("</rdf:RDF>"))
	if i < 0 {
		old = []byte(`<?xpacket begin="` + "\ufeff" + `" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`)
		i = bytes.LastIndex(old, []byte("</rdf:RDF>"))
	}
	out := append([]byte{}, old[:i]...)
	declared := bytes.Contains(old, []byte("<pdfaSchema:namespaceURI>"+XMPNamespace+"</pdfaSchema:namespaceURI>"))
	if !declared && !extensionBag.Match(old) {
		out = append(out, `  <rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"><pdfaExtension:schemas><rdf:Bag>`+xmpExtensionSchema+"</rdf:Bag></pdfaExtension:schemas></rdf:Description>"...)
	}
	out = append(out, "\n  "+desc...)
	out = append(out, old[i:]...)
	if loc := extensionBag.FindIndex(out); !declared && loc != nil && !bytes.Contains(out, []byte(xmpExtensionSchema)) {
		out = append(out[:loc[1]:loc[1]], append([]byte(xmpExtensionSchema), out[loc[1]:]...)...)
	}
	return pdfaPart2.ReplaceAllFunc(out, func(m []byte) []byte {
		if bytes.HasPrefix(m, []byte("<")) {
			return []byte("<pdfaid:part>3</pdfaid:part>")
		}
		return append(append([]byte("pdfaid:part="), m[len(m)-3]), '3', m[len(m)-1])
	})
}

var xmpAttachmentHash = regexp.MustCompile(`<tv:AttachmentSHA256>([0-9a-f]{64})</tv:AttachmentSHA256>`)

// Read returns the Transfervermerk embedded in the PDF at path, or
// ErrNotFound.
func Read(path string) (*Record, error) {
	fh, f, err := openPDF(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return read(f)
}

// ReadReaderAt is [Read] for a PDF in r.
func ReadReaderAt(r io.ReaderAt, size int64) (*Record, error) {
	f, err := pdfraw.Open(r, size)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	return read(f)
}

func read(f *pdfraw.File) (*Record, error) {
	_, cat, err := f.Catalog()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	names, err := f.ResolveDict(cat["Names"])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	tree, err := f.ResolveDict(names["EmbeddedFiles"])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	arrObj, err := f.Resolve(tree["Names"])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	arr, _ := arrObj.(pdfraw.Array)
	var spec pdfraw.Dict
	for i := 0; i+1 < len(arr); i += 2 {
		if k, _ := arr[i].(pdfraw.String); string(k) == AttachmentName {
			if spec, err = f.ResolveDict(arr[i+1]); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
			}
		}
	}
	if spec == nil {
		return nil, ErrNotFound
	}
	ef, err := f.ResolveDict(spec["EF"])
	if err != nil || ef == nil {
		return nil, fmt.Errorf("%w: file specification without /EF", ErrInvalidPDF)
	}
	o, err := f.Resolve(ef["F"])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	st, ok := o.(*pdfraw.Stream)
	if !ok {
		return nil, fmt.Errorf("%w: embedded file is not a stream", ErrInvalidPDF)
	}
	if st.Length > maxRecordBytes {
		return nil, fmt.Errorf("%w: embedded record larger than %d bytes", ErrInvalidPDF, maxRecordBytes)
	}
	js, err := f.Decode(st)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPDF, err)
	}
	rec, err := ParseJSON(js)
	if err != nil {
		return nil, err
	}
	if metaRef, ok := cat.Ref("Metadata"); ok {
		if o, err := f.Object(metaRef); err == nil {
			if ms, ok := o.(*pdfraw.Stream); ok {
				if xmp, err := f.Decode(ms); err == nil {
					if m := xmpAttachmentHash.FindSubmatch(xmp); m != nil {
						sum := sha256.Sum256(js)
						if string(m[1]) != hex.EncodeToString(sum[:]) {
							return nil, fmt.Errorf("%w: attachment SHA-256 differs from the XMP metadata", ErrInconsistent)
						}
					}
				}
			}
		}
	}
	return rec, nil
}

// ParseJSON decodes and validates a JSON record of schema version 1.x.
func ParseJSON(js []byte) (*Record, error) {
	if len(js) > maxRecordBytes {
		return nil, fmt.Errorf("%w: record larger than %d bytes", ErrInvalidRecord, maxRecordBytes)
	}
	var rec Record
	if err := json.Unmarshal(js, &rec); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRecord, err)
	}
	if err := rec.Validate(); err != nil {
		return nil, err
	}
	return &rec, nil
}
