package httpapi

import (
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/fields"
	"github.com/eingang/eingang/internal/journal"
)

//go:embed templates/*.html
var templateFS embed.FS

// csp allows the pages nothing but their own inline style and forms to
// themselves.
const csp = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"

// statusPageSize is the number of documents per page of the status page.
const statusPageSize = 50

// German names of the states and channels, as the scan station says them.
var (
	stateLabels = []option{
		{journal.StateReceived, "eingegangen"}, {journal.StateProcessing, "in Bearbeitung"},
		{journal.StateDelivered, "zugestellt"}, {journal.StateFailed, "Fehler"},
		{journal.StateDuplicate, "Duplikat"}, {journal.StateSplit, "aufgeteilt"},
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
	auth     *auth
	actions  Actions
	explain  func(error) (bool, string, bool)
	archives map[string]string
	list     *template.Template
	doc      *template.Template
	loc      *time.Location
}

func newStatusPages(o Options, a *auth) *statusPages {
	loc := time.Local
	funcs := template.FuncMap{
		"local":      func(t time.Time) string { return t.In(loc).Format("02.01.2006 15:04") },
		"state":      func(s string) string { return label(stateLabels, s) },
		"stateOf":    stateOf,
		"stateClass": stateClass,
		"channel":    func(c string) string { return label(channelLabels, c) },
		"note":       note,
		"webURL": func(u string) string {
			// file:// links of the archive do not open from a web page.
			if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
				return u
			}
			return ""
		},
		"localStr": func(s string) string {
			if t, err := time.Parse(time.RFC3339, s); err == nil {
				return t.In(loc).Format("02.01.2006 15:04")
			}
			return s
		},
	}
	parse := func(name string) *template.Template {
		return template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/"+name, "templates/style.html"))
	}
	return &statusPages{docs: o.Documents, profiles: o.Profiles, auth: a, actions: o.Actions, explain: o.Explain, archives: o.ArchiveDirs,
		list: parse("list.html"), doc: parse("doc.html"), loc: loc}
}

// stateOf is the German state of a document; a delivered one that a
// person must look at (needs_review) is "zur Prüfung".
func stateOf(d journal.Document) string {
	switch stateClass(d) {
	case "review":
		return "zur Prüfung"
	case "checked":
		return "geprüft"
	}
	return label(stateLabels, d.State)
}

// stateClass is the CSS class of a state; the state is always also
// written out, colour only repeats it.
func stateClass(d journal.Document) string {
	if d.State == journal.StateDelivered && d.Fields[fields.NeedsReview] == "true" {
		if d.Fields[fields.ReviewCheckedBy] != "" {
			return "checked"
		}
		return "review"
	}
	return d.State
}

// note is the one line the list shows beside a document: the reason of a
// failure, the target of a delivery, the first document of a duplicate.
func note(d journal.Document) string {
	switch {
	case d.State == journal.StateFailed:
		return d.Error
	case d.State == journal.StateDuplicate:
		return "gleicher Inhalt wie ein früheres Dokument"
	case d.State == journal.StateSplit:
		return "Stapel, aufgeteilt in " + strconv.Itoa(len(d.Parts)) + " Dokumente"
	case d.Fields[fields.NeedsReview] == "true" && d.Fields[fields.ReviewCheckedBy] != "":
		return "geprüft von " + d.Fields[fields.ReviewCheckedBy] + ": " + d.Fields[fields.ReviewWhy]
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

// notices are the confirmations after an action (?done=…): a fixed set,
// so that no link can put words on the page.
var notices = map[string]string{
	"retry":   "Das Dokument wird erneut verarbeitet. Der Status wird aktualisiert, sobald es fertig ist.",
	"checked": "Das Dokument ist als geprüft markiert.",
}

func (sp *statusPages) docPage(w http.ResponseWriter, r *http.Request) {
	d, ok := sp.document(w, r)
	if !ok {
		return
	}
	sp.renderDoc(w, r, d, http.StatusOK, notices[r.URL.Query().Get("done")], "")
}

// document loads the document of the request's path or answers the
// error itself.
func (sp *statusPages) document(w http.ResponseWriter, r *http.Request) (*journal.Document, bool) {
	d, err := sp.docs.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, journal.ErrNotFound) {
		http.Error(w, "Dieses Dokument ist nicht bekannt.", http.StatusNotFound)
		return nil, false
	}
	if err != nil {
		http.Error(w, "Das Journal ist nicht erreichbar. Bitte später erneut versuchen.", http.StatusServiceUnavailable)
		return nil, false
	}
	return d, true
}

func (sp *statusPages) renderDoc(w http.ResponseWriter, r *http.Request, d *journal.Document, status int, notice, problem string) {
	var rows []fieldRow
	for k, v := range d.Fields {
		rows = append(rows, fieldRow{k, v})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	p := who(r)
	data := map[string]any{"Doc": d, "Fields": rows, "Notice": notice, "Problem": problem,
		"CanAct":     sp.actions != nil && p.has(config.RoleClerk),
		"Retryable":  d.State == journal.StateFailed,
		"Reviewable": stateClass(*d) == "review",
		"CSRF":       sp.auth.csrfToken(p.name),
	}
	base := "/status/doc/" + url.PathEscape(d.ID)
	if _, ok := sp.deliveredFile(d, "pdf"); ok {
		data["PDF"] = base + "/pdf"
	}
	if _, ok := sp.deliveredFile(d, "report"); ok {
		data["Report"] = base + "/report"
	}
	if d.State == journal.StateDelivered && d.Target != nil && data["PDF"] == nil {
		data["DMSRef"] = d.Target
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", csp)
	w.WriteHeader(status)
	_ = sp.doc.Execute(w, data)
}

func (sp *statusPages) render(w http.ResponseWriter, t *template.Template, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// The pages show who sent what: no caching by proxies or browsers.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", csp)
	if err := t.Execute(w, data); err != nil {
		// Headers are out; the page is cut off, which the reader sees.
		return
	}
}
