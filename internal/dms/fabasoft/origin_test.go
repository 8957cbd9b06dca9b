package fabasoft

import (
	"testing"

	"github.com/eingang/eingang/internal/dms"
)

func TestTemplatesSeeOrigin(t *testing.T) {
	doc := &dms.Document{ID: "abc", Channel: "mail", Origin: dms.OriginFrom(map[string]string{
		"account": "rechnung", "from": "Lieferant <r@l.example>", "subject": "RE 4711", "message_id": "<1@l>"})}
	tests := map[string]string{
		"{{.Channel}}: {{.Origin.From}}":                        "mail: Lieferant <r@l.example>",
		"{{.Origin.Account}}/{{.Origin.Subject}}":               "rechnung/RE 4711",
		`{{default "ohne Ordner" .Origin.Folder}}`:              "ohne Ordner",
		"{{.Origin.MessageID}}{{.Origin.User}}{{.Origin.Date}}": "<1@l>",
	}
	for text, want := range tests {
		tpl, err := parseTemplate("t", text)
		if err != nil {
			t.Fatal(err)
		}
		got, err := render(tpl, doc)
		if err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", text, got, err, want)
		}
	}
}
