package invoicedup

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func ok(s string) Value    { return Value{Text: s, Verified: true} }
func maybe(s string) Value { return Value{Text: s} }

func TestKeys(t *testing.T) {
	tests := []struct {
		name string
		inv  Invoice
		want []string
	}{
		{"every identity", Invoice{SellerVAT: ok("DE 123 456 789"), IBAN: ok("DE02 1203 0000 0000 2020 51"), SellerName: ok("Lieferant GmbH"), Number: ok("RE-2017/506"), Amount: ok("235.62")},
			[]string{"vat:DE123456789|no:RE2017506", "iban:DE02120300000000202051|no:RE2017506", "name:lieferant|no:RE2017506", "no:RE2017506|amt:235.62"}},
		{"ocr confusions and padding", Invoice{Number: maybe("0O47II02"), Amount: maybe("1.5")},
			[]string{"no:471102|amt:1.50"}},
		{"name variants", Invoice{SellerName: maybe("MUELLER & SOEHNE"), Number: ok("4711")},
			[]string{"name:muellersoehne|no:4711"}},
		{"no number", Invoice{SellerVAT: ok("DE123456789"), Amount: ok("1")}, nil},
		{"number alone", Invoice{Number: ok("4711")}, nil},
		{"bad amount and vat ignored", Invoice{SellerVAT: ok("12"), Number: ok("1"), Amount: ok("abc")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Keys(tt.inv); !slices.Equal(got, tt.want) {
				t.Errorf("Keys = %q, want %q", got, tt.want)
			}
		})
	}
	// The same invoice written differently has the same keys.
	a := Keys(Invoice{SellerName: ok("Müller & Söhne GmbH & Co. KG"), Number: ok("RE 4711"), Amount: ok("10.0")})
	b := Keys(Invoice{SellerName: maybe("MUELLER & SOEHNE"), Number: maybe("RE-47II"), Amount: maybe("10.00")})
	if !slices.Equal(a, b) {
		t.Errorf("variants differ: %q vs %q", a, b)
	}
}

func TestCompare(t *testing.T) {
	scan := Invoice{SellerName: maybe("Lieferant GmbH"), Number: maybe("471102"), Amount: maybe("235.62")}
	tests := []struct {
		name    string
		a, b    Invoice
		want    match
		comment string
	}{
		{"scan against its e-invoice: seller unverified", scan,
			Invoice{SellerVAT: ok("DE123456789"), SellerName: ok("Lieferant GmbH"), Number: ok("471102"), Amount: ok("235.62")}, duplicate, ""},
		{"seller unreadable, number and amount agree", Invoice{Number: maybe("471102"), Amount: maybe("235.62")},
			Invoice{SellerVAT: ok("DE123456789"), Number: ok("471102"), Amount: ok("235.62")}, duplicate, ""},
		{"same seller other amount", Invoice{SellerVAT: ok("DE123456789"), Number: ok("1"), Amount: ok("2.00")},
			Invoice{SellerVAT: ok("DE123456789"), Number: ok("1"), Amount: ok("3.00")}, suspect, ""},
		{"same seller amount unknown", Invoice{SellerVAT: ok("DE123456789"), Number: ok("1")},
			Invoice{SellerVAT: ok("DE123456789"), Number: ok("1"), Amount: ok("3.00")}, duplicate, ""},
		{"two exact VAT ids: two suppliers", Invoice{SellerVAT: ok("DE111111111"), Number: ok("1"), Amount: ok("2.00")},
			Invoice{SellerVAT: ok("DE222222222"), Number: ok("1"), Amount: ok("2.00")}, distinct, ""},
		{"a misread VAT id contradicts nothing", Invoice{SellerVAT: maybe("DE111111117"), Number: maybe("1"), Amount: maybe("2.00")},
			Invoice{SellerVAT: ok("DE111111111"), Number: ok("1"), Amount: ok("2.00")}, duplicate, ""},
		{"other seller other amount", Invoice{SellerName: ok("A"), Number: ok("1"), Amount: ok("2.00")},
			Invoice{SellerName: ok("B"), Number: ok("1"), Amount: ok("3.00")}, distinct, ""},
		{"other number", Invoice{SellerVAT: ok("DE123456789"), Number: ok("1"), Amount: ok("2.00")},
			Invoice{SellerVAT: ok("DE123456789"), Number: ok("2"), Amount: ok("2.00")}, distinct, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := compare(tt.a, tt.b); got != tt.want {
				t.Errorf("compare = %d, want %d", got, tt.want)
			}
			if got := compare(tt.b, tt.a); got != tt.want {
				t.Errorf("compare reversed = %d, want %d", got, tt.want)
			}
		})
	}
}

// memClaimer is a Claimer in memory with the ordering the journal gives.
type memClaimer struct {
	order []string
	keys  map[string][]string
	facts map[string]Invoice
}

func (m *memClaimer) ClaimInvoice(_ context.Context, id string, keys []string, inv Invoice) ([]Entry, error) {
	if m.keys == nil {
		m.keys, m.facts = map[string][]string{}, map[string]Invoice{}
	}
	if !slices.Contains(m.order, id) {
		m.order = append(m.order, id)
	}
	m.keys[id], m.facts[id] = keys, inv
	var out []Entry
	for _, other := range m.order {
		if other == id {
			break
		}
		for _, k := range keys {
			if slices.Contains(m.keys[other], k) {
				out = append(out, Entry{ID: other, Invoice: m.facts[other]})
				break
			}
		}
	}
	return out, nil
}

type failClaimer struct{}

func (failClaimer) ClaimInvoice(context.Context, string, []string, Invoice) ([]Entry, error) {
	return nil, errors.New("down")
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	c := &memClaimer{}
	einv := Invoice{SellerVAT: ok("DE123456789"), Number: ok("471102"), Amount: ok("235.62")}
	if v, err := Check(ctx, c, "einvoice", einv); err != nil || v.Found() {
		t.Fatalf("first: %+v, %v", v, err)
	}
	scan := Invoice{SellerName: maybe("Lieferant"), Number: maybe("471IO2"), Amount: maybe("235.62")}
	v, err := Check(ctx, c, "scan", scan)
	if err != nil || len(v.Duplicate) != 1 || v.Duplicate[0].ID != "einvoice" {
		t.Fatalf("scan: %+v, %v", v, err)
	}
	// A retried step of the first invoice decides as before.
	if v, err := Check(ctx, c, "einvoice", einv); err != nil || v.Found() {
		t.Fatalf("retry of the first: %+v, %v", v, err)
	}
	corr := Invoice{SellerVAT: ok("DE123456789"), Number: ok("471102"), Amount: ok("200.00")}
	if v, _ := Check(ctx, c, "correction", corr); len(v.Suspect) != 1 || len(v.Duplicate) != 0 {
		t.Errorf("correction: %+v", v)
	}
	if _, err := Check(ctx, c, "x", Invoice{Number: ok("1")}); !errors.Is(err, ErrNoKey) {
		t.Errorf("err = %v, want ErrNoKey", err)
	}
	if _, err := Check(ctx, failClaimer{}, "x", einv); err == nil {
		t.Error("claim error swallowed")
	}
}

func FuzzKeys(f *testing.F) {
	f.Add("DE123456789", "Lieferant GmbH", "DE02120300000000202051", "RE-1", "1.00")
	f.Add("", "ä ß", "", "x", "")
	f.Fuzz(func(t *testing.T, vat, name, iban, num, amt string) {
		inv := Invoice{SellerVAT: ok(vat), SellerName: ok(name), IBAN: ok(iban), Number: ok(num), Amount: ok(amt)}
		k := Keys(inv)
		if !slices.Equal(k, Keys(inv)) {
			t.Fatal("not deterministic")
		}
		if len(k) > 0 && compare(inv, inv) != duplicate {
			t.Fatal("an invoice is not a duplicate of itself")
		}
	})
}
