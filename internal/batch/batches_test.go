package batch_test

import (
	"context"
	"flag"
	"fmt"
	"image"
	"reflect"
	"regexp"
	"testing"

	"github.com/eingang/eingang/internal/barcode"
	"github.com/eingang/eingang/internal/batch"
	"github.com/eingang/eingang/internal/batch/batchtest"
)

var backend = flag.String("backend", "gozxing", "barcode backend (zxing-cpp needs -tags zxingcpp)")

func detector(t testing.TB, wholePage bool) *batch.Detector {
	t.Helper()
	for _, b := range barcode.Backends() {
		if b.Name == *backend {
			return batch.NewDetectorWith(b, nil, wholePage)
		}
	}
	t.Fatalf("no barcode backend %q in this build", *backend)
	return nil
}

// TestGeneratedBatches runs the whole split over the generated batches
// (20 batches of 2–6 corpus documents with separator sheets turned every
// way, duplex blank backs of five kinds, near-blank pages, foreign
// barcodes, 200–400 dpi, grey and colour, JPEG 60–90 and lossless): every
// separator found and nothing else taken for one, no page with content
// removed, and each document exactly one part with its pages, profile and
// metadata.
func TestGeneratedBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes some 300 page images")
	}
	batches := batchtest.Load(t)
	if len(batches) < 20 {
		t.Fatalf("%d batches, want at least 20", len(batches))
	}
	ctx := context.Background()
	d := detector(t, false)
	opts := batch.Options{
		Separators: true, RemoveBlank: true, MaxPagesPerDocument: 20,
		BarcodeFields: []batch.FieldRule{{Field: "aktenzeichen", Pattern: regexp.MustCompile(batchtest.FieldLabel)}},
	}
	var blanks, blanksRemoved int
	for _, b := range batches {
		t.Run(b.Name, func(t *testing.T) {
			infos := make([]batch.PageInfo, len(b.Pages))
			for i, p := range b.Pages {
				img, err := p.Image()
				if err != nil {
					t.Fatal(err)
				}
				info, err := d.Analyze(ctx, img)
				if err != nil {
					t.Fatalf("page %d: %v", i+1, err)
				}
				infos[i] = info
				where := fmt.Sprintf("page %d (%s, %s)", i+1, p.Kind, p.Variant)
				switch p.Kind {
				case batchtest.Separator:
					if !info.Separator {
						t.Errorf("%s: separator not found", where)
					} else if got := info.Payload.String(); got != p.Payload {
						t.Errorf("%s: payload %q, want %q", where, got, p.Payload)
					}
				case batchtest.Blank:
					blanks++
					if info.Blank {
						blanksRemoved++
					} else {
						t.Logf("%s: blank page kept: %s", where, info.BlankWhy)
					}
				default:
					if info.Separator {
						t.Errorf("%s: taken for a separator", where)
					}
					if info.Blank {
						t.Errorf("%s: page with content judged blank: %s", where, info.BlankWhy)
					}
				}
			}
			parts, _, err := batch.Plan(infos, opts)
			if err != nil {
				t.Fatal(err)
			}
			// A blank page kept (the rule errs towards keeping) stays in
			// its document; it is counted above, not failed here.
			want := b.Want()
			for i, p := range b.Pages {
				if p.Kind == batchtest.Blank && !infos[i].Blank {
					want[p.Doc] = insertSorted(want[p.Doc], i+1)
				}
			}
			if len(parts) != len(want) {
				t.Fatalf("%d parts, want %d", len(parts), len(want))
			}
			for i, pt := range parts {
				doc := b.Docs[i]
				if !reflect.DeepEqual(pt.Pages, want[i]) {
					t.Errorf("part %d: pages %v, want %v", pt.Index, pt.Pages, want[i])
				}
				if pt.Profile != doc.Profile {
					t.Errorf("part %d: profile %q, want %q", pt.Index, pt.Profile, doc.Profile)
				}
				if len(pt.Meta) != len(doc.Fields) || (len(doc.Fields) > 0 && !reflect.DeepEqual(pt.Meta, doc.Fields)) {
					t.Errorf("part %d: metadata %v, want %v", pt.Index, pt.Meta, doc.Fields)
				}
			}
			// The same pages always give the same parts: a split repeated
			// after a crash creates no other document.
			again, _, _ := batch.Plan(infos, opts)
			if !reflect.DeepEqual(parts, again) {
				t.Error("plan differs on the second run")
			}
		})
	}
	t.Logf("blank pages removed: %d of %d", blanksRemoved, blanks)
	if blanks == 0 || float64(blanksRemoved) < 0.98*float64(blanks) {
		t.Errorf("removed %d of %d blank pages, want at least 98 %%", blanksRemoved, blanks)
	}
}

func insertSorted(s []int, v int) []int {
	i := 0
	for i < len(s) && s[i] < v {
		i++
	}
	return append(s[:i], append([]int{v}, s[i:]...)...)
}

// BenchmarkDetect measures per page, on generated pages of every kind
// and each backend of the build: separator search alone, blank test
// alone, and both as Analyze does them (one shared reduction).
func BenchmarkDetect(b *testing.B) {
	batches := batchtest.Load(b)
	var imgs []image.Image
	for _, bt := range batches {
		for _, p := range bt.Pages {
			if len(imgs) == 60 {
				break
			}
			img, err := p.Image()
			if err != nil {
				b.Fatal(err)
			}
			imgs = append(imgs, img)
		}
	}
	ctx := context.Background()
	for _, be := range barcode.Backends() {
		d := batch.NewDetectorWith(be, nil, false)
		b.Run(be.Name+"/separator", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if _, _, err := d.FindSeparator(ctx, imgs[i%len(imgs)]); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(be.Name+"/analyze", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if _, err := d.Analyze(ctx, imgs[i%len(imgs)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("blank", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			batch.IsBlank(imgs[i%len(imgs)])
		}
	})
}
