package httpapi

import (
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/fields"
	"github.com/eingang/eingang/internal/journal"
)

//go:embed templates/*.html
var templateFS embed.FS

// statusPageSize is the number of documents per page of the status page.
const statusPageSize = 50

// German names of the states and channels, as the scan station says them.
var (
	stateLabels = []option{
		{journal.StateReceived, "eingegangen"}, {journal.StateProcessing, "in Bearbeitung"},
		{journal.StateDelivered, "zugestellt"}, {journal.StateFailed, "Fehler"},
		{journal.StateDuplicate, "Duplikat"},
	}
	channelLabels = []option{
		{config.ChannelFolder, "Eingangsordner"}, {config.ChannelMail, "E-Mail"}, {config.ChannelUpload, "Hochladen"},
	}
)

type option struct{ Value, Label string }

func label(opts []option, v string) string {
	for _, o := range opts {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

// statusPages renders the status page for the scan station and the
// Kämmerei: which documents arrived, where they went, and why one failed.
type statusPages struct {
	docs     Documents
	profiles []string
	list     *template.Template
	doc      *template.Template
	loc      *time.Location
}

func newStatusPages(docs Documents, profiles []string) *statusPages {
	loc := time.Local
	funcs := template.FuncMap{
		"local":   func(t time.Time) string { return t.In(loc).Format("02.01.2006 15:04") },
		"state":   func(s string) string { return label(stateLabels, s) },
		"stateOf": stateOf,
		"channel": func(c string) string { return label(channelLabels, c) },
		"note":    note,
	}
	parse := func(name string) *template.Template {
		return template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/"+name))
	}
	return &statusPages{docs: docs, profiles: profiles, list: parse("list.html"), doc: parse("doc.html"), loc: loc}
}

// stateOf is the German state of a document; a delivered one that a
// person must look at (needs_review) is "zur Prüfung".
func stateOf(d journal.Document) string {
	if d.State == journal.StateDelivered && d.Fields[fields.NeedsReview] == "true" {
		return "zur Prüfung"
	}
	return label(stateLabels, d.State)
}

// note is the one line the list shows beside a document: the reason of a
// failure, the target of a delivery, the first document of a duplicate.
func note(d journal.Document) string {
	switch {
	case d.State == journal.StateFailed:
		return d.Error
	case d.State == journal.StateDuplicate:
		return "gleicher Inhalt wie ein früheres Dokument"
	case d.Fields[fields.NeedsReview] == "true":
		return d.Fields[fields.ReviewWhy]
	case d.Target != nil:
		return "an " + d.Target.Target + " (" + d.Target.Ref + ")"
	}
	return ""
}

func (sp *statusPages) listPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := journal.Filter{State: q.Get("state"), Profile: q.Get("profile"), Channel: q.Get("channel"), Search: q.Get("q"), Limit: statusPageSize + 1, ByArrival: true}
	if !validStates[f.State] {
		f.State = ""
	}
	// Without a day in the address the page shows today, what the scan
	// station asks first; an empty day (the form's field cleared) is all.
	day, dayGiven := q.Get("day"), q.Has("day")
	if !dayGiven {
		day = time.Now().In(sp.loc).Format(time.DateOnly)
	}
	if day != "" {
		if t, err := time.ParseInLocation(time.DateOnly, day, sp.loc); err == nil {
			f.Since, f.Until = t, t.AddDate(0, 0, 1)
		} else {
			day = ""
		}
	}
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	f.Offset = (page - 1) * statusPageSize
	docs, err := sp.docs.List(r.Context(), f)
	if err != nil {
		http.Error(w, "Das Journal ist nicht erreichbar. Bitte später erneut versuchen.", http.StatusServiceUnavailable)
		return
	}
	more := len(docs) > statusPageSize
	if more {
		docs = docs[:statusPageSize]
	}
	link := func(p int) string {
		v := url.Values{}
		for _, k := range []string{"state", "profile", "channel", "q"} {
			if s := q.Get(k); s != "" {
				v.Set(k, s)
			}
		}
		v.Set("day", day)
		if p > 1 {
			v.Set("page", strconv.Itoa(p))
		}
		return "/status/?" + v.Encode()
	}
	data := map[string]any{
		"Docs": docs, "Filter": f, "Day": day, "States": stateLabels, "Channels": channelLabels, "Profiles": sp.profiles,
		"From": f.Offset + 1, "To": f.Offset + len(docs),
	}
	if page > 1 {
		data["Prev"] = link(page - 1)
	}
	if more {
		data["Next"] = link(page + 1)
	}
	sp.render(w, sp.list, data)
}

type fieldRow struct{ Name, Value string }

func (sp *statusPages) docPage(w http.ResponseWriter, r *http.Request) {
	d, err := sp.docs.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, journal.ErrNotFound) {
		http.Error(w, "Dieses Dokument ist nicht bekannt.", http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, "Das Journal ist nicht erreichbar. Bitte später erneut versuchen.", http.StatusServiceUnavailable)
		return
	}
	var rows []fieldRow
	for k, v := range d.Fields {
		rows = append(rows, fieldRow{k, v})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	sp.render(w, sp.doc, map[string]any{"Doc": d, "Fields": rows})
}

func (sp *statusPages) render(w http.ResponseWriter, t *template.Template, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// The pages show who sent what: no caching by proxies or browsers.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	if err := t.Execute(w, data); err != nil {
		// Headers are out; the page is cut off, which the reader sees.
		return
	}
}
