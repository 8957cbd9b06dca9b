package pdf

import (
	"bytes"
	"fmt"
	"os"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// inheritable are the page attributes a leaf takes from its ancestors
// when it has none of its own (PDF 32000-1 §7.7.3.4).
var inheritable = []string{"Resources", "MediaBox", "CropBox", "Rotate"}

// maxTreeDepth bounds the page tree walk; real trees are a few levels
// deep, and the walk must not recurse without end on a hostile file.
const maxTreeDepth = 256

// treeLeaf is a page object found in the page tree, with the inheritable
// attributes it gets from intermediate nodes (the root keeps its own).
type treeLeaf struct {
	ref     types.IndirectRef
	dict    types.Dict
	inherit map[string]types.Object
}

// pageTree is the result of walking a document's page tree.
type pageTree struct {
	rootRef types.IndirectRef
	root    types.Dict
	leaves  []treeLeaf
	// notPages counts the kids that are not pages: a /Pages node that
	// the tree already holds (each node has exactly one /Parent, so a
	// node met again is a loop, not more pages) and a leaf whose page
	// boundary has no area (nothing on it can be shown). Viewers show
	// such a kid as an empty page of 0×0 points or not at all.
	notPages int
}

// walkPageTree collects the leaves of the page tree of xt in document
// order. A node is a /Pages dictionary with /Kids, a leaf a /Page
// (PDF 32000-1 §7.7.3); like pdfcpu, a dictionary without /Type that has
// /Kids and /Count is taken as a node.
func walkPageTree(xt *model.XRefTable) (*pageTree, error) {
	rootRef, err := xt.Pages()
	if err != nil || rootRef == nil {
		return nil, fmt.Errorf("%w: no page tree: %v", ErrCorrupt, err)
	}
	root, err := xt.DereferenceDict(*rootRef)
	if err != nil || root == nil {
		return nil, fmt.Errorf("%w: page tree root: %v", ErrCorrupt, err)
	}
	t := &pageTree{rootRef: *rootRef, root: root}
	seen := map[int]bool{rootRef.ObjectNumber.Value(): true}
	var walk func(node types.Dict, inherit map[string]types.Object, depth int) error
	walk = func(node types.Dict, inherit map[string]types.Object, depth int) error {
		if depth > maxTreeDepth {
			return fmt.Errorf("%w: page tree deeper than %d", ErrCorrupt, maxTreeDepth)
		}
		kids, err := xt.DereferenceArray(node["Kids"])
		if err != nil {
			return fmt.Errorf("%w: page tree /Kids: %v", ErrCorrupt, err)
		}
		for _, k := range kids {
			// A kid that is no reference to a dictionary is what a
			// cross-reference table rebuilt wrongly gives: that is for
			// qpdf's reconstruction to sort out, not a page to leave out.
			ref, ok := k.(types.IndirectRef)
			if !ok {
				return fmt.Errorf("%w: page tree kid %v is not a reference", ErrCorrupt, k)
			}
			d, err := xt.DereferenceDict(ref)
			if err != nil || d == nil {
				return fmt.Errorf("%w: page tree kid %v: %v", ErrCorrupt, ref, err)
			}
			if isTreeNode(d) {
				nr := ref.ObjectNumber.Value()
				if seen[nr] {
					t.notPages++
					continue
				}
				seen[nr] = true
				// The node's own attributes override what it inherits,
				// for its subtree only.
				sub, copied := inherit, false
				for _, key := range inheritable {
					if v, ok := d[key]; ok {
						if !copied {
							sub, copied = cloneAttrs(inherit), true
						}
						sub[key] = v
					}
				}
				if err := walk(d, sub, depth+1); err != nil {
					return err
				}
				continue
			}
			if !hasArea(xt, d, inherit, root) {
				t.notPages++
				continue
			}
			t.leaves = append(t.leaves, treeLeaf{ref: ref, dict: d, inherit: inherit})
		}
		return nil
	}
	if err := walk(root, nil, 0); err != nil {
		return nil, err
	}
	return t, nil
}

func cloneAttrs(m map[string]types.Object) map[string]types.Object {
	c := make(map[string]types.Object, len(m)+1)
	for k, v := range m {
		c[k] = v
	}
	return c
}

// isTreeNode reports whether d is an intermediate page tree node.
func isTreeNode(d types.Dict) bool {
	if t := d.Type(); t != nil {
		return *t == "Pages"
	}
	_, kids := d.Find("Kids")
	_, count := d.Find("Count")
	return kids && count
}

// hasArea reports whether the page's visible area (its crop box, else its
// media box, own or inherited) is more than a line. A page without a
// readable box gets the default size later and counts as having one.
func hasArea(xt *model.XRefTable, leaf types.Dict, inherit map[string]types.Object, root types.Dict) bool {
	box := func(key string) (*types.Rectangle, bool) {
		o, ok := leaf[key]
		if !ok {
			o, ok = inherit[key]
		}
		if !ok {
			o, ok = root[key]
		}
		if !ok {
			return nil, false
		}
		a, err := xt.DereferenceArray(o)
		if err != nil || len(a) != 4 {
			return nil, false
		}
		r, err := xt.RectForArray(a)
		if err != nil {
			return nil, false
		}
		return r, true
	}
	r, ok := box("CropBox")
	if !ok {
		r, ok = box("MediaBox")
	}
	return !ok || (r.Width() != 0 && r.Height() != 0)
}

// errNoRealPage: every kid of the page tree loops or has no area. It is
// corrupt, so that the repairs are tried (a tree pdfcpu misread may be
// sound as qpdf reads it); if none helps, the document has no pages.
var errNoRealPage = fmt.Errorf("%w: the page tree holds no page", ErrCorrupt)

// dropNonPages rebuilds the page tree of pc when it holds kids that are
// not pages (see pageTree.notPages): the root's /Kids become the real
// pages in their order, each with the attributes it inherited from the
// nodes now gone, and the document is written anew. It returns the
// rewritten PDF and how many kids were left out; data itself and 0 when
// the tree is sound. An encrypted document is left alone: rewriting it
// would drop its encryption.
func dropNonPages(pc *model.Context, data []byte) ([]byte, int, error) {
	if pc.XRefTable.Encrypt != nil {
		return data, 0, nil
	}
	t, err := walkPageTree(pc.XRefTable)
	if err != nil || t.notPages == 0 {
		// A tree this walk cannot follow is left to pdfcpu's own
		// reading and the repairs behind it, as before.
		return data, 0, nil
	}
	if len(t.leaves) == 0 {
		return nil, 0, errNoRealPage
	}
	kids := make(types.Array, 0, len(t.leaves))
	for _, l := range t.leaves {
		for _, key := range inheritable {
			if v, ok := l.inherit[key]; ok {
				if _, own := l.dict[key]; !own {
					l.dict[key] = v
				}
			}
		}
		l.dict["Parent"] = t.rootRef
		kids = append(kids, l.ref)
	}
	t.root["Kids"] = kids
	t.root["Count"] = types.Integer(len(t.leaves))
	pc.ResetWriteContext()
	pc.Write.Increment = false
	var buf bytes.Buffer
	if err := api.WriteContext(pc, &buf); err != nil {
		return nil, 0, fmt.Errorf("%w: rewriting the page tree: %v", ErrCorrupt, err)
	}
	return buf.Bytes(), t.notPages, nil
}

// LeftOut is the number of kids of the page tree that are not pages (a
// node looping back into the tree, a page without area) and were left out
// of the document: its pages are the real ones, in their order.
func (doc *Document) LeftOut() int { return doc.leftOut }

// Close removes the rewritten copy poppler reads when the page tree was
// rebuilt; it is a no-op otherwise.
func (doc *Document) Close() error {
	if doc.tmp == "" {
		return nil
	}
	err := os.Remove(doc.tmp)
	doc.tmp = ""
	return err
}

// usePoppler makes poppler read data, the document as this reader
// understands it, instead of the original at doc.Path: after the page
// tree was rebuilt, page n of the original as poppler counts it is not
// page n here, so rendering, text extraction and verification must all
// see the same file.
func (doc *Document) usePoppler(data []byte) error {
	f, err := os.CreateTemp("", "eingang-pagetree-*.pdf")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	doc.Path, doc.tmp = f.Name(), f.Name()
	return nil
}
