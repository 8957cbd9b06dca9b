package batch

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
)

// PageInfo is what analysis found on one page of a batch.
type PageInfo struct {
	// Separator marks an eingang separator sheet (or a page with one of
	// the configured separator strings); Payload is what it says.
	Separator bool
	Payload   SeparatorPayload
	// Blank marks a page without content; BlankWhy is the reason.
	Blank    bool
	BlankWhy string
	// Codes are the texts of the barcodes read on the page, for
	// barcode_fields.
	Codes []string
}

// FieldRule takes a metadata field from barcode texts: the first
// submatch of Pattern (or the whole match if it has none) becomes the
// value of Field.
type FieldRule struct {
	Field   string
	Pattern *regexp.Regexp
}

// Options steer [Plan]; they are a profile's batch settings.
type Options struct {
	// Separators splits at separator sheets.
	Separators bool
	// RemoveBlank drops blank pages (blank_pages: remove).
	RemoveBlank bool
	// SplitEvery splits every so many batch pages when the batch has no
	// separator sheet (0: off).
	SplitEvery int
	// MaxPagesPerDocument refuses a plan with a larger part (0: no limit):
	// a part that long usually means a missed separator sheet.
	MaxPagesPerDocument int
	// KeepSeparatorPages keeps separator sheets as the first page of the
	// part they start.
	KeepSeparatorPages bool
	// BarcodeFields take metadata from the barcodes of a part's pages.
	BarcodeFields []FieldRule
}

// Reasons a page is not in any part.
const (
	ReasonBlank     = "leere Seite"
	ReasonSeparator = "Trennblatt"
)

// Removed is a batch page that went into no part.
type Removed struct {
	// Page is the 1-based page number in the batch.
	Page int
	// Reason is ReasonBlank or ReasonSeparator; Detail says more (for
	// a blank page, what the test measured).
	Reason, Detail string
}

// Part is one document cut from a batch.
type Part struct {
	// Index is the 1-based number of the part in the batch.
	Index int
	// Pages are the 1-based batch pages of the part, in order.
	Pages []int
	// From and To are the first and last batch page the part covers,
	// including the removed pages it lists (see [Plan]).
	From, To int
	// Profile is the profile the separator sheet names ("" for none).
	Profile string
	// Meta are the part's metadata fields: from the separator sheet's
	// payload, then from barcode_fields (which win).
	Meta map[string]string
	// Removed are the batch pages in From..To that are not in Pages, for
	// the part's Transfervermerk.
	Removed []Removed
}

// PageRange is the part's span "from-to" as the API shows it.
func (p Part) PageRange() string { return fmt.Sprintf("%d-%d", p.From, p.To) }

// ErrReview means the batch needs a person: a part is longer than
// max_pages_per_document (a [PartTooLongError]), or the batch has no
// content page.
var ErrReview = errors.New("batch: Stapel zur Prüfung")

// PartTooLongError is a plan with a part longer than
// MaxPagesPerDocument: most likely a separator sheet was not recognised
// or not put in, and a person must check the batch. It wraps ErrReview.
type PartTooLongError struct {
	// Part is the 1-based number of the part, Pages its page count
	// (removed pages not counted), Max the limit.
	Part, Pages, Max int
}

func (e *PartTooLongError) Error() string {
	return fmt.Sprintf("%v: Teil %d hat %d Seiten, höchstens %d sind erlaubt (Trennblatt übersehen?)", ErrReview, e.Part, e.Pages, e.Max)
}

// Unwrap returns ErrReview.
func (e *PartTooLongError) Unwrap() error { return ErrReview }

// Plan cuts a batch into parts. It is pure: the same pages and options
// always give the same parts, so a split that is repeated after a crash
// yields exactly the same documents. Removed pages are returned in batch
// order and are also listed in the part they lead into (the last part
// takes trailing ones).
func Plan(pages []PageInfo, opts Options) ([]Part, []Removed, error) {
	if len(pages) == 0 {
		return nil, nil, fmt.Errorf("%w: der Stapel hat keine Seiten", ErrReview)
	}
	bySheets := false
	if opts.Separators {
		for _, p := range pages {
			bySheets = bySheets || p.Separator
		}
	}
	byCount := !bySheets && opts.SplitEvery > 0
	var (
		parts            []Part
		removed, pending []Removed
		open             bool              // the last part takes more pages
		next             *SeparatorPayload // what the last separator said
	)
	add := func(n int) {
		if !open {
			from := n
			if len(pending) > 0 {
				from = pending[0].Page
			}
			pt := Part{Index: len(parts) + 1, From: from}
			if next != nil {
				pt.Profile = next.Profile
				if len(next.Meta) > 0 {
					pt.Meta = maps.Clone(next.Meta)
				}
				next = nil
			}
			parts = append(parts, pt)
			open = true
		}
		pt := &parts[len(parts)-1]
		pt.Removed, pending = append(pt.Removed, pending...), nil
		pt.Pages = append(pt.Pages, n)
		pt.To = n
	}
	// flush gives the pending removed pages to the open part.
	flush := func() {
		if open && len(pending) > 0 {
			pt := &parts[len(parts)-1]
			pt.Removed = append(pt.Removed, pending...)
			pt.To = pending[len(pending)-1].Page
			pending = nil
		}
	}
	group := func(n int) int { return (n - 1) / max(1, opts.SplitEvery) }
	for i, p := range pages {
		n := i + 1
		switch {
		case bySheets && p.Separator:
			// Removed pages before a sheet are the backs of the part
			// before it.
			flush()
			open = false
			pl := p.Payload
			next = &pl
			if opts.KeepSeparatorPages {
				add(n)
				continue
			}
			r := Removed{Page: n, Reason: ReasonSeparator}
			removed, pending = append(removed, r), append(pending, r)
		case opts.RemoveBlank && p.Blank:
			r := Removed{Page: n, Reason: ReasonBlank, Detail: p.BlankWhy}
			removed, pending = append(removed, r), append(pending, r)
			if byCount && open && group(n) == group(parts[len(parts)-1].Pages[0]) {
				flush()
			}
		default:
			// Without sheets, batch pages are counted blank backs
			// included, so a duplex stack of N-page letters splits with
			// split_every 2N.
			if byCount && open && group(n) != group(parts[len(parts)-1].Pages[0]) {
				open = false
			}
			add(n)
		}
	}
	if len(parts) == 0 {
		return nil, removed, fmt.Errorf("%w: der Stapel enthält keine Seite mit Inhalt", ErrReview)
	}
	if len(pending) > 0 {
		last := &parts[len(parts)-1]
		last.Removed = append(last.Removed, pending...)
		last.To = len(pages)
	}
	for i := range parts {
		pt := &parts[i]
		if opts.MaxPagesPerDocument > 0 && len(pt.Pages) > opts.MaxPagesPerDocument {
			return nil, removed, &PartTooLongError{Part: pt.Index, Pages: len(pt.Pages), Max: opts.MaxPagesPerDocument}
		}
		fields := codeFields(pages, pt.Pages, opts.BarcodeFields)
		if len(fields) > 0 && pt.Meta == nil {
			pt.Meta = map[string]string{}
		}
		maps.Copy(pt.Meta, fields)
	}
	return parts, removed, nil
}

// codeFields applies the rules to the barcodes of the part's pages: for
// each field the first match in page order wins.
func codeFields(pages []PageInfo, part []int, rules []FieldRule) map[string]string {
	var out map[string]string
	for _, n := range part {
		if pages[n-1].Separator {
			continue // a kept sheet's code is its payload, not a field
		}
		for _, text := range pages[n-1].Codes {
			for _, rule := range rules {
				if _, done := out[rule.Field]; done || rule.Pattern == nil {
					continue
				}
				m := rule.Pattern.FindStringSubmatch(text)
				if m == nil {
					continue
				}
				v := m[0]
				if len(m) > 1 {
					v = m[1]
				}
				if out == nil {
					out = map[string]string{}
				}
				out[rule.Field] = v
			}
		}
	}
	return out
}
