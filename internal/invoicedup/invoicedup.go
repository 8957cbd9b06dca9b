// Package invoicedup recognises an invoice that arrives twice — an e-mailed
// PDF and its scanned paper copy, an e-invoice and its print — before a
// second Rechnungsworkflow pays it again.
//
// An invoice is known by several keys: the invoice number together with
// each seller identity it carries (VAT id, IBAN, name) and the number
// together with the gross amount. The last one finds the scan whose seller
// OCR could not read for sure. Values read only with low confidence take
// part like exact ones: a duplicate that is only possible still goes to a
// person, which costs a look; a missed one costs a second payment.
//
// The package is pure logic: the journal records the keys and implements
// Claimer; Check asks it before the Rechnungsworkflow starts.
package invoicedup

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode"
)

// ErrNoKey is returned by Check when the invoice carries no invoice number
// or neither a seller identity nor an amount, so duplicates cannot be
// looked for.
var ErrNoKey = errors.New("invoicedup: invoice has no number with a seller or an amount")

func normVAT(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	v := b.String()
	if len(v) < 8 || !unicode.IsLetter(rune(v[0])) || !unicode.IsLetter(rune(v[1])) {
		return ""
	}
	return v
}

func normNumber(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ocrDigit folds the letters OCR confuses with digits; applied on both
// sides, an exact number still equals itself.
var ocrDigit = strings.NewReplacer("O", "0", "Q", "0", "D", "0", "I", "1", "L", "1", "S", "5", "B", "8", "Z", "2", "G", "6")

// lookupNumber is the invoice number as the lookup keys use it: OCR
// confusions folded, leading zeros (padding some generators add) dropped.
func lookupNumber(s string) string {
	n := strings.TrimLeft(ocrDigit.Replace(normNumber(s)), "0")
	if n == "" && normNumber(s) != "" {
		n = "0"
	}
	return n
}

func normIBAN(s string) string {
	v := normVAT(s) // same shape: two letters, then letters and digits
	if len(v) < 15 || len(v) > 34 {
		return ""
	}
	return v
}

var legalForms = map[string]bool{
	"gmbh": true, "mbh": true, "ag": true, "kg": true, "kgaa": true, "ohg": true, "gbr": true, "ug": true, "ev": true,
	"eg": true, "co": true, "und": true, "se": true, "sarl": true, "sas": true, "sa": true, "ltd": true, "limited": true,
	"inc": true, "llc": true, "plc": true, "bv": true, "nv": true, "haftungsbeschraenkt": true, "ag.": true,
}

var fold = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "é", "e", "è", "e", "à", "a", "ç", "c")

func normName(s string) string {
	s = fold.Replace(strings.ToLower(s))
	var words []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '&' && r != '.' }) {
		w = strings.ReplaceAll(w, ".", "")
		if w == "" || w == "&" || legalForms[w] {
			continue
		}
		words = append(words, w)
	}
	return strings.Join(words, "")
}

func normAmount(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return "", false
	}
	return r.FloatString(2), true
}

// Value is one field of an invoice and whether it is exact: from an
// e-invoice or read with a confidence the extractor trusts.
type Value struct {
	Text     string `json:"v,omitempty"`
	Verified bool   `json:"ok,omitempty"`
}

// Invoice is what the duplicate check knows about one invoice.
type Invoice struct {
	SellerVAT  Value `json:"vat,omitzero"`
	SellerName Value `json:"name,omitzero"`
	IBAN       Value `json:"iban,omitzero"`
	Number     Value `json:"no,omitzero"`
	Amount     Value `json:"amt,omitzero"`
}

// Keys returns the lookup keys of inv: its invoice number with each seller
// identity and with the amount, e.g. "vat:DE123456789|no:4711" and
// "no:4711|amt:235.62". It is empty without an invoice number.
func Keys(inv Invoice) []string {
	n := lookupNumber(inv.Number.Text)
	if n == "" {
		return nil
	}
	var keys []string
	if v := normVAT(inv.SellerVAT.Text); v != "" {
		keys = append(keys, "vat:"+v+"|no:"+n)
	}
	if v := normIBAN(inv.IBAN.Text); v != "" {
		keys = append(keys, "iban:"+v+"|no:"+n)
	}
	if v := normName(inv.SellerName.Text); v != "" {
		keys = append(keys, "name:"+v+"|no:"+n)
	}
	if a, ok := normAmount(inv.Amount.Text); ok {
		keys = append(keys, "no:"+n+"|amt:"+a)
	}
	return keys
}

// Entry is an invoice the journal has seen.
type Entry struct {
	// ID identifies the journal entry (document id).
	ID string
	// Source says how it came in (file name, mailbox, e-invoice).
	Source string
	// Received is when the journal recorded it.
	Received time.Time
	// Invoice is what was known about it when its keys were claimed.
	Invoice Invoice
}

// Claimer records the keys of an invoice and returns the invoices that
// claimed one of them earlier. It must be atomic: of two invoices sharing
// a key and claimed at the same time, exactly one sees the other. Claiming
// again under the same id must return the same earlier invoices and never
// the ones claimed after it, so that a retried step decides as before.
// The journal implements it.
type Claimer interface {
	ClaimInvoice(ctx context.Context, id string, keys []string, inv Invoice) ([]Entry, error)
}

// Verdict is the outcome of Check.
type Verdict struct {
	// Duplicate lists earlier invoices with the same number and amount and
	// no contradicting seller, or the same seller and number where an
	// amount is unknown.
	Duplicate []Entry
	// Suspect lists earlier invoices with the same seller and number but
	// another amount: a correction or a misread; a person decides.
	Suspect []Entry
}

// Found reports whether the invoice must be held before payment.
func (v Verdict) Found() bool { return len(v.Duplicate) > 0 || len(v.Suspect) > 0 }

// Check claims the keys of the invoice id and compares it with every
// earlier invoice sharing one of them.
func Check(ctx context.Context, c Claimer, id string, inv Invoice) (Verdict, error) {
	keys := Keys(inv)
	if len(keys) == 0 {
		return Verdict{}, ErrNoKey
	}
	entries, err := c.ClaimInvoice(ctx, id, keys, inv)
	if err != nil {
		return Verdict{}, fmt.Errorf("invoicedup: claim: %w", err)
	}
	var v Verdict
	for _, e := range entries {
		if e.ID == id {
			continue
		}
		switch compare(inv, e.Invoice) {
		case duplicate:
			v.Duplicate = append(v.Duplicate, e)
		case suspect:
			v.Suspect = append(v.Suspect, e)
		}
	}
	return v, nil
}

type match int

const (
	distinct match = iota
	duplicate
	suspect
)

// compare decides about two invoices with the same number.
func compare(a, b Invoice) match {
	if lookupNumber(a.Number.Text) != lookupNumber(b.Number.Text) {
		return distinct
	}
	same := equal(a.SellerVAT, b.SellerVAT, normVAT) || equal(a.IBAN, b.IBAN, normIBAN) || equal(a.SellerName, b.SellerName, normName)
	// Two exact, different VAT ids or IBANs are two suppliers who happen to
	// use the same number; a value read with doubt contradicts nothing.
	if !same && (conflict(a.SellerVAT, b.SellerVAT, normVAT) || conflict(a.IBAN, b.IBAN, normIBAN)) {
		return distinct
	}
	aa, aok := normAmount(a.Amount.Text)
	ba, bok := normAmount(b.Amount.Text)
	switch {
	case aok && bok && aa == ba:
		return duplicate
	case !same:
		return distinct
	case aok && bok:
		return suspect
	default:
		return duplicate
	}
}

func equal(a, b Value, norm func(string) string) bool {
	x, y := norm(a.Text), norm(b.Text)
	return x != "" && x == y
}

func conflict(a, b Value, norm func(string) string) bool {
	x, y := norm(a.Text), norm(b.Text)
	return a.Verified && b.Verified && x != "" && y != "" && x != y
}
