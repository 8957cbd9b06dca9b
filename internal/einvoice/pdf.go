package einvoice

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Attachment names of the invoice XML in hybrid PDFs, in order of
// preference: a PDF with both a ZUGFeRD 1 and a ZUGFeRD 2 XML yields the
// newer one (docs/einvoice.md §1.4).
var invoiceAttachmentNames = []string{"factur-x.xml", "xrechnung.xml", "zugferd-invoice.xml"}

// maxPDFAttachments bounds the embedded files inspected in one PDF.
const maxPDFAttachments = 200

type pdfResult struct {
	conformance  string
	xml          []byte
	name         string
	relationship string
	attachments  []PDFAttachment
	warnings     []string
}

func isErr(err, target error) bool { return errors.Is(err, target) }

// pdfConfig is a pdfcpu configuration for reading untrusted PDFs. It is
// built here rather than with model.NewDefaultConfiguration, which reads and
// writes a configuration directory on disk.
func pdfConfig(lim Config) *model.Configuration {
	rl := model.DefaultResourceLimits()
	if lim.MaxBytes > 0 {
		rl.MaxStreamBytes = lim.MaxBytes
		rl.MaxDecodeBytes = lim.MaxBytes
	}
	rl.MaxObjectCount = 2_000_000
	rl.MaxXRefEntries = 2_000_000
	rl.MaxRecursionDepth = 64
	return &model.Configuration{
		Version:                   model.VersionStr,
		Reader15:                  true,
		ValidationMode:            model.ValidationRelaxed,
		UnsupportedResourcePolicy: model.UnsupportedResourceSkip,
		Eol:                       types.EolLF,
		Offline:                   true,
		Timeout:                   5,
		Limits:                    rl,
	}
}

// embedded is one file specification found in the PDF.
type embedded struct {
	name, relationship, mime string
	stream                   *types.StreamDict
	data                     []byte
	decodeErr                error
}

// extractPDFInvoice finds the invoice XML embedded in a hybrid PDF. It
// enumerates the EmbeddedFiles name tree and the catalog /AF array, decodes
// streams with a size limit, never picks an executable, and accepts any
// AFRelationship (recording unusual ones as warnings).
func extractPDFInvoice(ctx context.Context, data []byte, lim Config) (res *pdfResult, err error) {
	defer func() {
		// pdfcpu is large and not hardened against every malformed input;
		// a panic there must not take the worker down.
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("%w: %w (reader failed: %v)", ErrMalformed, ErrDamagedPDF, r)
		}
	}()
	if lim.MaxBytes > 0 && int64(len(data)) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), lim.MaxBytes)
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	pctx, err := pdfcpu.ReadWithContext(rctx, bytes.NewReader(data), pdfConfig(lim))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: %w: %v", ErrMalformed, ErrDamagedPDF, err)
	}
	files, warnings := collectEmbeddedFiles(pctx.XRefTable)
	res = &pdfResult{warnings: warnings, conformance: xmpConformanceLevel(pctx.XRefTable)}
	decodeLimit := lim.MaxBytes
	if decodeLimit <= 0 {
		decodeLimit = 50 << 20
	}
	budget := 4 * decodeLimit
	for i := range files {
		f := &files[i]
		if f.stream != nil && budget <= 0 {
			f.decodeErr = errors.New("decode budget for attachments exhausted")
		} else if f.stream != nil {
			sd := *f.stream
			if err := sd.DecodeWithLimit(decodeLimit); err != nil {
				f.decodeErr = err
			} else {
				f.data = sd.Content
				budget -= int64(len(f.data))
			}
		}
		res.attachments = append(res.attachments, PDFAttachment{
			Name: f.name, AFRelationship: f.relationship, MimeType: f.mime,
			Size: len(f.data), Executable: looksExecutable(f.name, f.data),
		})
	}

	pick := -1
	var refused []string
	candidates := append(append([]string(nil), invoiceAttachmentNames...), "")
	for _, want := range candidates {
		for i, f := range files {
			base := strings.ToLower(path.Base(f.name))
			if want != "" && base != want {
				continue
			}
			if want == "" && !strings.HasSuffix(base, ".xml") {
				continue
			}
			if res.attachments[i].Executable {
				refused = append(refused, f.name)
				continue
			}
			if f.decodeErr != nil || f.data == nil {
				res.warnings = append(res.warnings, fmt.Sprintf("attachment %q cannot be decoded: %v", f.name, f.decodeErr))
				continue
			}
			if want == "" {
				// Fallback: any XML attachment whose root is an invoice.
				space, local, _, err := sniffRoot(f.data)
				if err != nil || formatOfRoot(space, local) == Unknown {
					continue
				}
			}
			pick = i
			break
		}
		if pick >= 0 {
			break
		}
	}
	for _, a := range res.attachments {
		if a.Executable {
			res.warnings = append(res.warnings, fmt.Sprintf("attachment %q looks like an executable; it is never read", a.Name))
		}
	}
	if pick < 0 {
		if len(refused) > 0 {
			return nil, fmt.Errorf("%w: the only candidate %q is an executable", ErrNoInvoiceInPDF, refused[0])
		}
		return nil, ErrNoInvoiceInPDF
	}
	f := files[pick]
	res.xml, res.name, res.relationship = f.data, f.name, f.relationship
	switch f.relationship {
	case "Data", "Alternative", "Source":
	case "":
		res.warnings = append(res.warnings, fmt.Sprintf("invoice attachment %q has no AFRelationship", f.name))
	default:
		res.warnings = append(res.warnings, fmt.Sprintf("invoice attachment %q has AFRelationship %s (expected Data, Alternative or Source)", f.name, f.relationship))
	}
	n := 0
	for _, f := range files {
		if strings.EqualFold(path.Ext(f.name), ".xml") {
			b := strings.ToLower(path.Base(f.name))
			for _, w := range invoiceAttachmentNames {
				if b == w {
					n++
				}
			}
		}
	}
	if n > 1 {
		res.warnings = append(res.warnings, fmt.Sprintf("PDF embeds %d invoice XMLs; using %q", n, f.name))
	}
	return res, nil
}

// collectEmbeddedFiles walks the /Names /EmbeddedFiles tree and the catalog
// /AF array and returns each file specification once.
func collectEmbeddedFiles(xt *model.XRefTable) ([]embedded, []string) {
	var (
		out      []embedded
		warnings []string
		seen     = map[int]bool{}
	)
	cat, err := xt.Catalog()
	if err != nil || cat == nil {
		return nil, []string{"PDF has no catalog"}
	}
	add := func(o types.Object) {
		if len(out) >= maxPDFAttachments {
			return
		}
		if ref, ok := o.(types.IndirectRef); ok {
			nr := ref.ObjectNumber.Value()
			if seen[nr] {
				return
			}
			seen[nr] = true
		}
		d, err := xt.DereferenceDict(o)
		if err != nil || d == nil {
			return
		}
		e := embedded{}
		for _, key := range []string{"UF", "F"} {
			if v, ok := d.Find(key); ok {
				if s, err := xt.DereferenceStringOrHexLiteral(v, model.V10, nil); err == nil && s != "" {
					e.name = s
					break
				}
			}
		}
		if v, ok := d.Find("AFRelationship"); ok {
			if n, err := xt.DereferenceName(v, model.V10, nil); err == nil {
				e.relationship = n.Value()
			}
		}
		ef, err := xt.DereferenceDict(d["EF"])
		if err == nil && ef != nil {
			so, ok := ef.Find("UF")
			if !ok {
				so, ok = ef.Find("F")
			}
			if ok {
				sd, _, err := xt.DereferenceStreamDict(so)
				if err == nil && sd != nil {
					e.stream = sd
					if st := sd.Dict.Subtype(); st != nil {
						e.mime = *st
					}
				}
			}
		}
		if e.stream == nil {
			warnings = append(warnings, fmt.Sprintf("file specification %q has no embedded stream", e.name))
		}
		out = append(out, e)
	}

	// Name tree: /Names << /EmbeddedFiles << /Kids [...] | /Names [k v k v] >> >>.
	if names, err := xt.DereferenceDict(cat["Names"]); err == nil && names != nil {
		if root, err := xt.DereferenceDict(names["EmbeddedFiles"]); err == nil && root != nil {
			walkNameTree(xt, root, 0, map[int]bool{}, add)
		}
	}
	if af, err := xt.DereferenceArray(cat["AF"]); err == nil {
		for _, o := range af {
			add(o)
		}
	}
	if len(out) >= maxPDFAttachments {
		warnings = append(warnings, fmt.Sprintf("more than %d embedded files; the rest was ignored", maxPDFAttachments))
	}
	return out, warnings
}

func walkNameTree(xt *model.XRefTable, node types.Dict, depth int, visited map[int]bool, add func(types.Object)) {
	if depth > 32 {
		return
	}
	if arr, err := xt.DereferenceArray(node["Names"]); err == nil {
		for i := 1; i < len(arr); i += 2 {
			add(arr[i])
		}
	}
	kids, err := xt.DereferenceArray(node["Kids"])
	if err != nil {
		return
	}
	for _, k := range kids {
		if ref, ok := k.(types.IndirectRef); ok {
			if visited[ref.ObjectNumber.Value()] {
				continue
			}
			visited[ref.ObjectNumber.Value()] = true
		}
		d, err := xt.DereferenceDict(k)
		if err == nil && d != nil {
			walkNameTree(xt, d, depth+1, visited, add)
		}
	}
}

var xmpConformance = regexp.MustCompile(`ConformanceLevel(?:\s*=\s*["']|>)\s*([^<"']{1,40}?)\s*(?:["']|<)`)

// xmpConformanceLevel reads fx:ConformanceLevel (Factur-X, ZUGFeRD 1 and 2
// namespaces alike) from the catalog's XMP metadata stream.
func xmpConformanceLevel(xt *model.XRefTable) string {
	cat, err := xt.Catalog()
	if err != nil || cat == nil {
		return ""
	}
	o, ok := cat.Find("Metadata")
	if !ok {
		return ""
	}
	sd, _, err := xt.DereferenceStreamDict(o)
	if err != nil || sd == nil {
		return ""
	}
	c := *sd
	if err := c.DecodeWithLimit(4 << 20); err != nil {
		return ""
	}
	if m := xmpConformance.FindSubmatch(c.Content); m != nil {
		return strings.TrimSpace(string(m[1]))
	}
	return ""
}

// conformanceMatches reports whether the XMP conformance level fits the
// profile derived from BT-24.
func conformanceMatches(level string, p Profile) bool {
	switch strings.ToUpper(strings.Join(strings.Fields(level), " ")) {
	case "MINIMUM":
		return p == ProfileFacturXMinimum
	case "BASIC WL":
		return p == ProfileFacturXBasicWL
	case "BASIC":
		return p == ProfileFacturXBasic || p == ProfileZUGFeRD1
	case "EN 16931", "COMFORT":
		return p == ProfileEN16931 || p == ProfileZUGFeRD1
	case "EXTENDED":
		return p == ProfileFacturXExtended || p == ProfileZUGFeRD1
	case "XRECHNUNG":
		return p == ProfileXRechnung || p == ProfileXRechnungExtension || p == ProfileXRechnungCVD || p == ProfileXRechnungOld
	}
	return true // unknown levels are not judged
}

// executableExt lists file name extensions of programs and scripts.
var executableExt = map[string]bool{
	".exe": true, ".dll": true, ".com": true, ".scr": true, ".bat": true, ".cmd": true, ".msi": true,
	".ps1": true, ".vbs": true, ".js": true, ".jar": true, ".sh": true, ".elf": true, ".app": true,
	".pif": true, ".cpl": true, ".hta": true, ".wsf": true, ".lnk": true,
}

// looksExecutable reports whether an attachment is a program by its magic
// bytes or its extension; such files are never read as invoices.
func looksExecutable(name string, data []byte) bool {
	if executableExt[strings.ToLower(path.Ext(name))] {
		return true
	}
	switch {
	case bytes.HasPrefix(data, []byte("MZ")),
		bytes.HasPrefix(data, []byte("\x7fELF")),
		bytes.HasPrefix(data, []byte("#!")),
		bytes.HasPrefix(data, []byte("\xca\xfe\xba\xbe")),
		bytes.HasPrefix(data, []byte("\xfe\xed\xfa\xce")),
		bytes.HasPrefix(data, []byte("\xfe\xed\xfa\xcf")),
		bytes.HasPrefix(data, []byte("\xce\xfa\xed\xfe")),
		bytes.HasPrefix(data, []byte("\xcf\xfa\xed\xfe")):
		return true
	}
	return false
}
