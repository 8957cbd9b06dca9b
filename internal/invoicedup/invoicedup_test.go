package invoicedup

import (
	"context"
	"errors"
	"testing"
)

func TestKey(t *testing.T) {
	tests := []struct {
		name                     string
		vat, seller, num, amount string
		want                     string
	}{
		{"vat wins", "DE 123 456 789", "Lieferant GmbH", "RE-2017/506", "235.62", "vat:DE123456789|no:RE2017506|amt:235.62"},
		{"ocr spacing", "de123456789", "", "RE 2017 / 506", "235.6", "vat:DE123456789|no:RE2017506|amt:235.60"},
		{"name fallback", "", "Müller & Söhne GmbH & Co. KG", "4711", "", "name:muellersoehne|no:4711"},
		{"name variant", "", "MUELLER & SOEHNE", "4711", "", "name:muellersoehne|no:4711"},
		{"no number", "DE123456789", "x", "", "1", ""},
		{"no seller", "", "", "4711", "1", ""},
		{"bad amount ignored", "DE123456789", "", "1", "abc", "vat:DE123456789|no:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Key(tt.vat, tt.seller, tt.num, tt.amount); got != tt.want {
				t.Errorf("Key = %q, want %q", got, tt.want)
			}
		})
	}
}

type fakeJournal map[string][]Entry

func (f fakeJournal) FindInvoices(_ context.Context, k string) ([]Entry, error) { return f[k], nil }

type failJournal struct{}

func (failJournal) FindInvoices(context.Context, string) ([]Entry, error) {
	return nil, errors.New("down")
}

func TestCheck(t *testing.T) {
	base := BaseKey("DE123456789", "", "471102")
	j := fakeJournal{base: {
		{ID: "a", Amount: "235.62"},
		{ID: "b", Amount: "529.87"},
		{ID: "c"},
		{ID: "self", Amount: "235.62"},
	}}
	v, err := Check(context.Background(), j, Invoice{ID: "self", SellerVAT: "DE 123456789", Number: "471102", Amount: "235.620"})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Duplicate) != 2 || v.Duplicate[0].ID != "a" || v.Duplicate[1].ID != "c" {
		t.Errorf("Duplicate = %+v", v.Duplicate)
	}
	if len(v.Suspect) != 1 || v.Suspect[0].ID != "b" || !v.Found() {
		t.Errorf("Suspect = %+v", v.Suspect)
	}
	if _, err := Check(context.Background(), j, Invoice{Number: "1"}); !errors.Is(err, ErrNoKey) {
		t.Errorf("err = %v, want ErrNoKey", err)
	}
	if _, err := Check(context.Background(), failJournal{}, Invoice{SellerVAT: "DE123456789", Number: "1"}); err == nil {
		t.Error("lookup error swallowed")
	}
	v, _ = Check(context.Background(), j, Invoice{SellerVAT: "DE999999999", Number: "471102"})
	if v.Found() {
		t.Error("other seller matched")
	}
}

func FuzzKey(f *testing.F) {
	f.Add("DE123456789", "Lieferant GmbH", "RE-1", "1.00")
	f.Add("", "ä ß", "x", "")
	f.Fuzz(func(t *testing.T, vat, name, num, amt string) {
		k := Key(vat, name, num, amt)
		if k != "" && Key(vat, name, num, amt) != k {
			t.Fatal("not deterministic")
		}
	})
}
