package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/journal"
)

var errGone = errors.New("original gone")

// fakeActions records the actions; a document named gone fails.
type fakeActions struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeActions) do(name, id, user string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, name+" "+id+" "+user)
	switch id {
	case "gone":
		return errGone
	case "nope":
		return journal.ErrNotFound
	}
	return nil
}

func (f *fakeActions) Retry(_ context.Context, id, user string) error {
	return f.do("retry", id, user)
}

func (f *fakeActions) MarkChecked(_ context.Context, id, user string) error {
	return f.do("checked", id, user)
}

func (f *fakeActions) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func actionServer(t *testing.T, o Options) (*httptest.Server, *fakeActions) {
	t.Helper()
	hash, _ := bcrypt.GenerateFromPassword([]byte("geheim"), bcrypt.MinCost)
	h := string(hash)
	fa := &fakeActions{}
	if o.Users == nil {
		o.Users = []config.User{
			{Name: "leser", BcryptHash: h, Roles: []string{config.RoleViewer}},
			{Name: "poststelle", BcryptHash: h, Roles: []string{config.RoleViewer, config.RoleClerk}},
			{Name: "chef", BcryptHash: h, Roles: []string{config.RoleAdmin}},
		}
	}
	if o.Documents == nil {
		o.Documents = docs{list: []journal.Document{
			{ID: "f", SourceName: "f.pdf", State: journal.StateFailed, Error: "kaputt"},
			{ID: "gone", SourceName: "gone.pdf", State: journal.StateFailed, Error: "kaputt"},
			{ID: "r", SourceName: "r.pdf", State: journal.StateDelivered, Fields: map[string]string{"needs_review": "true", "review_reason": "Summe falsch"}},
			{ID: "c", SourceName: "c.pdf", State: journal.StateDelivered, Fields: map[string]string{"needs_review": "true", "review_reason": "Summe falsch", "review_checked_by": "poststelle", "review_checked_at": "2026-12-07T10:00:00Z"}},
		}}
	}
	o.Actions = fa
	o.Explain = func(err error) (bool, string, bool) {
		if errors.Is(err, errGone) {
			return true, "Die Originaldatei liegt nicht mehr im Fehlerordner.", true
		}
		return false, "", false
	}
	o.Logger = slog.New(slog.DiscardHandler)
	s := httptest.NewServer(New(o))
	t.Cleanup(s.Close)
	return s, fa
}

var tokenRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token reads the form token from a document's page.
func token(t *testing.T, s *httptest.Server, id, user string) string {
	t.Helper()
	_, body := get(t, s.URL+"/status/doc/"+id, user, "geheim")
	m := tokenRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form token on the page of %s for %s", id, user)
	}
	return m[1]
}

// post sends an action's form; header adds request headers.
func post(t *testing.T, url, user string, form url.Values, header map[string]string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, "geheim")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func TestActionButtonsByRole(t *testing.T) {
	s, _ := actionServer(t, Options{})
	for _, tc := range []struct {
		user, id string
		want     []string
		not      []string
	}{
		{"poststelle", "f", []string{"<button type=\"submit\">Erneut verarbeiten</button>", `name="csrf"`}, []string{"Als geprüft markieren"}},
		{"chef", "r", []string{"Als geprüft markieren", ">zur Prüfung<"}, []string{"Erneut verarbeiten"}},
		{"poststelle", "c", []string{">geprüft<", "Geprüft von", "poststelle am"}, []string{"Als geprüft markieren", "zur Prüfung"}},
		{"leser", "f", []string{"kaputt"}, []string{"Erneut verarbeiten", "<form", `name="csrf"`}},
		{"leser", "r", nil, []string{"Als geprüft markieren"}},
	} {
		code, body := get(t, s.URL+"/status/doc/"+tc.id, tc.user, "geheim")
		if code != 200 {
			t.Fatalf("%s on %s: %d", tc.user, tc.id, code)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s on %s: page lacks %q", tc.user, tc.id, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(body, n) {
				t.Errorf("%s on %s: page shows %q", tc.user, tc.id, n)
			}
		}
	}
}

// Actions need the clerk role, the user's own form token and a same-origin
// request; success answers 303 back to the page, which confirms in German.
func TestActionsAreProtected(t *testing.T) {
	s, fa := actionServer(t, Options{})
	tok := token(t, s, "f", "poststelle")
	other := token(t, s, "f", "chef")
	if tok == other {
		t.Fatal("two users share a form token")
	}
	retry := s.URL + "/status/doc/f/retry"
	for _, tc := range []struct {
		name, user string
		form       url.Values
		header     map[string]string
		want       int
	}{
		{"anonymous", "", url.Values{"csrf": {tok}}, nil, 401},
		{"viewer", "leser", url.Values{"csrf": {tok}}, nil, 403},
		{"no token", "poststelle", nil, nil, 403},
		{"wrong token", "poststelle", url.Values{"csrf": {"x" + tok}}, nil, 403},
		{"token of another user", "poststelle", url.Values{"csrf": {other}}, nil, 403},
		{"cross-site", "poststelle", url.Values{"csrf": {tok}}, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"foreign origin", "poststelle", url.Values{"csrf": {tok}}, map[string]string{"Origin": "https://evil.example"}, 403},
	} {
		if code, _, body := post(t, retry, tc.user, tc.form, tc.header); code != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, code, body, tc.want)
		}
	}
	if c := fa.Calls(); len(c) != 0 {
		t.Fatalf("refused requests ran actions: %v", c)
	}
	code, loc, _ := post(t, retry, "poststelle", url.Values{"csrf": {tok}}, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": s.URL})
	if code != http.StatusSeeOther || loc != "/status/doc/f?done=retry" {
		t.Fatalf("retry: %d → %q", code, loc)
	}
	if _, body := get(t, s.URL+loc, "poststelle", "geheim"); !strings.Contains(body, `role="status">Das Dokument wird erneut verarbeitet.`) {
		t.Error("no confirmation after the retry")
	}
	code, loc, _ = post(t, s.URL+"/status/doc/r/checked", "chef", url.Values{"csrf": {other}}, nil)
	if code != http.StatusSeeOther || loc != "/status/doc/r?done=checked" {
		t.Errorf("checked: %d → %q", code, loc)
	}
	want := []string{"retry f poststelle", "checked r chef"}
	if c := fa.Calls(); strings.Join(c, ",") != strings.Join(want, ",") {
		t.Errorf("calls %v, want %v", c, want)
	}
	// A refused action shows the clerk's reason on the page.
	code, _, body := post(t, s.URL+"/status/doc/gone/retry", "poststelle", url.Values{"csrf": {tok}}, nil)
	if code != http.StatusConflict || !strings.Contains(body, "nicht mehr im Fehlerordner") || !strings.Contains(body, "<h1>gone.pdf</h1>") {
		t.Errorf("refused action: %d %s", code, body)
	}
	// Only the fixed confirmations reach the page.
	if _, body := get(t, s.URL+"/status/doc/f?done=%3Cb%3Ehallo", "poststelle", "geheim"); strings.Contains(body, "hallo") {
		t.Error("?done puts text on the page")
	}
	if code, _, _ := post(t, s.URL+"/status/doc/nope/retry", "poststelle", url.Values{"csrf": {tok}}, nil); code != 404 {
		t.Errorf("unknown document: %d", code)
	}
}

// Without actions configured there are no buttons and no POST routes.
func TestNoActionsWithoutActions(t *testing.T) {
	s := httptest.NewServer(New(Options{Documents: docs{list: []journal.Document{{ID: "f", SourceName: "f.pdf", State: journal.StateFailed}}}, Logger: slog.New(slog.DiscardHandler)}))
	defer s.Close()
	if _, body := get(t, s.URL+"/status/doc/f", "", ""); strings.Contains(body, "Erneut verarbeiten") {
		t.Error("button without actions")
	}
	if code, _, _ := post(t, s.URL+"/status/doc/f/retry", "", nil, nil); code == http.StatusSeeOther {
		t.Error("POST accepted without actions")
	}
}

// The trusted header identifies the user only from a trusted proxy; from
// anywhere else it is ignored and basic authentication applies.
func TestTrustedHeader(t *testing.T) {
	hash, _ := bcrypt.GenerateFromPassword([]byte("geheim"), bcrypt.MinCost)
	users := []config.User{
		{Name: "leser", BcryptHash: string(hash), Roles: []string{config.RoleViewer}},
		{Name: "poststelle", BcryptHash: string(hash), Roles: []string{config.RoleViewer, config.RoleClerk}},
	}
	for _, tc := range []struct {
		name    string
		proxies []string
		header  string // X-Remote-User
		user    string // basic auth
		status  int
		clerk   bool // the page offers the retry
	}{
		{"from the proxy", []string{"127.0.0.1"}, "poststelle", "", 200, true},
		{"from the proxy's network", []string{"127.0.0.0/8"}, "leser", "", 200, false},
		{"IPv6 proxy list does not match", []string{"::1/128"}, "poststelle", "", 401, false},
		{"from elsewhere", []string{"10.0.0.5"}, "poststelle", "", 401, false},
		{"from elsewhere, basic auth counts", []string{"10.0.0.5"}, "poststelle", "leser", 200, false},
		{"unknown user from the proxy", []string{"127.0.0.1"}, "fremd", "", 403, false},
		{"empty header from the proxy", []string{"127.0.0.1"}, "", "leser", 200, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := actionServer(t, Options{Users: users, TrustedHeader: "X-Remote-User", TrustedProxies: tc.proxies})
			req, _ := http.NewRequest("GET", s.URL+"/status/doc/f", nil)
			if tc.header != "" {
				req.Header.Set("X-Remote-User", tc.header)
			}
			if tc.user != "" {
				req.SetBasicAuth(tc.user, "geheim")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("%d %s, want %d", resp.StatusCode, b, tc.status)
			}
			if tc.status == 403 && !strings.Contains(string(b), "nicht freigeschaltet") {
				t.Errorf("403 without the German reason: %s", b)
			}
			if got := strings.Contains(string(b), "Erneut verarbeiten"); got != tc.clerk {
				t.Errorf("retry offered: %v, want %v", got, tc.clerk)
			}
		})
	}
	// The action is journaled under the header's name.
	s, fa := actionServer(t, Options{Users: users, TrustedHeader: "X-Remote-User", TrustedProxies: []string{"127.0.0.1"}})
	req, _ := http.NewRequest("GET", s.URL+"/status/doc/f", nil)
	req.Header.Set("X-Remote-User", "poststelle")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := tokenRE.FindSubmatch(b)
	if m == nil {
		t.Fatal("no token")
	}
	if code, _, _ := post(t, s.URL+"/status/doc/f/retry", "", url.Values{"csrf": {string(m[1])}}, map[string]string{"X-Remote-User": "poststelle"}); code != http.StatusSeeOther {
		t.Fatalf("retry via the proxy: %d", code)
	}
	if c := fa.Calls(); len(c) != 1 || c[0] != "retry f poststelle" {
		t.Errorf("calls %v", c)
	}
}

// The searchable PDF and the report are served from the archive target's
// folder, only for paths eingang recorded there; a d.3 delivery shows its
// reference instead.
func TestDeliveredFiles(t *testing.T) {
	dir := t.TempDir()
	month := filepath.Join(dir, "2026", "12")
	os.MkdirAll(month, 0o755)
	base := filepath.Join(month, "2026-12-07_RE-1_abcdefabcdef")
	os.WriteFile(base+".pdf", []byte("%PDF-1.7 archived"), 0o644)
	os.WriteFile(base+".validation-report.xml", []byte("<report valid=\"false\"/>"), 0o644)
	os.WriteFile(filepath.Join(dir, "..", "secret.pdf"), []byte("%PDF secret"), 0o644)
	d := docs{list: []journal.Document{
		{ID: "a", SourceName: "RE-1.xml", State: journal.StateDelivered, Kind: "rechnung", Target: &dms.Receipt{Target: "archiv", Ref: "2026/12/2026-12-07_RE-1_abcdefabcdef"}},
		{ID: "n", SourceName: "Brief.pdf", State: journal.StateDelivered, Target: &dms.Receipt{Target: "archiv", Ref: "2026/12/fehlt"}},
		{ID: "x", SourceName: "x.pdf", State: journal.StateDelivered, Target: &dms.Receipt{Target: "archiv", Ref: "../secret"}},
		{ID: "d", SourceName: "d.pdf", State: journal.StateDelivered, Kind: "rechnung", Target: &dms.Receipt{Target: "d3", Ref: "D000000123"}},
		{ID: "f", SourceName: "f.pdf", State: journal.StateFailed},
	}}
	s, _ := actionServer(t, Options{Documents: d, ArchiveDirs: map[string]string{"archiv": dir}})
	fetch := func(path string) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", s.URL+path, nil)
		req.SetBasicAuth("leser", "geheim")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	for _, tc := range []struct {
		path, ctype, body string
		status            int
	}{
		{"/status/doc/a/pdf", "application/pdf", "%PDF-1.7 archived", 200},
		{"/status/doc/a/report", "application/xml; charset=utf-8", `<report valid="false"/>`, 200},
		{"/status/doc/n/pdf", "", "keine Datei", 404},
		{"/status/doc/n/report", "", "keine Datei", 404},
		{"/status/doc/x/pdf", "", "keine Datei", 404},
		{"/status/doc/d/pdf", "", "keine Datei", 404},
		{"/status/doc/f/pdf", "", "keine Datei", 404},
		{"/status/doc/zzz/pdf", "", "nicht bekannt", 404},
	} {
		code, ct, body := fetch(tc.path)
		if code != tc.status || (tc.ctype != "" && ct != tc.ctype) || !strings.Contains(body, tc.body) {
			t.Errorf("GET %s = %d %s %q", tc.path, code, ct, body)
		}
	}
	_, _, page := fetch("/status/doc/a")
	if !strings.Contains(page, `href="/status/doc/a/pdf"`) || !strings.Contains(page, `href="/status/doc/a/report"`) {
		t.Error("archived invoice: no links to PDF and report")
	}
	_, _, page = fetch("/status/doc/d")
	if strings.Contains(page, "/status/doc/d/pdf") || !strings.Contains(page, "im Zielsystem d3 unter der Kennung <code>D000000123</code>") {
		t.Error("d.3 delivery: no reference or a link")
	}
	if code, _ := get(t, s.URL+"/status/doc/a/pdf", "", ""); code != 401 {
		t.Errorf("PDF without login: %d", code)
	}
}

// Whatever reference the journal holds, a served file lies inside the
// archive target's folder.
func FuzzDeliveredFileStaysInside(f *testing.F) {
	for _, s := range []string{"2026/12/a", "../secret", "/etc/passwd", "2026/../../x", "a/./b", `..\x`, ""} {
		f.Add(s)
	}
	root := f.TempDir()
	dir := filepath.Join(root, "archiv")
	os.MkdirAll(filepath.Join(dir, "2026", "12"), 0o755)
	for _, p := range []string{filepath.Join(dir, "2026", "12", "a.pdf"), filepath.Join(root, "secret.pdf"), filepath.Join(root, "x.pdf")} {
		os.WriteFile(p, []byte("%PDF"), 0o644)
	}
	sp := &statusPages{archives: map[string]string{"archiv": dir}}
	f.Fuzz(func(t *testing.T, ref string) {
		d := &journal.Document{State: journal.StateDelivered, Target: &dms.Receipt{Target: "archiv", Ref: ref}}
		for _, kind := range []string{"pdf", "report"} {
			p, ok := sp.deliveredFile(d, kind)
			if !ok {
				continue
			}
			rel, err := filepath.Rel(dir, p)
			if err != nil || strings.HasPrefix(rel, "..") || filepath.IsAbs(rel) {
				t.Fatalf("ref %q serves %s outside %s", ref, p, dir)
			}
		}
	})
}
