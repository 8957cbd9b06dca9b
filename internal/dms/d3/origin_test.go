package d3

import (
	"testing"

	"github.com/eingang/eingang/internal/dms"
)

func TestPropertyTemplatesSeeOrigin(t *testing.T) {
	doc := &dms.Document{ID: "abc", Channel: "mail", Origin: dms.Origin{Account: "rechnung", From: "r@l.example", Subject: "RE 4711"}}
	for text, want := range map[string]string{
		"{{.Origin.From}}":                      "r@l.example",
		"{{.Channel}} {{.Origin.Subject}}":      "mail RE 4711",
		"{{.Origin.Account}}{{.Origin.Folder}}": "rechnung",
	} {
		tpl, err := parseTemplate("p", text)
		if err != nil {
			t.Fatal(err)
		}
		got, err := execute(tpl, doc)
		if err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", text, got, err, want)
		}
	}
}
