package d3fake

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// These tests speak raw HTTP and check the fake against the request and
// answer shapes written down in d3-api.md, independent of the client.

type tc struct {
	t   *testing.T
	s   *Server
	srv *httptest.Server
}

func newTC(t *testing.T, o Options) *tc {
	t.Helper()
	s := New(o)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &tc{t: t, s: s, srv: srv}
}

func (c *tc) do(method, path string, hdr map[string]string, body []byte) (*http.Response, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.s.opts.APIKey)
	if method != http.MethodGet {
		req.Header.Set("Origin", c.srv.URL)
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (c *tc) repo() string { return "/dms/r/" + c.s.opts.Repo }

func (c *tc) upload(content string) string {
	c.t.Helper()
	resp, _ := c.do("POST", c.repo()+"/blob/chunk/", map[string]string{"Content-Type": "application/octet-stream"}, []byte(content))
	if resp.StatusCode != 201 {
		c.t.Fatalf("chunk: %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

func (c *tc) createBody(loc string, props string) []byte {
	return []byte(`{"filename":"a.pdf","sourceId":"` + c.repo() + `/source","sourceCategory":"DPOST",` +
		`"contentLocationUri":"` + loc + `","sourceProperties":{"properties":[` + props + `]}}`)
}

func TestLoginShapes(t *testing.T) {
	c := newTC(t, Options{Users: map[string]string{"anna": "pw"}})
	resp, b := c.do("GET", "/identityprovider/login", map[string]string{"Accept": "application/json"}, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("login: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var v struct{ AuthSessionId, Expire string }
	if err := json.Unmarshal(b, &v); err != nil || v.AuthSessionId == "" {
		t.Fatalf("login body %s", b)
	}
	if _, err := time.Parse(time.RFC3339Nano, v.Expire); err != nil {
		t.Errorf("Expire %q is not an ISO date", v.Expire)
	}
	// The session works as Bearer and, URL-encoded, as cookie.
	if resp, _ := c.do("GET", c.repo(), map[string]string{"Authorization": "Bearer " + v.AuthSessionId}, nil); resp.StatusCode != 200 {
		t.Errorf("session as Bearer: %d", resp.StatusCode)
	}
	if resp, _ := c.do("GET", c.repo(), map[string]string{"Authorization": "", "Cookie": "AuthSessionId=" + url.QueryEscape(v.AuthSessionId)}, nil); resp.StatusCode != 200 {
		t.Errorf("session as cookie: %d", resp.StatusCode)
	}
	if resp, _ := c.do("GET", c.repo(), map[string]string{"Authorization": "Bearer nope"}, nil); resp.StatusCode != 401 {
		t.Errorf("bad token: %d", resp.StatusCode)
	}
	// Basic login (mode C) hands the session out as cookie.
	resp, _ = c.do("GET", "/identityprovider/login/", map[string]string{"Authorization": "Basic YW5uYTpwdw=="}, nil)
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "AuthSessionId" {
			cookie = ck
		}
	}
	if resp.StatusCode != 200 || cookie == nil {
		t.Fatalf("basic login: %d cookie %v", resp.StatusCode, cookie)
	}
	if resp, _ := c.do("GET", "/identityprovider/validate", map[string]string{"Authorization": "", "Cookie": "AuthSessionId=" + cookie.Value}, nil); resp.StatusCode != 200 {
		t.Errorf("validate with cookie: %d", resp.StatusCode)
	}
}

func TestDiscoveryLinks(t *testing.T) {
	c := newTC(t, Options{})
	_, b := c.do("GET", c.repo(), nil, nil)
	var v struct {
		ID    string `json:"id"`
		Links map[string]struct {
			Href      string `json:"href"`
			Templated bool   `json:"templated"`
		} `json:"_links"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"source", "chunkedupload", "dmsobjectwithmapping", "searchresultwithmapping", "searchresult", "new"} {
		l, ok := v.Links[rel]
		if !ok {
			t.Errorf("missing link %s", rel)
		}
		if l.Templated != strings.Contains(l.Href, "{") {
			t.Errorf("link %s templated=%v for %s", rel, l.Templated, l.Href)
		}
	}
	for _, p := range []string{"/dms", "/dms/r", c.repo() + "/source"} {
		if resp, _ := c.do("GET", p, nil, nil); resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", p, resp.StatusCode)
		}
	}
	if resp, b := c.do("GET", "/dms/r/other-repo", nil, nil); resp.StatusCode != 404 || !strings.Contains(string(b), "LocalizedMessage") {
		t.Errorf("unknown repo: %d %s", resp.StatusCode, b)
	}
}

func TestUploadCreateReadSearch(t *testing.T) {
	c := newTC(t, Options{})
	loc := c.upload("%PDF-part1|")
	if !regexp.MustCompile(`^/dms/r/[^/]+/blob/chunk/[^/]+$`).MatchString(loc) {
		t.Fatalf("chunk Location %q", loc)
	}
	resp, _ := c.do("POST", loc, map[string]string{"Content-Type": "application/octet-stream"}, []byte("part2"))
	if resp.StatusCode != 204 || resp.Header.Get("Location") != "" {
		t.Errorf("follow-up chunk: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, b := c.do("POST", c.repo()+"/o2m", map[string]string{"Content-Type": "application/hal+json"},
		c.createBody(loc, `{"key":"200","values":["abc"]},{"key":"20","values":["Amt 1","Amt 2"]}`))
	want := regexp.MustCompile(`^/dms/r/` + c.s.opts.Repo + `/o2m/(D\d{9})\?sourceid=%2Fdms%2Fr%2F` + c.s.opts.Repo + `%2Fsource$`)
	m := want.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != 201 || m == nil {
		t.Fatalf("create: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), b)
	}
	id := m[1]
	if resp, _ := c.do("POST", c.repo()+"/o2m", nil, c.createBody(loc, `{"key":"200","values":["abc"]}`)); resp.StatusCode != 400 {
		t.Errorf("create consumed the blob; second use: %d", resp.StatusCode)
	}

	// Without sourceid only id and links (§6).
	_, b = c.do("GET", c.repo()+"/o2m/"+id, nil, nil)
	var bare map[string]any
	_ = json.Unmarshal(b, &bare)
	if _, has := bare["sourceProperties"]; has || bare["id"] != id {
		t.Errorf("o2m without sourceid: %s", b)
	}
	_, b = c.do("GET", c.repo()+"/o2m/"+id+"?sourceid="+url.QueryEscape(c.s.SourceID()), nil, nil)
	var full struct {
		SourceProperties []struct {
			Key    string            `json:"key"`
			Value  string            `json:"value"`
			Values map[string]string `json:"values"`
		} `json:"sourceProperties"`
		SourceCategories []string `json:"sourceCategories"`
	}
	if err := json.Unmarshal(b, &full); err != nil {
		t.Fatal(err)
	}
	var multi bool
	for _, p := range full.SourceProperties {
		if p.Key == "20" {
			multi = p.Value == "Amt 1" && p.Values["1"] == "Amt 1" && p.Values["2"] == "Amt 2"
		}
	}
	if !multi || len(full.SourceCategories) != 1 || full.SourceCategories[0] != "DPOST" {
		t.Errorf("mapped read: %s", b)
	}
	_, b = c.do("GET", c.repo()+"/o2/"+id+"/v/current/b/main/c", map[string]string{"Accept": "application/octet-stream"}, nil)
	if string(b) != "%PDF-part1|part2" {
		t.Errorf("content %q", b)
	}

	// srm with JSON-in-query parameters, encoded (§5.1).
	q := url.Values{"sourceid": {c.s.SourceID()}, "sourcecategories": {`["DPOST"]`}, "sourceproperties": {`{"200":["abc"]}`}}
	_, b = c.do("GET", c.repo()+"/srm?"+q.Encode(), nil, nil)
	var sr struct {
		Page  int `json:"page"`
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(b, &sr); err != nil || sr.Page != 1 || len(sr.Items) != 1 || sr.Items[0].ID != id {
		t.Errorf("srm: %s", b)
	}
	q.Set("sourceproperties", `{"200":["other"]}`)
	if _, b = c.do("GET", c.repo()+"/srm/?"+q.Encode(), nil, nil); !strings.Contains(string(b), `"items":[]`) {
		t.Errorf("srm miss: %s", b)
	}
}

func TestSearchPagingAndLag(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := NewClock(now)
	c := newTC(t, Options{SearchLag: 3 * time.Second, Now: clock.Now})
	for i := range 3 {
		resp, _ := c.do("POST", c.repo()+"/o2m", nil, c.createBody(c.upload("x"), `{"key":"200","values":["h`+string(rune('0'+i))+`"]}`))
		if resp.StatusCode != 201 {
			t.Fatal(resp.StatusCode)
		}
	}
	q := url.Values{"sourceid": {c.s.SourceID()}, "pagesize": {"2"}}
	if _, b := c.do("GET", c.repo()+"/srm?"+q.Encode(), nil, nil); !strings.Contains(string(b), `"items":[]`) {
		t.Errorf("documents visible before the search lag: %s", b)
	}
	clock.Advance(3 * time.Second)
	_, b := c.do("GET", c.repo()+"/srm?"+q.Encode(), nil, nil)
	var sr struct {
		Links map[string]struct{ Href string } `json:"_links"`
		Items []any                            `json:"items"`
	}
	_ = json.Unmarshal(b, &sr)
	if len(sr.Items) != 2 || sr.Links["next"].Href == "" {
		t.Fatalf("page 1: %s", b)
	}
	_, b = c.do("GET", sr.Links["next"].Href, nil, nil)
	sr.Links, sr.Items = nil, nil
	_ = json.Unmarshal(b, &sr)
	if len(sr.Items) != 1 || sr.Links["prev"].Href == "" || sr.Links["next"].Href != "" {
		t.Errorf("page 2: %s", b)
	}
}

func TestValidationErrors(t *testing.T) {
	c := newTC(t, Options{})
	tests := []struct {
		name, body, want string
	}{
		{"unknown key", `{"key":"999","values":["x"]},{"key":"200","values":["a"]}`, `Die Eigenschaft "999"`},
		{"values not array", `{"key":"200","values":"a"}`, "als Liste"},
		{"mandatory missing", `{"key":"20","values":["x"]}`, `Pflichteigenschaft "200"`},
		{"bad number", `{"key":"200","values":["a"]},{"key":"22","values":["1.234,5"]}`, "keine Zahl"},
	}
	for _, tt := range tests {
		resp, b := c.do("POST", c.repo()+"/o2m", nil, c.createBody(c.upload("x"), tt.body))
		var v struct{ Reason string }
		_ = json.Unmarshal(b, &v)
		if resp.StatusCode != 400 || !strings.Contains(v.Reason, tt.want) {
			t.Errorf("%s: %d %s", tt.name, resp.StatusCode, b)
		}
	}
	resp, b := c.do("POST", c.repo()+"/o2m", nil, []byte(`{"filename":"a.pdf","sourceId":"`+c.repo()+`/source","sourceCategory":"NOPE","contentLocationUri":"x"}`))
	if resp.StatusCode != 400 || !strings.Contains(string(b), "Kategorie") {
		t.Errorf("unknown category: %d %s", resp.StatusCode, b)
	}
	if resp, _ := c.do("POST", c.repo()+"/blob/chunk/", map[string]string{"Origin": "", "Content-Type": "application/octet-stream"}, []byte("x")); resp.StatusCode != 403 {
		t.Errorf("write without Origin: %d", resp.StatusCode)
	}
	if resp, _ := c.do("POST", c.repo()+"/blob/chunk/", map[string]string{"Content-Type": "application/json"}, []byte("x")); resp.StatusCode/100 != 4 {
		t.Errorf("chunk with JSON content type: %d", resp.StatusCode)
	}
}

func TestUpdateDeleteLock(t *testing.T) {
	c := newTC(t, Options{})
	resp, _ := c.do("POST", c.repo()+"/o2m", nil, c.createBody(c.upload("v1"), `{"key":"200","values":["a"]},{"key":"20","values":["x"]}`))
	id := idOf(resp.Header.Get("Location"))
	body := `{"sourceId":"` + c.repo() + `/source","sourceProperties":{"properties":[{"key":"201","values":["inst"]}]}}`
	if resp, _ := c.do("PUT", c.repo()+"/o2m/"+id, nil, []byte(body)); resp.StatusCode != 200 {
		t.Fatalf("PUT: %d", resp.StatusCode)
	}
	d, _ := c.s.Document(id)
	if d.Properties["201"][0] != "inst" || d.Properties["20"][0] != "x" || d.Properties["200"][0] != "a" {
		t.Errorf("PUT must merge only listed properties: %v", d.Properties)
	}
	c.s.Lock(id, true)
	if resp, _ := c.do("PUT", c.repo()+"/o2m/"+id, nil, []byte(body)); resp.StatusCode != 423 {
		t.Errorf("PUT locked: %d", resp.StatusCode)
	}
	c.s.Lock(id, false)
	resp, b := c.do("DELETE", c.repo()+"/o2/"+id, nil, nil)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "Sie müssen einen Grund für diesen Löschvorgang angeben. [0004002]") {
		t.Errorf("DELETE without reason: %d %s", resp.StatusCode, b)
	}
	if resp, _ := c.do("DELETE", c.repo()+"/o2/"+id, nil, []byte(`{"reason":"Test"}`)); resp.StatusCode/100 != 2 {
		t.Errorf("DELETE: %d", resp.StatusCode)
	}
	if resp, b := c.do("GET", c.repo()+"/o2m/"+id, nil, nil); resp.StatusCode != 404 || !strings.Contains(string(b), "reason") {
		t.Errorf("deleted doc: %d %s", resp.StatusCode, b)
	}
}

func idOf(loc string) string {
	loc, _, _ = strings.Cut(loc, "?")
	return loc[strings.LastIndex(loc, "/")+1:]
}

func TestProcessStart(t *testing.T) {
	c := newTC(t, Options{})
	resp, _ := c.do("POST", c.repo()+"/o2m", nil, c.createBody(c.upload("x"), `{"key":"200","values":["a"]}`))
	id := idOf(resp.Header.Get("Location"))
	dv := `"dv_attachment":"dmsObject:///dms/r/` + c.s.opts.Repo + `/o2/` + id + `"`
	tests := []struct {
		name, body string
		status     int
	}{
		{"ok", `{"variables":{` + dv + `,"amount":12.5,"invoiceNumber":"R1"}}`, 201},
		{"undeclared", `{"variables":{` + dv + `,"amount":1,"invoiceNumber":"R1","x":1}}`, 400},
		{"wrong type", `{"variables":{` + dv + `,"amount":"12","invoiceNumber":"R1"}}`, 400},
		{"missing required", `{"variables":{` + dv + `,"invoiceNumber":"R1"}}`, 400},
		{"unknown dms object", `{"variables":{"dv_attachment":"dmsObject:///dms/r/x/o2/D1","amount":1,"invoiceNumber":"R1"}}`, 400},
	}
	for _, tt := range tests {
		resp, b := c.do("POST", "/process/processes/rechnungsworkflow/instances", map[string]string{"Content-Type": "application/json"}, []byte(tt.body))
		if resp.StatusCode != tt.status {
			t.Errorf("%s: %d %s", tt.name, resp.StatusCode, b)
		}
		if tt.status == 201 && resp.Header.Get("Location") == "" {
			t.Errorf("%s: no Location", tt.name)
		}
	}
	if c.s.ProcessStarts() != 1 {
		t.Errorf("starts = %d", c.s.ProcessStarts())
	}
	if resp, _ := c.do("POST", "/process/processes/other/instances", nil, []byte(`{}`)); resp.StatusCode != 404 {
		t.Errorf("unknown process: %d", resp.StatusCode)
	}
}

func TestFaultsAndOutage(t *testing.T) {
	clock := NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	c := newTC(t, Options{Now: clock.Now})
	c.s.Inject(Fault{Op: OpSearch, Status: 429, RetryAfter: "5", Times: 2})
	for range 2 {
		if resp, _ := c.do("GET", c.repo()+"/srm?sourceid="+url.QueryEscape(c.s.SourceID()), nil, nil); resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "5" {
			t.Errorf("429 fault: %d", resp.StatusCode)
		}
	}
	if resp, _ := c.do("GET", c.repo()+"/srm?sourceid="+url.QueryEscape(c.s.SourceID()), nil, nil); resp.StatusCode != 200 {
		t.Errorf("after the fault: %d", resp.StatusCode)
	}
	c.s.StartOutage(2 * time.Minute)
	clock.Advance(30 * time.Second)
	if resp, _ := c.do("GET", c.repo(), nil, nil); resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "90" {
		t.Errorf("outage: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	clock.Advance(90 * time.Second)
	if resp, _ := c.do("GET", c.repo(), nil, nil); resp.StatusCode != 200 {
		t.Errorf("after outage: %d", resp.StatusCode)
	}
	// A lost answer: the document exists although the client saw nothing.
	c.s.Inject(Fault{Op: OpCreate, Kind: FaultLoseResponse})
	req, _ := http.NewRequest("POST", c.srv.URL+c.repo()+"/o2m", bytes.NewReader(c.createBody(c.upload("x"), `{"key":"200","values":["a"]}`)))
	req.Header.Set("Authorization", "Bearer "+c.s.opts.APIKey)
	req.Header.Set("Origin", c.srv.URL)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("lost response still arrived: %d", resp.StatusCode)
	}
	if c.s.Creates() != 1 {
		t.Errorf("creates = %d, want 1", c.s.Creates())
	}
}

func FuzzCreate(f *testing.F) {
	f.Add([]byte(`{"filename":"a.pdf","sourceId":"/dms/r/dee1f3d3-eb4d-4ac4-9b2c-4b9e3c1f0a11/source","sourceCategory":"DPOST","contentLocationUri":"x","sourceProperties":{"properties":[{"key":"200","values":["a"]}]}}`))
	f.Add([]byte(`{"sourceProperties":{"properties":[{"key":"22","values":[1]}]}}`))
	f.Add([]byte(`[]`))
	s := New(Options{AllowMissingOrigin: true})
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, target := range []string{"/dms/r/" + s.opts.Repo + "/o2m", "/dms/r/" + s.opts.Repo + "/o2m/D000000123", "/process/processes/rechnungsworkflow/instances"} {
			method := "POST"
			if strings.Contains(target, "D0") {
				method = "PUT"
			}
			req := httptest.NewRequest(method, target, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+s.opts.APIKey)
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			if w.Code >= 500 {
				t.Errorf("%s %s: %d", method, target, w.Code)
			}
		}
	})
}

func FuzzSearch(f *testing.F) {
	f.Add(`["DPOST"]`, `{"200":["a"]}`, "1", "25")
	f.Add(`x`, `{"200":"a"}`, "-1", "99999")
	s := New(Options{})
	f.Fuzz(func(t *testing.T, cats, props, page, size string) {
		q := url.Values{"sourceid": {s.SourceID()}, "sourcecategories": {cats}, "sourceproperties": {props}, "page": {page}, "pagesize": {size}}
		req := httptest.NewRequest("GET", "/dms/r/"+s.opts.Repo+"/srm?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+s.opts.APIKey)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != 200 && w.Code != 400 {
			t.Errorf("srm: %d", w.Code)
		}
	})
}
