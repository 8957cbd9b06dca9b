package httpapi

import (
	"context"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/eingang/eingang/internal/journal"
)

// Actions are what a clerk may do on a document's page (the pipeline's
// Intake). Both must be harmless when repeated: a double click sends the
// form twice.
type Actions interface {
	// Retry runs a failed document through the pipeline again, as if it
	// had been dropped into its hot folder once more.
	Retry(ctx context.Context, id, user string) error
	// MarkChecked records that user looked at a review item.
	MarkChecked(ctx context.Context, id, user string) error
}

// maxActionForm bounds the body of an action's form (one token).
const maxActionForm = 4 << 10

// action handles the POST of an action's form: the token must be the
// user's (cross-origin requests were refused before), then the action runs
// and the browser is sent back to the document's page (303), which says
// what happened. A refused action (nothing to retry any more, the file
// gone from the error folder) shows the page with the clerk's reason.
func (sp *statusPages) action(name string, do func(ctx context.Context, id, user string) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxActionForm)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "Die Anfrage ist ungültig.", http.StatusBadRequest)
			return
		}
		user := who(r).name
		if !sp.auth.validToken(user, r.PostForm.Get("csrf")) {
			http.Error(w, "Die Aktion wurde abgelehnt, weil das Formular nicht von dieser Seite stammt oder abgelaufen ist. Bitte die Seite neu laden und erneut versuchen.", http.StatusForbidden)
			return
		}
		if user == "" {
			user = "anonymous"
		}
		id := r.PathValue("id")
		err := do(r.Context(), id, user)
		if err == nil {
			http.Redirect(w, r, "/status/doc/"+url.PathEscape(id)+"?done="+name, http.StatusSeeOther)
			return
		}
		d, ok := sp.document(w, r)
		if !ok {
			return
		}
		problem := "Die Aktion konnte nicht ausgeführt werden. Bitte später erneut versuchen oder die IT informieren."
		if sp.explain != nil {
			if _, clerk, ok := sp.explain(err); ok && clerk != "" {
				problem = clerk
			}
		}
		sp.renderDoc(w, r, d, http.StatusConflict, "", problem)
	})
}

// forbiddenCrossOrigin answers a POST that a page of another origin sent
// (http.CrossOriginProtection).
func forbiddenCrossOrigin(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Die Aktion wurde abgelehnt, weil sie von einer anderen Seite ausgelöst wurde.", http.StatusForbidden)
}

// deliveredFile is where a delivered document's PDF or validation report
// lies, when its target is a local archive: the folder configured for the
// target joined with the reference eingang recorded at delivery, and only
// when the result stays inside that folder.
func (sp *statusPages) deliveredFile(d *journal.Document, kind string) (string, bool) {
	if d.State != journal.StateDelivered || d.Target == nil || d.Target.Ref == "" {
		return "", false
	}
	dir, ok := sp.archives[d.Target.Target]
	if !ok || dir == "" {
		return "", false
	}
	base := filepath.Join(dir, filepath.FromSlash(d.Target.Ref))
	if rel, err := filepath.Rel(dir, base); err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return "", false
	}
	var cands []string
	switch kind {
	case "pdf":
		cands = []string{base + ".pdf"}
	case "report":
		// The archive keeps the work products as <name>.<file>.
		cands = []string{base + ".validation-report.xml", base + ".validation.json"}
	}
	for _, c := range cands {
		if st, err := os.Stat(c); err == nil && st.Mode().IsRegular() {
			return c, true
		}
	}
	return "", false
}

func (sp *statusPages) servePDF(w http.ResponseWriter, r *http.Request) { sp.serveFile(w, r, "pdf") }

func (sp *statusPages) serveReport(w http.ResponseWriter, r *http.Request) {
	sp.serveFile(w, r, "report")
}

func (sp *statusPages) serveFile(w http.ResponseWriter, r *http.Request, kind string) {
	d, ok := sp.document(w, r)
	if !ok {
		return
	}
	path, ok := sp.deliveredFile(d, kind)
	if !ok {
		http.Error(w, "Für dieses Dokument liegt keine Datei im Archiv.", http.StatusNotFound)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		http.Error(w, "Die Datei ist im Archiv nicht lesbar.", http.StatusNotFound)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		http.Error(w, "Die Datei ist im Archiv nicht lesbar.", http.StatusNotFound)
		return
	}
	ct := "application/pdf"
	name := strings.TrimSuffix(d.SourceName, filepath.Ext(d.SourceName)) + ".pdf"
	switch filepath.Ext(path) {
	case ".xml":
		ct, name = "application/xml; charset=utf-8", "pruefbericht.xml"
	case ".json":
		ct, name = "application/json", "pruefbericht.json"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	if kind == "report" {
		// Supplier text ends up in the report; nothing in it may run.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	}
	w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": name}))
	http.ServeContent(w, r, "", st.ModTime(), f)
}
