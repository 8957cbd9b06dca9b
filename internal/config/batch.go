package config

import (
	"fmt"
	"regexp"
	"sort"

	"github.com/eingang/eingang/internal/batch"
)

// Batch is a profile's batch scanning: one file is a stack of documents
// to split (see the README, "Batch scanning").
type Batch struct {
	// Separators splits at eingang separator sheets (and SeparatorStrings).
	Separators bool `yaml:"separators"`
	// BlankPages is remove (drop blank pages, listed in the
	// Transfervermerk) or keep, the default.
	BlankPages string `yaml:"blank_pages"`
	// SplitEvery splits every N pages when a batch has no separator sheet;
	// 0 is off.
	SplitEvery int `yaml:"split_every"`
	// MaxPagesPerDocument sends a batch to review when a part would be
	// longer (a missed separator sheet); 0 is no limit.
	MaxPagesPerDocument int `yaml:"max_pages_per_document"`
	// SeparatorStrings are further barcode texts that mark a separator
	// page, e.g. PATCHT of paperless-ngx's patch sheets.
	SeparatorStrings []string `yaml:"separator_strings"`
	// KeepSeparatorPages keeps the sheets as the first page of their part.
	KeepSeparatorPages bool `yaml:"keep_separator_pages"`
	// BarcodeFields maps a metadata field to a regular expression on a
	// barcode's text; its first group (or the whole match) is the value.
	BarcodeFields map[string]string `yaml:"barcode_fields"`
}

// Options returns the splitter's options; call it on a validated Batch.
func (b *Batch) Options() (batch.Options, error) {
	o := batch.Options{
		Separators:          b.Separators,
		RemoveBlank:         b.BlankPages == "remove",
		SplitEvery:          b.SplitEvery,
		MaxPagesPerDocument: b.MaxPagesPerDocument,
		KeepSeparatorPages:  b.KeepSeparatorPages,
	}
	fields := make([]string, 0, len(b.BarcodeFields))
	for f := range b.BarcodeFields {
		fields = append(fields, f)
	}
	sort.Strings(fields) // the same configuration always applies rules in the same order
	for _, f := range fields {
		re, err := regexp.Compile(b.BarcodeFields[f])
		if err != nil {
			return batch.Options{}, fmt.Errorf("barcode_fields.%s: %w", f, err)
		}
		o.BarcodeFields = append(o.BarcodeFields, batch.FieldRule{Field: f, Pattern: re})
	}
	return o, nil
}

// validateBatch checks a profile's batch settings; key is "profiles[i].batch".
func validateBatch(key string, b *Batch, add func(key, format string, args ...any)) {
	switch b.BlankPages {
	case "", "remove", "keep":
	default:
		add(key+".blank_pages", "must be remove or keep, got %q", b.BlankPages)
	}
	if b.SplitEvery < 0 {
		add(key+".split_every", "must be 0 (off) or more, got %d", b.SplitEvery)
	}
	if b.MaxPagesPerDocument < 0 {
		add(key+".max_pages_per_document", "must be 0 (no limit) or more, got %d", b.MaxPagesPerDocument)
	}
	if b.SplitEvery > 0 && b.MaxPagesPerDocument > 0 && b.SplitEvery > b.MaxPagesPerDocument {
		add(key+".split_every", "is %d, more than max_pages_per_document (%d): every batch without sheets would go to review",
			b.SplitEvery, b.MaxPagesPerDocument)
	}
	for i, s := range b.SeparatorStrings {
		if s == "" {
			add(fmt.Sprintf("%s.separator_strings[%d]", key, i), "must not be empty")
		}
	}
	if len(b.SeparatorStrings) > 0 && !b.Separators {
		add(key+".separator_strings", "has no effect without separators: true")
	}
	for f, expr := range b.BarcodeFields {
		k := key + ".barcode_fields." + f
		if f == "" {
			add(key+".barcode_fields", "has an empty field name")
			continue
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			add(k, "is not a regular expression: %v", err)
			continue
		}
		if re.NumSubexp() > 1 {
			add(k, "has %d groups; the value is the first, so use (?:…) for the others", re.NumSubexp())
		}
	}
}
