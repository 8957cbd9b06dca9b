package classify

import (
	"context"
	"strings"
	"testing"
)

// Profiles and the journal write kinds in lower case, the routing tables
// as the word is written: both must reach the same route.
func TestKindRoutesIgnoreCase(t *testing.T) {
	tests := []struct {
		name        string
		routes      map[string]string
		profileKind string
		text        string
		wantRoute   string
	}{
		{"profile kind lower, table capitalised", map[string]string{"Rechnung": "kaemmerei"}, "rechnung", "Sehr geehrte Damen und Herren", "kaemmerei"},
		{"profile kind capitalised, table lower", map[string]string{"rechnung": "kaemmerei"}, "Rechnung", "Sehr geehrte Damen und Herren", "kaemmerei"},
		{"keywords, table upper", map[string]string{"RECHNUNG": "kaemmerei"}, "", invoiceText, "kaemmerei"},
		{"sonstiges lower", map[string]string{"sonstiges": "post"}, "", "Sehr geehrte Damen und Herren, anbei die Unterlagen.", "post"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testConfig()
			c.Rules = nil
			c.KindRoutes = tt.routes
			cl, err := New(c, nil)
			if err != nil {
				t.Fatal(err)
			}
			res := cl.Classify(context.Background(), Input{Text: tt.text, Profile: "p", ProfileKind: tt.profileKind})
			if res.Route != tt.wantRoute || res.Review {
				t.Errorf("Classify = %+v, want route %q without review", res, tt.wantRoute)
			}
			if res.Kind != CanonicalKind(res.Kind) {
				t.Errorf("kind %q is not in its canonical spelling", res.Kind)
			}
		})
	}
}

func TestKindRoutesValidated(t *testing.T) {
	tests := []struct {
		name   string
		routes map[string]string
		rules  []Rule
		model  string
		want   string // "" = valid
	}{
		{"built-in any case", map[string]string{"rechnung": "kaemmerei", "Mahnung": "kaemmerei"}, nil, "", ""},
		{"typo", map[string]string{"Rechnnug": "kaemmerei"}, nil, "", "kind_routes.Rechnnug: unknown kind"},
		{"same kind twice", map[string]string{"rechnung": "kaemmerei", "Rechnung": "post"}, nil, "", "kind_routes.rechnung: the same kind as kind_routes.Rechnung"},
		{"kind from a rule", map[string]string{"bauantrag": "bauamt"}, []Rule{{Name: "r", Match: "Bauantrag", Kind: "Bauantrag"}}, "", ""},
		{"a model may bring kinds", map[string]string{"Vollmacht": "post"}, nil, "model.json", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testConfig()
			c.KindRoutes = tt.routes
			c.Rules = tt.rules
			c.ModelPath = tt.model
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate: %v, want valid", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate: %v, want %q", err, tt.want)
			}
		})
	}
}

func TestCanonicalKind(t *testing.T) {
	for in, want := range map[string]string{"rechnung": KindRechnung, " GUTSCHRIFT ": KindGutschrift, "Sonstiges": KindSonstiges, "Bauantrag": "Bauantrag"} {
		if got := CanonicalKind(in); got != want {
			t.Errorf("CanonicalKind(%q) = %q, want %q", in, got, want)
		}
	}
}
