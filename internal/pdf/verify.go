package pdf

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/eingang/eingang/internal/pdfraw"
)

// verifyScale is the longer side, in pixels, of the renderings
// VerifyOutput compares: about 90 dpi for A4, enough to show a lost label
// or barcode, and bounded for poster-sized pages.
const verifyScale = 1024

// maxVerifyObjects bounds the reference walk of VerifyOutput.
const maxVerifyObjects = 4 << 20

// VerifyOutput checks the searchable PDF at out, written by
// [Document.WriteSearchable] with layers, against the input, with readers
// independent of the one that read the input (poppler and package pdfraw):
//
//   - every reference reachable from the trailer resolves to an object,
//     unless the same reference dangled in the input already (a missing
//     object reads as null, so qpdf --check and most viewers stay silent
//     when a font or image went missing);
//   - every page renders to the same pixels as before, turned by the
//     rotation the text layer gave it (an invisible text layer changes
//     nothing visible);
//   - every page's extractable text has at least as many characters as
//     before.
//
// A mismatch wraps ErrOutputDamaged; a failing tool returns its error.
func (doc *Document) VerifyOutput(ctx context.Context, out string, layers []*TextLayer) error {
	outData, err := os.ReadFile(out)
	if err != nil {
		return err
	}
	if err := verifyReferences(doc.src, outData); err != nil {
		return err
	}
	in := doc.Path
	dir, err := os.MkdirTemp("", "eingang-verify-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if in == "" {
		in = filepath.Join(dir, "input.pdf")
		if err := os.WriteFile(in, doc.src, 0o600); err != nil {
			return err
		}
	}
	inText, err := pageTexts(ctx, in)
	if err != nil {
		return fmt.Errorf("input: %w", err)
	}
	outText, err := pageTexts(ctx, out)
	if err != nil {
		return fmt.Errorf("%w: pdftotext cannot read the output: %v", ErrOutputDamaged, err)
	}
	for i := range doc.Pages {
		var a, b int
		if i < len(inText) {
			a = inText[i]
		}
		if i < len(outText) {
			b = outText[i]
		}
		if b < a {
			return fmt.Errorf("%w: page %d has %d characters of text, the input %d", ErrOutputDamaged, i+1, b, a)
		}
	}
	// A layer may turn a page upright through /Rotate; the copy compared
	// pixel by pixel gets the input's rotation back, because turning a
	// rendering moves anti-aliased edges by a sub-pixel and so cannot be
	// compared exactly.
	shown := out
	if turned, err := unturned(outData, doc.Pages); err != nil {
		return fmt.Errorf("%w: %v", ErrOutputDamaged, err)
	} else if turned != nil {
		shown = filepath.Join(dir, "unturned.pdf")
		if err := os.WriteFile(shown, turned, 0o600); err != nil {
			return err
		}
	}
	for first := 0; first < len(doc.Pages); first += verifyChunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		pages := doc.Pages[first:min(len(doc.Pages), first+verifyChunk)]
		lo, hi := pages[0].Number, pages[len(pages)-1].Number
		// A failed chunk leaves its pages to the page-by-page renderings
		// below, whose errors name the page.
		before, _ := renderPages(ctx, in, lo, hi, filepath.Join(dir, "in"))
		after, _ := renderPages(ctx, shown, lo, hi, filepath.Join(dir, "out"))
		for _, p := range pages {
			b, a := before[p.Number], after[p.Number]
			var err error
			if b == nil {
				if b, err = renderPage(ctx, in, p.Number, dir); err != nil {
					return fmt.Errorf("input: %w", err)
				}
			}
			if a == nil {
				if a, err = renderPage(ctx, shown, p.Number, dir); err != nil {
					return fmt.Errorf("%w: page %d does not render: %v", ErrOutputDamaged, p.Number, err)
				}
			}
			if n := pixelsDiffering(b, a); n != 0 {
				return fmt.Errorf("%w: page %d looks different after adding the text layer (%d pixels differ)", ErrOutputDamaged, p.Number, n)
			}
		}
	}
	return nil
}

// verifyChunk is the number of pages VerifyOutput renders with one
// pdftoppm run. Each run starts poppler afresh (colour management, font
// configuration, parsing the file): with one run per page,
// BenchmarkVerifyOutput took 104–113 ms of child CPU per page, with one
// run per chunk 95–100. The chunk bounds the renderings on disk at a time.
const verifyChunk = 16

// renderPages renders pages first to last of path as gray, their longer
// sides verifyScale pixels, into files beginning with root, and returns
// them by page number; a page pdftoppm did not write is missing.
func renderPages(ctx context.Context, path string, first, last int, root string) (map[int]*image.Gray, error) {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	cmd := exec.CommandContext(ctx, "pdftoppm", "-q", "-gray", "-scale-to", strconv.Itoa(verifyScale), "-f", strconv.Itoa(first), "-l", strconv.Itoa(last), path, root)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("pdftoppm pages %d–%d: %v: %s", first, last, err, bytes.TrimSpace(stderr.Bytes()))
	}
	files, err := filepath.Glob(root + "-*.pgm")
	if err != nil {
		return nil, err
	}
	out := make(map[int]*image.Gray, last-first+1)
	for _, f := range files {
		// pdftoppm pads the page number to the width of the page count:
		// root-7.pgm, root-07.pgm.
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(f, root+"-"), ".pgm"))
		data, rerr := os.ReadFile(f)
		os.Remove(f)
		if err != nil || rerr != nil || n < first || n > last {
			continue
		}
		if g, err := ReadPGM(data, Limits{}); err == nil {
			out[n] = g
		}
	}
	return out, nil
}

// verifyReferences reports references of out that resolve to nothing,
// ignoring those that already dangled in in.
func verifyReferences(in, out []byte) error {
	fo, err := pdfraw.Open(bytes.NewReader(out), int64(len(out)))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrOutputDamaged, err)
	}
	missing, err := danglingRefs(fo)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrOutputDamaged, err)
	}
	if len(missing) == 0 {
		return nil
	}
	if fi, err := pdfraw.Open(bytes.NewReader(in), int64(len(in))); err == nil {
		if before, err := danglingRefs(fi); err == nil {
			for r := range before {
				delete(missing, r)
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	refs := make([]string, 0, len(missing))
	for r := range missing {
		refs = append(refs, r.String())
	}
	sort.Strings(refs)
	if len(refs) > 5 {
		refs = append(refs[:5], "…")
	}
	return fmt.Errorf("%w: %d referenced objects are missing (%s)", ErrOutputDamaged, len(missing), strings.Join(refs, ", "))
}

// danglingRefs walks every object reachable from the trailer and returns
// the references that name no object.
func danglingRefs(f *pdfraw.File) (map[pdfraw.Ref]bool, error) {
	missing := map[pdfraw.Ref]bool{}
	seen := map[int]bool{}
	var queue []pdfraw.Ref
	var visit func(o pdfraw.Object, depth int)
	visit = func(o pdfraw.Object, depth int) {
		if depth > 64 {
			return
		}
		switch v := o.(type) {
		case pdfraw.Ref:
			if !f.Has(v) {
				missing[v] = true
			} else if !seen[v.Num] {
				seen[v.Num] = true
				queue = append(queue, v)
			}
		case pdfraw.Array:
			for _, e := range v {
				visit(e, depth+1)
			}
		case pdfraw.Dict:
			for _, e := range v {
				visit(e, depth+1)
			}
		case *pdfraw.Stream:
			visit(v.Dict, depth+1)
		}
	}
	tr := f.Trailer()
	for _, k := range []pdfraw.Name{"Root", "Info"} {
		visit(tr[k], 0)
	}
	for len(queue) > 0 {
		if len(seen) > maxVerifyObjects {
			return nil, fmt.Errorf("more than %d objects", maxVerifyObjects)
		}
		r := queue[0]
		queue = queue[1:]
		o, err := f.Object(r)
		if err != nil {
			return nil, fmt.Errorf("object %s: %v", r, err)
		}
		visit(o, 0)
	}
	return missing, nil
}

// pageTexts returns the number of non-space characters pdftotext extracts
// from each page.
func pageTexts(ctx context.Context, path string) ([]int, error) {
	cmd := exec.CommandContext(ctx, "pdftotext", "-q", "-enc", "UTF-8", path, "-")
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("pdftotext: %v", err)
	}
	pages := strings.Split(string(out), "\f")
	counts := make([]int, len(pages))
	for i, p := range pages {
		for _, r := range p {
			if !unicode.IsSpace(r) {
				counts[i]++
			}
		}
	}
	return counts, nil
}

// renderPage renders one page as gray, its longer side verifyScale pixels.
func renderPage(ctx context.Context, path string, page int, dir string) (*image.Gray, error) {
	n := strconv.Itoa(page)
	// pdftoppm runs in dir, so a relative path (eingang ocr IN …) must
	// not stay relative.
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	cmd := exec.CommandContext(ctx, "pdftoppm", "-q", "-gray", "-scale-to", strconv.Itoa(verifyScale), "-f", n, "-l", n, "-singlefile", path)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("pdftoppm page %d: %v: %s", page, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return ReadPGM(out, Limits{})
}

// unturned returns out with every page's /Rotate set back to the input's,
// or nil when no page was turned.
func unturned(out []byte, in []Page) ([]byte, error) {
	f, err := pdfraw.Open(bytes.NewReader(out), int64(len(out)))
	if err != nil {
		return nil, err
	}
	pages, err := f.Pages()
	if err != nil {
		return nil, err
	}
	if len(pages) != len(in) {
		return nil, fmt.Errorf("%d pages, the input %d", len(pages), len(in))
	}
	var u *pdfraw.Update
	for i, rp := range pages {
		r, _ := rp.Dict.Int("Rotate")
		if (int(r)%360+360)%360 == in[i].Rotate {
			continue
		}
		if u == nil {
			u = f.NewUpdate()
		}
		pd := rp.Dict.Clone()
		pd["Rotate"] = int64(in[i].Rotate)
		u.Put(rp.Ref, pd)
	}
	if u == nil {
		return nil, nil
	}
	return append(out[:len(out):len(out)], u.Bytes()...), nil
}

// pixelsDiffering counts the pixels that differ by more than rounding
// between a and b; different sizes count as every pixel.
func pixelsDiffering(a, b *image.Gray) int {
	if a.Rect.Size() != b.Rect.Size() {
		return max(a.Rect.Dx()*a.Rect.Dy(), b.Rect.Dx()*b.Rect.Dy(), 1)
	}
	n := 0
	w, h := a.Rect.Dx(), a.Rect.Dy()
	for y := 0; y < h; y++ {
		ra, rb := a.Pix[y*a.Stride:y*a.Stride+w], b.Pix[y*b.Stride:y*b.Stride+w]
		for x := range ra {
			d := int(ra[x]) - int(rb[x])
			if d > 2 || d < -2 {
				n++
			}
		}
	}
	return n
}
