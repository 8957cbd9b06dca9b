package batch

import (
	"errors"
	"reflect"
	"regexp"
	"testing"
)

// Page shorthands: c content, b blank, s separator.
func pagesOf(spec string, payloads ...SeparatorPayload) []PageInfo {
	var out []PageInfo
	for _, r := range spec {
		switch r {
		case 'c':
			out = append(out, PageInfo{})
		case 'b':
			out = append(out, PageInfo{Blank: true, BlankWhy: "leer"})
		case 's':
			p := PageInfo{Separator: true}
			if len(payloads) > 0 {
				p.Payload, payloads = payloads[0], payloads[1:]
			}
			out = append(out, p)
		}
	}
	return out
}

func TestPlan(t *testing.T) {
	on := Options{Separators: true, RemoveBlank: true}
	tests := []struct {
		name    string
		pages   []PageInfo
		opts    Options
		want    [][]int // pages of each part
		ranges  []string
		removed []int
		err     error
	}{
		{"one document", pagesOf("cc"), on, [][]int{{1, 2}}, []string{"1-2"}, nil, nil},
		{"two documents", pagesOf("ccscc"), on, [][]int{{1, 2}, {4, 5}}, []string{"1-2", "3-5"}, []int{3}, nil},
		{"leading sheet and duplex backs", pagesOf("sbcbcbsbcb"), on, [][]int{{3, 5}, {9}}, []string{"1-6", "7-10"}, []int{1, 2, 4, 6, 7, 8, 10}, nil},
		{"two sheets in a row", pagesOf("cssc"), on, [][]int{{1}, {4}}, []string{"1-1", "2-4"}, []int{2, 3}, nil},
		{"blank pages kept", pagesOf("cbscb"), Options{Separators: true}, [][]int{{1, 2}, {4, 5}}, []string{"1-2", "3-5"}, []int{3}, nil},
		{"sheets ignored", pagesOf("csc"), Options{RemoveBlank: true}, [][]int{{1, 2, 3}}, []string{"1-3"}, nil, nil},
		{"sheet kept", pagesOf("cscc"), Options{Separators: true, KeepSeparatorPages: true}, [][]int{{1}, {2, 3, 4}}, []string{"1-1", "2-4"}, nil, nil},
		{"split every 2", pagesOf("cbcccbc"), Options{RemoveBlank: true, SplitEvery: 2}, [][]int{{1}, {3, 4}, {5}, {7}}, []string{"1-2", "3-4", "5-6", "7-7"}, []int{2, 6}, nil},
		{"sheets win over split every", pagesOf("cccscc"), Options{Separators: true, SplitEvery: 1}, [][]int{{1, 2, 3}, {5, 6}}, []string{"1-3", "4-6"}, []int{4}, nil},
		{"trailing blanks", pagesOf("ccsbb"), on, [][]int{{1, 2}}, []string{"1-5"}, []int{3, 4, 5}, nil},
		{"too long", pagesOf("cccc"), Options{MaxPagesPerDocument: 3}, nil, nil, nil, ErrReview},
		{"only blanks", pagesOf("bsb"), on, nil, nil, []int{1, 2, 3}, ErrReview},
		{"empty", nil, on, nil, nil, nil, ErrReview},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parts, removed, err := Plan(tc.pages, tc.opts)
			if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			var got [][]int
			var ranges []string
			for i, p := range parts {
				if p.Index != i+1 {
					t.Errorf("part %d has index %d", i+1, p.Index)
				}
				got = append(got, p.Pages)
				ranges = append(ranges, p.PageRange())
			}
			var rem []int
			for _, r := range removed {
				rem = append(rem, r.Page)
			}
			if !reflect.DeepEqual(got, tc.want) || !reflect.DeepEqual(ranges, tc.ranges) || !reflect.DeepEqual(rem, tc.removed) {
				t.Fatalf("parts %v ranges %v removed %v, want %v %v %v", got, ranges, rem, tc.want, tc.ranges, tc.removed)
			}
			// Every removed page is listed in exactly one part, inside
			// its range, unless the plan failed.
			if err == nil {
				seen := map[int]int{}
				for _, p := range parts {
					for _, r := range p.Removed {
						seen[r.Page]++
						if r.Page < p.From || r.Page > p.To {
							t.Errorf("part %d (%s) lists page %d", p.Index, p.PageRange(), r.Page)
						}
					}
				}
				for _, r := range removed {
					if seen[r.Page] != 1 {
						t.Errorf("removed page %d listed %d times", r.Page, seen[r.Page])
					}
				}
			}
		})
	}
}

// TestPlanMetadata: a sheet's profile and metadata and the barcode
// fields of a part's pages reach that part and no other.
func TestPlanMetadata(t *testing.T) {
	pages := pagesOf("cscsc",
		SeparatorPayload{Profile: "stapel", Meta: map[string]string{"posteingang": "2026-12-07"}},
		SeparatorPayload{})
	pages[0].Codes = []string{"AZ:1-2/2026", "AZ:9-9/2026"}
	pages[2].Codes = []string{"https://example.org", "KZ 4711"}
	pages[1].Codes = []string{"AZ:sheet"}
	rules := []FieldRule{
		{Field: "aktenzeichen", Pattern: regexp.MustCompile(`^AZ:(.+)$`)},
		{Field: "kassenzeichen", Pattern: regexp.MustCompile(`KZ \d+`)},
	}
	parts, _, err := Plan(pages, Options{Separators: true, BarcodeFields: rules})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		profile string
		meta    map[string]string
	}{
		{"", map[string]string{"aktenzeichen": "1-2/2026"}},
		{"stapel", map[string]string{"posteingang": "2026-12-07", "kassenzeichen": "KZ 4711"}},
		{"", nil},
	}
	if len(parts) != len(want) {
		t.Fatalf("%d parts", len(parts))
	}
	for i, w := range want {
		if parts[i].Profile != w.profile || !reflect.DeepEqual(parts[i].Meta, w.meta) {
			t.Errorf("part %d: profile %q meta %v, want %q %v", i+1, parts[i].Profile, parts[i].Meta, w.profile, w.meta)
		}
	}
	// Pure: the same input gives the same plan.
	again, _, _ := Plan(pages, Options{Separators: true, BarcodeFields: rules})
	if !reflect.DeepEqual(parts, again) {
		t.Error("Plan is not deterministic")
	}
}

// FuzzPlan: for any sequence of pages and options, every batch page is
// in exactly one part or removed, parts are in page order and do not
// overlap, and every removed page is listed in exactly one part.
func FuzzPlan(f *testing.F) {
	f.Add([]byte("ccscbbsc"), uint8(0xff), uint8(0), uint8(0))
	f.Add([]byte("bbbcccc"), uint8(2), uint8(3), uint8(0))
	f.Fuzz(func(t *testing.T, spec []byte, flags, every, maxPages uint8) {
		if len(spec) > 200 {
			return
		}
		pages := make([]PageInfo, len(spec))
		for i, c := range spec {
			pages[i] = PageInfo{Separator: c%3 == 1, Blank: c%3 == 2}
		}
		opts := Options{Separators: flags&1 != 0, RemoveBlank: flags&2 != 0, KeepSeparatorPages: flags&4 != 0,
			SplitEvery: int(every % 8), MaxPagesPerDocument: int(maxPages % 16)}
		parts, removed, err := Plan(pages, opts)
		if err != nil {
			if !errors.Is(err, ErrReview) {
				t.Fatalf("error %v is not ErrReview", err)
			}
			return
		}
		seen := make([]int, len(pages)+1)
		last := 0
		for i, p := range parts {
			if p.Index != i+1 || len(p.Pages) == 0 || p.From > p.Pages[0] || p.To < p.Pages[len(p.Pages)-1] || p.From <= last {
				t.Fatalf("part %+v after page %d", p, last)
			}
			last = p.To
			for _, n := range p.Pages {
				seen[n]++
			}
			for _, r := range p.Removed {
				if r.Page < p.From || r.Page > p.To {
					t.Fatalf("part %d (%s) lists removed page %d", p.Index, p.PageRange(), r.Page)
				}
			}
		}
		for _, r := range removed {
			seen[r.Page]++
		}
		for n := 1; n <= len(pages); n++ {
			if seen[n] != 1 {
				t.Fatalf("page %d accounted %d times (parts %+v, removed %+v)", n, seen[n], parts, removed)
			}
		}
		listed := 0
		for _, p := range parts {
			listed += len(p.Removed)
		}
		if listed != len(removed) {
			t.Fatalf("%d removed pages, %d listed in parts", len(removed), listed)
		}
	})
}

// A part over the limit is reported with its number and size, so that
// the split can tell the clerk which part is too long.
func TestPlanPartTooLong(t *testing.T) {
	tests := []struct {
		name            string
		pages           string
		max             int
		part, partPages int
	}{
		{"first part", "ccccscc", 3, 1, 4},
		{"second part, blank backs not counted", "ccscbcbcc", 3, 2, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Plan(pagesOf(tt.pages), Options{Separators: true, RemoveBlank: true, MaxPagesPerDocument: tt.max})
			var long *PartTooLongError
			if !errors.As(err, &long) || !errors.Is(err, ErrReview) {
				t.Fatalf("error %v, want a PartTooLongError", err)
			}
			if long.Part != tt.part || long.Pages != tt.partPages || long.Max != tt.max {
				t.Errorf("%+v, want part %d with %d pages, limit %d", *long, tt.part, tt.partPages, tt.max)
			}
		})
	}
}
