// Package batch turns one scanned stack of mail into documents: it finds
// eingang's separator sheets, recognises blank pages (the empty backs of
// single-sided letters in a duplex scan) and plans which pages make up
// which part.
package batch

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"
)

// SeparatorCommand is the text every eingang separator sheet carries.
//
// The payload format is
//
//	EINGANG:SEP
//	EINGANG:SEP?profile=<profile>&meta.<key>=<value>&…
//
// the command, optionally followed by a URL query (RFC 3986 percent
// encoding): "profile" names the profile for the document after the sheet,
// "meta.<key>" gives it a metadata field. Other query keys are ignored, so
// a sheet printed by a newer eingang still separates in an older one.
const SeparatorCommand = "EINGANG:SEP"

// Limits of a payload, so it fits in a QR code of a few centimetres.
const (
	maxPayload = 300
	maxKey     = 40
)

// ErrNotSeparator means a text is not an eingang separator payload.
var ErrNotSeparator = errors.New("batch: kein Trennblatt-Code")

// SeparatorPayload is what a separator sheet says about the document
// that follows it.
type SeparatorPayload struct {
	// Profile, when set, is the profile for the next document.
	Profile string
	// Meta are metadata fields for the next document.
	Meta map[string]string
}

// String encodes p in the payload format; keys are sorted, so the same
// payload always gives the same code.
func (p SeparatorPayload) String() string {
	q := url.Values{}
	if p.Profile != "" {
		q.Set("profile", p.Profile)
	}
	for k, v := range p.Meta {
		q.Set("meta."+k, v)
	}
	if len(q) == 0 {
		return SeparatorCommand
	}
	return SeparatorCommand + "?" + q.Encode() // Encode sorts by key
}

// Validate checks p can be printed and read back.
func (p SeparatorPayload) Validate() error {
	if err := checkValue("profile", p.Profile); err != nil {
		return err
	}
	for k, v := range p.Meta {
		if k == "" || len(k) > maxKey || strings.ContainsAny(k, "=&?# ") || !utf8.ValidString(k) {
			return fmt.Errorf("batch: Metadatenname %q ungültig (1–%d Zeichen, ohne = & ? # und Leerzeichen)", k, maxKey)
		}
		if err := checkValue("meta."+k, v); err != nil {
			return err
		}
	}
	if n := len(p.String()); n > maxPayload {
		return fmt.Errorf("batch: Trennblatt-Inhalt zu lang (%d Zeichen, höchstens %d)", n, maxPayload)
	}
	return nil
}

func checkValue(key, v string) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("batch: %s ist kein gültiges UTF-8", key)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("batch: %s enthält Steuerzeichen", key)
		}
	}
	return nil
}

// Parse reads a barcode text in the payload format. Anything else — a
// parcel number, a URL, a payment code — gives [ErrNotSeparator].
func Parse(text string) (SeparatorPayload, error) {
	if len(text) > maxPayload {
		return SeparatorPayload{}, ErrNotSeparator
	}
	rest, ok := strings.CutPrefix(text, SeparatorCommand)
	if !ok {
		return SeparatorPayload{}, ErrNotSeparator
	}
	if rest == "" {
		return SeparatorPayload{}, nil
	}
	query, ok := strings.CutPrefix(rest, "?")
	if !ok {
		return SeparatorPayload{}, ErrNotSeparator // e.g. EINGANG:SEPARATE
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return SeparatorPayload{}, fmt.Errorf("%w: %v", ErrNotSeparator, err)
	}
	var p SeparatorPayload
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := q[k][0]
		switch {
		case k == "profile":
			p.Profile = v
		case strings.HasPrefix(k, "meta."):
			if p.Meta == nil {
				p.Meta = map[string]string{}
			}
			p.Meta[strings.TrimPrefix(k, "meta.")] = v
		}
	}
	if err := p.Validate(); err != nil {
		return SeparatorPayload{}, fmt.Errorf("%w: %v", ErrNotSeparator, err)
	}
	return p, nil
}
