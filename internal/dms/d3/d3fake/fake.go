// Package d3fake is an in-memory stand-in for the d.velop DMS App API,
// the identity provider and the process app, as described in
// /work/shared/docs/d3-api.md (§13 "fake-server contract", §14 faults).
// It keeps documents (content and properties) so tests can read them back,
// counts creates and process starts, and injects faults per request.
//
// Everything tagged [I] or [U] in d3-api.md is a guess here too; ../README.md
// lists which behaviour was checked against documentation only.
package d3fake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Op names an API operation for fault injection and request counting.
type Op string

// Operations of the fake.
const (
	OpAny      Op = "*"
	OpLogin    Op = "login"
	OpValidate Op = "validate"
	OpDiscover Op = "discover" // /dms, /dms/r, /dms/r/{repo}, source
	OpChunk    Op = "chunk"    // first chunk and follow-ups
	OpCreate   Op = "create"   // POST o2m
	OpRead     Op = "read"     // GET o2m
	OpUpdate   Op = "update"   // PUT o2m
	OpSearch   Op = "search"   // srm
	OpContent  Op = "content"  // GET …/b/main/c
	OpDelete   Op = "delete"
	OpProcess  Op = "process" // process start
)

// CategoryDef is one source category.
type CategoryDef struct {
	DisplayName string
	// Mandatory lists property keys that a create must carry.
	Mandatory []string
}

// PropertyDef is one source property. Type is String, Number, Money or
// Date (§13.2).
type PropertyDef struct {
	DisplayName string
	Type        string
}

// VarDecl is a process variable declared in the BPMN (§9.1). Type is
// String, Number, DmsObject, Identity, [String] or [Identity].
type VarDecl struct {
	Type     string
	Required bool
}

// ProcessDef configures the process-start endpoint; it mirrors the
// client's configurable request (§9.2 is inferred).
type ProcessDef struct {
	Key string
	// Method and Pattern form the http.ServeMux pattern; Pattern must
	// contain the wildcard {key}.
	Method  string
	Pattern string
	// SuccessStatus is answered on success.
	SuccessStatus int
	// VariablesField is the JSON field holding the variables.
	VariablesField string
	// Variables are the declared variables; dv_attachment is a system
	// variable and always allowed.
	Variables map[string]VarDecl
}

// Options configure a Server. Zero fields take the values of
// DefaultOptions.
type Options struct {
	// APIKey is accepted as Bearer token and exchanged at login.
	APIKey string
	// Users are user → password pairs for Basic login (§1.2 mode C).
	Users map[string]string
	// Repo is the repository id.
	Repo     string
	RepoName string
	// Categories and Properties form the default source.
	Categories map[string]CategoryDef
	Properties map[string]PropertyDef
	// AllowMissingOrigin turns the Origin check on writes off (§1.3, F6).
	AllowMissingOrigin bool
	// SessionTTL is the lifetime of a session from login.
	SessionTTL time.Duration
	// SearchLag delays when a new document becomes findable (F5).
	SearchLag time.Duration
	// MaxBlob bounds an uploaded blob.
	MaxBlob int64
	Process ProcessDef
	// Now is the clock (outages, session expiry, search lag).
	Now func() time.Time
}

// DefaultOptions is a small municipal setup: an invoice category DRECH
// and a mail category DPOST with on-prem style numeric property keys, and
// a Rechnungsworkflow with the variables of the client's default body.
func DefaultOptions() Options {
	return Options{
		APIKey:   "fake-api-key",
		Repo:     "dee1f3d3-eb4d-4ac4-9b2c-4b9e3c1f0a11",
		RepoName: "Stadtverwaltung (Fake)",
		Categories: map[string]CategoryDef{
			"DRECH": {DisplayName: "Eingangsrechnung", Mandatory: []string{"12", "200"}},
			"DPOST": {DisplayName: "Posteingang", Mandatory: []string{"200"}},
		},
		Properties: map[string]PropertyDef{
			"10":  {DisplayName: "Kreditor", Type: "String"},
			"12":  {DisplayName: "Rechnungsnummer", Type: "String"},
			"13":  {DisplayName: "Bruttobetrag", Type: "Money"},
			"14":  {DisplayName: "Fälligkeitsdatum", Type: "Date"},
			"15":  {DisplayName: "Leitweg-ID", Type: "String"},
			"20":  {DisplayName: "Organisationseinheit", Type: "String"},
			"21":  {DisplayName: "Eingangsprofil", Type: "String"},
			"22":  {DisplayName: "Seitenzahl", Type: "Number"},
			"200": {DisplayName: "Import-ID (SHA-256)", Type: "String"},
			"201": {DisplayName: "Prozessinstanz", Type: "String"},
		},
		SessionTTL: time.Hour,
		MaxBlob:    512 << 20,
		Process: ProcessDef{
			Key:            "rechnungsworkflow",
			Method:         http.MethodPost,
			Pattern:        "/process/processes/{key}/instances",
			SuccessStatus:  http.StatusCreated,
			VariablesField: "variables",
			Variables: map[string]VarDecl{
				"amount":        {Type: "Number", Required: true},
				"creditor":      {Type: "String"},
				"invoiceNumber": {Type: "String", Required: true},
				"dueDate":       {Type: "String"},
				"leitwegId":     {Type: "String"},
				"office":        {Type: "String"},
			},
		},
		Now: time.Now,
	}
}

// Document is a stored DMS object.
type Document struct {
	ID         string
	Category   string
	Filename   string
	ParentID   string
	Content    []byte
	Properties map[string][]string
	Version    int
	Created    time.Time
	Locked     bool
}

// Instance is a started process instance.
type Instance struct {
	ID         string
	ProcessKey string
	Location   string
	Variables  map[string]any
}

// Server is the fake. Create it with New; it is an http.Handler.
type Server struct {
	opts Options
	mux  *http.ServeMux

	mu          sync.Mutex
	sessions    map[string]time.Time
	blobs       map[string][]byte
	docs        map[string]*Document
	nextID      int
	creates     int
	logins      int
	instances   []Instance
	faults      []*Fault
	outageUntil time.Time
	outageNet   bool
	requests    map[Op]int
}

// New returns a fake configured by opts (zero fields from DefaultOptions).
func New(opts Options) *Server {
	d := DefaultOptions()
	if opts.APIKey == "" {
		opts.APIKey = d.APIKey
	}
	if opts.Repo == "" {
		opts.Repo = d.Repo
	}
	if opts.RepoName == "" {
		opts.RepoName = d.RepoName
	}
	if opts.Categories == nil {
		opts.Categories = d.Categories
	}
	if opts.Properties == nil {
		opts.Properties = d.Properties
	}
	if opts.SessionTTL == 0 {
		opts.SessionTTL = d.SessionTTL
	}
	if opts.MaxBlob == 0 {
		opts.MaxBlob = d.MaxBlob
	}
	if opts.Process.Key == "" {
		opts.Process = d.Process
	}
	if opts.Process.Method == "" {
		opts.Process.Method = http.MethodPost
	}
	if opts.Process.Pattern == "" {
		opts.Process.Pattern = d.Process.Pattern
	}
	if opts.Process.SuccessStatus == 0 {
		opts.Process.SuccessStatus = http.StatusCreated
	}
	if opts.Process.VariablesField == "" {
		opts.Process.VariablesField = "variables"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:     opts,
		mux:      http.NewServeMux(),
		sessions: map[string]time.Time{},
		blobs:    map[string][]byte{},
		docs:     map[string]*Document{},
		nextID:   122,
		requests: map[Op]int{},
	}
	s.routes()
	return s
}

// Options returns the effective options.
func (s *Server) Options() Options { return s.opts }

// SourceID is the id of the default source.
func (s *Server) SourceID() string { return "/dms/r/" + s.opts.Repo + "/source" }

func (s *Server) routes() {
	r := "/dms/r/{repo}"
	s.handle("GET /identityprovider/login", OpLogin, false, false, s.login)
	s.handle("GET /identityprovider/login/{$}", OpLogin, false, false, s.login)
	s.handle("GET /identityprovider/validate", OpValidate, true, false, s.validate)
	s.handle("GET /dms", OpDiscover, true, false, s.dmsRoot)
	s.handle("GET /dms/{$}", OpDiscover, true, false, s.dmsRoot)
	s.handle("GET /dms/r", OpDiscover, true, false, s.repos)
	s.handle("GET /dms/r/{$}", OpDiscover, true, false, s.repos)
	s.handle("GET "+r, OpDiscover, true, false, s.repo)
	s.handle("GET "+r+"/source", OpDiscover, true, false, s.source)
	s.handle("POST "+r+"/blob/chunk", OpChunk, true, true, s.firstChunk)
	s.handle("POST "+r+"/blob/chunk/{$}", OpChunk, true, true, s.firstChunk)
	s.handle("POST "+r+"/blob/chunk/{blob}", OpChunk, true, true, s.nextChunk)
	s.handle("POST "+r+"/o2m", OpCreate, true, true, s.create)
	s.handle("POST "+r+"/o2m/{$}", OpCreate, true, true, s.create)
	s.handle("GET "+r+"/o2m/{id}", OpRead, true, false, s.read)
	s.handle("PUT "+r+"/o2m/{id}", OpUpdate, true, true, s.update)
	s.handle("GET "+r+"/srm", OpSearch, true, false, s.search)
	s.handle("GET "+r+"/srm/{$}", OpSearch, true, false, s.search)
	s.handle("GET "+r+"/o2/{id}/v/current/b/main/c", OpContent, true, false, s.content)
	s.handle("DELETE "+r+"/o2/{id}", OpDelete, true, true, s.delete)
	s.handle(s.opts.Process.Method+" "+s.opts.Process.Pattern, OpProcess, true, true, s.startProcess)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// handle registers h behind outage, faults, authentication and the Origin
// check, in that order.
func (s *Server) handle(pattern string, op Op, auth, write bool, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests[op]++
		s.requests[OpAny]++
		outage, outageNet := s.outageUntil.Sub(s.opts.Now()), s.outageNet
		f := s.takeFault(op)
		s.mu.Unlock()
		if outage > 0 && outageNet {
			panic(http.ErrAbortHandler)
		}
		if outage > 0 {
			w.Header().Set("Retry-After", fmt.Sprint(int((outage+time.Second-1)/time.Second)))
			plain(w, http.StatusServiceUnavailable, "Service Unavailable")
			return
		}
		lose := false
		if f != nil {
			switch done := s.applyFault(f, w, r); done {
			case faultAnswered:
				return
			case faultLoseAfter:
				lose = true
			}
		}
		if r.PathValue("repo") != "" && r.PathValue("repo") != s.opts.Repo {
			writeJSON(w, http.StatusNotFound, map[string]string{"LocalizedMessage": "Das Repository wurde nicht gefunden."})
			return
		}
		if auth && !s.authenticated(r) {
			plain(w, http.StatusUnauthorized, "Unauthorized")
			return
		}
		if write && !s.opts.AllowMissingOrigin && r.Header.Get("Origin") == "" {
			plain(w, http.StatusForbidden, "Forbidden")
			return
		}
		if lose {
			// Do the work, then drop the connection before any byte of the
			// answer leaves (F4), or answer a gateway error instead.
			h(discard{header: http.Header{}}, r)
			if f.Status == 0 {
				panic(http.ErrAbortHandler)
			}
			plain(w, f.Status, http.StatusText(f.Status))
			return
		}
		h(w, r)
	})
}

// authenticated accepts the API key or a live session as Bearer, or a
// session in the AuthSessionId cookie (§1.2).
func (s *Server) authenticated(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		if c, err := r.Cookie("AuthSessionId"); err == nil {
			if v, err := url.QueryUnescape(c.Value); err == nil {
				tok = v
			}
		}
	}
	if tok == "" {
		return false
	}
	if tok == s.opts.APIKey {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.sessions[tok]
	return ok && s.opts.Now().Before(exp)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	if user, pw, ok := r.BasicAuth(); ok {
		if want, known := s.opts.Users[user]; !known || want != pw {
			plain(w, http.StatusUnauthorized, "Unauthorized")
			return
		}
		id := s.newSession()
		http.SetCookie(w, &http.Cookie{Name: "AuthSessionId", Value: url.QueryEscape(id), Path: "/", HttpOnly: true, Secure: r.TLS != nil})
		w.WriteHeader(http.StatusOK)
		return
	}
	if tok, ok := strings.CutPrefix(auth, "Bearer "); !ok || tok != s.opts.APIKey {
		plain(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	id := s.newSession()
	s.mu.Lock()
	exp := s.sessions[id]
	s.mu.Unlock()
	writeJSONType(w, "application/json", http.StatusOK, map[string]string{
		"AuthSessionId": id,
		"Expire":        exp.UTC().Format("2006-01-02T15:04:05.0000000Z"),
	})
}

// newSession returns an opaque id with characters that need URL encoding
// in a cookie (§1.2: treat as opaque).
func (s *Server) newSession() string {
	id := "s/" + randHex(16) + "+=="
	s.mu.Lock()
	s.sessions[id] = s.opts.Now().Add(s.opts.SessionTTL)
	s.logins++
	s.mu.Unlock()
	return id
}

func (s *Server) validate(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "max-age=60")
	writeJSONType(w, "application/json", http.StatusOK, map[string]any{
		"id": "eingang-service", "userName": "eingang", "displayName": "eingang Dienstkonto",
		"emails": []map[string]string{{"value": "eingang@example.invalid"}},
	})
}

func (s *Server) dmsRoot(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"_links": map[string]any{
		"repo":     link("/dms/r/{repositoryid}"),
		"allrepos": link("/dms/r"),
		"new":      link("/dms/new/"),
		"search":   link("/dms/s/{?objectdefinitionids,fulltext,properties,showresultlist,repositoryid}"),
	}})
}

func (s *Server) repos(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"repositories": []any{map[string]any{
		"id": s.opts.Repo, "name": s.opts.RepoName,
		"_links": map[string]any{"source": link(s.SourceID())},
	}}})
}

func (s *Server) repo(w http.ResponseWriter, r *http.Request) {
	p := "/dms/r/" + s.opts.Repo
	writeJSON(w, http.StatusOK, map[string]any{"id": s.opts.Repo, "name": s.opts.RepoName, "_links": map[string]any{
		"source":                  link(p + "/source"),
		"chunkedupload":           link(p + "/blob/chunk/"),
		"dmsobjectwithmapping":    link(p + "/o2m/{dmsobjectid}{?sourceid}"),
		"searchresultwithmapping": link(p + "/srm{?sourceid,sourceproperties,sourcecategories,sourcepropertysort,ascending,fulltext,page,pagesize}"),
		"searchresult":            link(p + "/sr/{?objectdefinitionids,fulltext,properties,propertysort,ascending,showdetails}"),
		"new":                     link(p + "/new/"),
	}})
}

func (s *Server) source(w http.ResponseWriter, r *http.Request) {
	type kv struct {
		Key         string `json:"key"`
		Type        string `json:"type,omitempty"`
		DisplayName string `json:"displayName"`
	}
	var cats, props []kv
	for _, k := range sortedKeys(s.opts.Categories) {
		cats = append(cats, kv{Key: k, DisplayName: s.opts.Categories[k].DisplayName})
	}
	for _, k := range sortedKeys(s.opts.Properties) {
		props = append(props, kv{Key: k, Type: s.opts.Properties[k].Type, DisplayName: s.opts.Properties[k].DisplayName})
	}
	props = append(props, kv{Key: "property_filename", Type: "String", DisplayName: "Dateiname"})
	writeJSON(w, http.StatusOK, map[string]any{"id": s.SourceID(), "displayName": "Standardquelle", "categories": cats, "properties": props})
}

func link(href string) map[string]any {
	if strings.Contains(href, "{") {
		return map[string]any{"href": href, "templated": true}
	}
	return map[string]any{"href": href}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	writeJSONType(w, "application/hal+json", status, v)
}

func writeJSONType(w http.ResponseWriter, ct string, status int, v any) {
	w.Header().Set("Content-Type", ct+"; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// reason answers the documented error shape {"reason": …} (§8).
func reason(w http.ResponseWriter, status int, format string, a ...any) {
	writeJSONType(w, "application/json", status, map[string]string{"reason": fmt.Sprintf(format, a...)})
}

// discard swallows an answer that is going to be lost.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}
