package fabasoft

import (
	"strings"
	"text/template"
	"time"

	"github.com/eingang/eingang/internal/dms"
)

// templateData is what name and property templates see. It is a copy of
// the document's plain fields so templates cannot reach paths or text.
type templateData struct {
	ID         string
	SourceName string
	Profile    string
	Kind       string
	Route      string
	Pages      int
	Received   time.Time
	Metadata   map[string]string
	Channel    string
	Origin     dms.Origin
}

func newTemplateData(doc *dms.Document) templateData {
	md := doc.Metadata
	if md == nil {
		md = map[string]string{}
	}
	return templateData{
		ID: doc.ID, SourceName: doc.SourceName, Profile: doc.Profile, Kind: doc.Kind,
		Route: doc.Route, Pages: doc.Pages, Received: doc.Received, Metadata: md,
		Channel: doc.Channel, Origin: doc.Origin,
	}
}

var templateFuncs = template.FuncMap{
	// short is the first 12 hex digits of an id: unique enough within one
	// Vorgang, short enough for a document name.
	"short": func(s string) string {
		if len(s) > 12 {
			return s[:12]
		}
		return s
	},
	// default returns def when s is empty: {{default "unbekannt" (index .Metadata "x")}}.
	"default": func(def, s string) string {
		if strings.TrimSpace(s) == "" {
			return def
		}
		return s
	},
	"trim":  strings.TrimSpace,
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	// date formats a time as YYYY-MM-DD (the DATE form of the universal schema).
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.DateOnly)
	},
	"truncate": func(n int, s string) string {
		r := []rune(s)
		if len(r) > n {
			return string(r[:n])
		}
		return s
	},
}

func parseTemplate(name, text string) (*template.Template, error) {
	return template.New(name).Funcs(templateFuncs).Option("missingkey=zero").Parse(text)
}

func render(t *template.Template, doc *dms.Document) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, newTemplateData(doc)); err != nil {
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}
