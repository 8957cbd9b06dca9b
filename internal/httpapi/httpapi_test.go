package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/journal"
)

type docs struct{ list []journal.Document }

func (d docs) Get(ctx context.Context, id string) (*journal.Document, error) {
	for _, x := range d.list {
		if x.ID == id {
			return &x, nil
		}
	}
	return nil, journal.ErrNotFound
}

func (d docs) List(ctx context.Context, f journal.Filter) ([]journal.Document, error) {
	var out []journal.Document
	for _, x := range d.list {
		if f.State == "" || x.State == f.State {
			out = append(out, x)
		}
	}
	if len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

func newServer(t *testing.T, users []config.User, redisErr error) *httptest.Server {
	t.Helper()
	h := New(Options{
		Users: users,
		Documents: docs{list: []journal.Document{
			{ID: "a", SourceName: "a.pdf", State: journal.StateDelivered, Events: []journal.Event{{Step: "deliver", Outcome: "ok"}}},
			{ID: "b", SourceName: "b.pdf", State: journal.StateFailed, Error: "kaputt"},
		}},
		Checks: []Check{
			{Name: "journal", Func: func(context.Context) error { return nil }},
			{Name: "redis", Func: func(context.Context) error { return redisErr }},
		},
		Monitoring: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ui") }),
		Logger:     slog.New(slog.DiscardHandler),
	})
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

func get(t *testing.T, url, user, pass string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDocumentsAPI(t *testing.T) {
	s := newServer(t, nil, nil)
	tests := []struct {
		path   string
		status int
		want   string
	}{
		{"/api/v1/documents", 200, `"source_name": "a.pdf"`},
		{"/api/v1/documents?state=failed&limit=5", 200, `"error": "kaputt"`},
		{"/api/v1/documents?state=bogus", 400, "state must be"},
		{"/api/v1/documents?limit=0", 400, "limit"},
		{"/api/v1/documents/a", 200, `"events"`},
		{"/api/v1/documents/zzz", 404, "no such document"},
		{"/healthz", 200, "ok"},
		{"/readyz", 200, `"redis": "ok"`},
		{"/monitoring/", 200, "ui"},
	}
	for _, tc := range tests {
		code, body := get(t, s.URL+tc.path, "", "")
		if code != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s = %d %s; want %d containing %q", tc.path, code, body, tc.status, tc.want)
		}
	}
	_, body := get(t, s.URL+"/api/v1/documents?state=failed", "", "")
	var res struct{ Documents []journal.Document }
	if err := json.Unmarshal([]byte(body), &res); err != nil || len(res.Documents) != 1 || res.Documents[0].ID != "b" {
		t.Errorf("filter by state: %s", body)
	}
}

func TestReadyzReportsFailures(t *testing.T) {
	s := newServer(t, nil, errors.New("connection refused"))
	code, body := get(t, s.URL+"/readyz", "", "")
	if code != 503 || !strings.Contains(body, "connection refused") {
		t.Errorf("readyz = %d %s", code, body)
	}
}

func TestBasicAuth(t *testing.T) {
	hash, _ := bcrypt.GenerateFromPassword([]byte("geheim"), bcrypt.MinCost)
	s := newServer(t, []config.User{{Name: "leitstand", BcryptHash: string(hash)}}, nil)
	for _, tc := range []struct {
		path, user, pass string
		status           int
	}{
		{"/api/v1/documents", "", "", 401},
		{"/api/v1/documents", "leitstand", "falsch", 401},
		{"/api/v1/documents", "niemand", "geheim", 401},
		{"/api/v1/documents", "leitstand", "geheim", 200},
		{"/api/v1/documents", "leitstand", "geheim", 200}, // cached path
		{"/monitoring/", "", "", 401},
		{"/monitoring/", "leitstand", "geheim", 200},
		{"/healthz", "", "", 200},
	} {
		if code, _ := get(t, s.URL+tc.path, tc.user, tc.pass); code != tc.status {
			t.Errorf("GET %s as %q/%q = %d, want %d", tc.path, tc.user, tc.pass, code, tc.status)
		}
	}
}

// TestRoles: the API needs viewer, the queue UI operator; admin holds
// every role; a user without roles keeps viewer and operator (configs
// written before roles existed); a wrong role is 403, not 401.
func TestRoles(t *testing.T) {
	hash, _ := bcrypt.GenerateFromPassword([]byte("geheim"), bcrypt.MinCost)
	h := string(hash)
	s := newServer(t, []config.User{
		{Name: "alt", BcryptHash: h},
		{Name: "leser", BcryptHash: h, Roles: []string{"viewer"}},
		{Name: "betrieb", BcryptHash: h, Roles: []string{"operator"}},
		{Name: "poststelle", BcryptHash: h, Roles: []string{"clerk", "upload"}},
		{Name: "chef", BcryptHash: h, Roles: []string{"admin"}},
	}, nil)
	for _, tc := range []struct {
		user    string
		api, ui int
	}{
		{"alt", 200, 200},
		{"leser", 200, 403},
		{"betrieb", 403, 200},
		{"poststelle", 403, 403},
		{"chef", 200, 200},
	} {
		if code, _ := get(t, s.URL+"/api/v1/documents", tc.user, "geheim"); code != tc.api {
			t.Errorf("%s: API = %d, want %d", tc.user, code, tc.api)
		}
		if code, _ := get(t, s.URL+"/monitoring/", tc.user, "geheim"); code != tc.ui {
			t.Errorf("%s: queue UI = %d, want %d", tc.user, code, tc.ui)
		}
	}
	if code, _ := get(t, s.URL+"/monitoring/", "leser", "falsch"); code != 401 {
		t.Errorf("wrong password with a role: %d, want 401", code)
	}
}
