// Package invoicedup recognises an invoice that arrives twice — an e-mailed
// PDF and its scanned paper copy, an e-invoice and its print — by a key of
// the normalised seller identity, the invoice number and the amount.
//
// The package is pure logic: the journal stores the keys and implements
// Lookup; Check asks it before the Rechnungsworkflow starts.
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

// ErrNoKey is returned by Check when the invoice carries neither a seller
// identity nor an invoice number, so duplicates cannot be looked for.
var ErrNoKey = errors.New("invoicedup: invoice has no seller or number")

// Key returns the duplicate key of an invoice: the seller identity (the VAT
// id when it has one, else the normalised name), the invoice number and,
// when known, the gross amount, e.g. "vat:DE123456789|no:RE2017506|amt:235.62".
// It is "" when the seller identity or the number is missing.
//
// Number and name normalisation ignore what OCR and different generators
// change: case, spaces, punctuation, umlaut spelling and legal forms.
func Key(sellerVAT, sellerName, number, amount string) string {
	base := BaseKey(sellerVAT, sellerName, number)
	if base == "" {
		return ""
	}
	if a, ok := normAmount(amount); ok {
		return base + "|amt:" + a
	}
	return base
}

// BaseKey is Key without the amount; the journal indexes this key so that
// the same number with a different amount is found as a suspect.
func BaseKey(sellerVAT, sellerName, number string) string {
	n := normNumber(number)
	if n == "" {
		return ""
	}
	if v := normVAT(sellerVAT); v != "" {
		return "vat:" + v + "|no:" + n
	}
	if s := normName(sellerName); s != "" {
		return "name:" + s + "|no:" + n
	}
	return ""
}

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

// Entry is an invoice the journal has seen.
type Entry struct {
	// ID identifies the journal entry (document id).
	ID string
	// Source says how it came in (file name, mailbox, e-invoice).
	Source string
	// Received is when the journal recorded it.
	Received time.Time
	// Amount is the gross amount as recorded ("" if unknown).
	Amount string
}

// Lookup finds earlier invoices by BaseKey. The journal implements it.
type Lookup interface {
	FindInvoices(ctx context.Context, baseKey string) ([]Entry, error)
}

// Verdict is the outcome of Check.
type Verdict struct {
	// Duplicate lists earlier invoices with the same seller, number and
	// amount (or where an amount is unknown on either side).
	Duplicate []Entry
	// Suspect lists earlier invoices with the same seller and number but
	// another amount: a correction or a misread; a person decides.
	Suspect []Entry
}

// Found reports whether the invoice must be held before payment.
func (v Verdict) Found() bool { return len(v.Duplicate) > 0 || len(v.Suspect) > 0 }

// Invoice is what Check needs to know about the new invoice.
type Invoice struct {
	ID, SellerVAT, SellerName, Number, Amount string
}

// Check looks up earlier invoices with the same seller and number. The new
// invoice itself (same ID) is ignored so that retries stay idempotent.
func Check(ctx context.Context, l Lookup, inv Invoice) (Verdict, error) {
	base := BaseKey(inv.SellerVAT, inv.SellerName, inv.Number)
	if base == "" {
		return Verdict{}, ErrNoKey
	}
	entries, err := l.FindInvoices(ctx, base)
	if err != nil {
		return Verdict{}, fmt.Errorf("invoicedup: lookup: %w", err)
	}
	amt, hasAmt := normAmount(inv.Amount)
	var v Verdict
	for _, e := range entries {
		if e.ID != "" && e.ID == inv.ID {
			continue
		}
		ea, ok := normAmount(e.Amount)
		if !hasAmt || !ok || ea == amt {
			v.Duplicate = append(v.Duplicate, e)
		} else {
			v.Suspect = append(v.Suspect, e)
		}
	}
	return v, nil
}
