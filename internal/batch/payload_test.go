package batch

import (
	"errors"
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		text    string
		want    SeparatorPayload
		wantErr bool
	}{
		{"EINGANG:SEP", SeparatorPayload{}, false},
		{"EINGANG:SEP?profile=stapel", SeparatorPayload{Profile: "stapel"}, false},
		{"EINGANG:SEP?meta.aktenzeichen=12-345%2F2026&profile=p", SeparatorPayload{Profile: "p", Meta: map[string]string{"aktenzeichen": "12-345/2026"}}, false},
		{"EINGANG:SEP?future=1", SeparatorPayload{}, false},
		{"EINGANG:SEPARATE", SeparatorPayload{}, true},
		{"eingang:sep", SeparatorPayload{}, true},
		{"https://example.org/?EINGANG:SEP", SeparatorPayload{}, true},
		{"PATCHT", SeparatorPayload{}, true},
		{"EINGANG:SEP?meta.x=%00", SeparatorPayload{}, true},
		{"EINGANG:SEP?%zz", SeparatorPayload{}, true},
		{"", SeparatorPayload{}, true},
	}
	for _, tc := range tests {
		got, err := Parse(tc.text)
		if (err != nil) != tc.wantErr {
			t.Errorf("Parse(%q) err = %v, want error %v", tc.text, err, tc.wantErr)
			continue
		}
		if err != nil && !errors.Is(err, ErrNotSeparator) {
			t.Errorf("Parse(%q) err = %v, not ErrNotSeparator", tc.text, err)
		}
		if err == nil && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q) = %+v, want %+v", tc.text, got, tc.want)
		}
	}
}

func TestPayloadString(t *testing.T) {
	p := SeparatorPayload{Profile: "stapel", Meta: map[string]string{"kassenzeichen": "4711 0815", "az": "1/2"}}
	const want = "EINGANG:SEP?meta.az=1%2F2&meta.kassenzeichen=4711+0815&profile=stapel"
	if got := p.String(); got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
	if back, err := Parse(want); err != nil || !reflect.DeepEqual(back, p) {
		t.Fatalf("Parse(String()) = %+v, %v", back, err)
	}
	if err := (SeparatorPayload{Meta: map[string]string{"a b": "x"}}).Validate(); err == nil {
		t.Error("key with a space accepted")
	}
}

// FuzzParse: any text either parses to a payload that encodes and parses
// back to itself, or is refused with ErrNotSeparator.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"EINGANG:SEP", "EINGANG:SEP?profile=a&meta.b=c", "EINGANG:SEP?meta.=x", "PATCHT", "EINGANG:SEP?a=%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrNotSeparator) {
				t.Fatalf("Parse(%q): %v is not ErrNotSeparator", s, err)
			}
			return
		}
		back, err := Parse(p.String())
		if err != nil || !reflect.DeepEqual(back, p) {
			t.Fatalf("Parse(%q) = %+v; round trip %+v, %v", s, p, back, err)
		}
	})
}
