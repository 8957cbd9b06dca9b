// Package httpapi serves eingang's one HTTP listener: health and readiness,
// Prometheus metrics, the asynq web UI under /monitoring/ and the documents
// API under /api/v1/.
package httpapi

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/journal"
)

// Documents is what the API reads from the journal.
type Documents interface {
	Get(ctx context.Context, id string) (*journal.Document, error)
	List(ctx context.Context, f journal.Filter) ([]journal.Document, error)
}

// Check is one readiness check (Redis, journal).
type Check struct {
	Name string
	Func func(ctx context.Context) error
}

// Options are the parts the server exposes.
type Options struct {
	Users      []config.User
	Documents  Documents
	Checks     []Check
	Metrics    http.Handler // nil: no /metrics
	Monitoring http.Handler // nil: no /monitoring/
	Uploads    Uploads      // nil: no upload (POST /api/v1/documents)
	// Profiles are offered as a filter on the status page.
	Profiles []string
	// Actions are the clerk's actions on the status page (the pipeline's
	// Intake); nil offers none.
	Actions Actions
	// Explain gives the clerk's German sentence for an error of an action
	// (the fault rules); nil says only that it did not work.
	Explain func(err error) (permanent bool, clerk string, ok bool)
	// ArchiveDirs are the folders of archive targets by target name: the
	// status page serves a delivered document's PDF and validation report
	// from there.
	ArchiveDirs map[string]string
	// TrustedHeader and TrustedProxies are http.trusted_header and
	// http.trusted_proxies (validated by package config).
	TrustedHeader  string
	TrustedProxies []string
	Logger         *slog.Logger
}

// New returns the handler for all routes.
func New(o Options) http.Handler {
	a := newAuth(o)
	s := &server{docs: o.Documents, checks: o.Checks, uploads: o.Uploads, log: o.Logger}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", s.ready)
	if o.Metrics != nil {
		mux.Handle("GET /metrics", o.Metrics)
	}
	if o.Monitoring != nil {
		mux.Handle("/monitoring/", a.wrap(config.RoleOperator, o.Monitoring))
		mux.Handle("/monitoring", http.RedirectHandler("/monitoring/", http.StatusMovedPermanently))
	}
	mux.Handle("GET /api/v1/documents", a.wrap(config.RoleViewer, http.HandlerFunc(s.list)))
	mux.Handle("GET /api/v1/documents/{id}", a.wrap(config.RoleViewer, http.HandlerFunc(s.get)))
	sp := newStatusPages(o, a)
	mux.Handle("GET /status/", a.wrap(config.RoleViewer, http.HandlerFunc(sp.listPage)))
	mux.Handle("GET /status/doc/{id}", a.wrap(config.RoleViewer, http.HandlerFunc(sp.docPage)))
	mux.Handle("GET /status/doc/{id}/pdf", a.wrap(config.RoleViewer, http.HandlerFunc(sp.servePDF)))
	mux.Handle("GET /status/doc/{id}/report", a.wrap(config.RoleViewer, http.HandlerFunc(sp.serveReport)))
	if o.Actions != nil {
		cop := http.NewCrossOriginProtection()
		cop.SetDenyHandler(http.HandlerFunc(forbiddenCrossOrigin))
		mux.Handle("POST /status/doc/{id}/retry", a.wrap(config.RoleClerk, cop.Handler(sp.action("retry", o.Actions.Retry))))
		mux.Handle("POST /status/doc/{id}/checked", a.wrap(config.RoleClerk, cop.Handler(sp.action("checked", o.Actions.MarkChecked))))
	}
	mux.Handle("GET /status", http.RedirectHandler("/status/", http.StatusMovedPermanently))
	mux.Handle("GET /{$}", http.RedirectHandler("/status/", http.StatusFound))
	if o.Uploads != nil {
		mux.Handle("POST /api/v1/documents", a.wrap(config.RoleUpload, http.HandlerFunc(s.upload)))
	}
	return mux
}

type server struct {
	docs    Documents
	checks  []Check
	uploads Uploads
	log     *slog.Logger
}

func (s *server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	res := map[string]string{}
	status := http.StatusOK
	for _, c := range s.checks {
		if err := c.Func(ctx); err != nil {
			res[c.Name] = err.Error()
			status = http.StatusServiceUnavailable
		} else {
			res[c.Name] = "ok"
		}
	}
	writeJSON(w, status, res)
}

var validStates = map[string]bool{"": true, journal.StateReceived: true, journal.StateProcessing: true,
	journal.StateDelivered: true, journal.StateFailed: true, journal.StateDuplicate: true, journal.StateSplit: true}

func (s *server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	if !validStates[state] {
		writeError(w, http.StatusBadRequest, "state must be one of received, processing, delivered, failed, duplicate, split")
		return
	}
	limit := 100
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "limit must be 1…1000")
			return
		}
		limit = n
	}
	f := journal.Filter{State: state, Limit: limit, Profile: q.Get("profile"), Channel: q.Get("channel"), Search: q.Get("q")}
	if o := q.Get("offset"); o != "" {
		n, err := strconv.Atoi(o)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "offset must be a number ≥ 0")
			return
		}
		f.Offset = n
	}
	for _, b := range []struct {
		key string
		dst *time.Time
		day time.Duration // added to a bare date: until=2026-12-07 includes that day
	}{{"since", &f.Since, 0}, {"until", &f.Until, 24 * time.Hour}} {
		v := q.Get(b.key)
		if v == "" {
			continue
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			*b.dst = t
		} else if t, err := time.ParseInLocation(time.DateOnly, v, time.Local); err == nil {
			*b.dst = t.Add(b.day)
		} else {
			writeError(w, http.StatusBadRequest, b.key+" must be a date (2026-12-07) or an RFC 3339 time")
			return
		}
	}
	docs, err := s.docs.List(r.Context(), f)
	if err != nil {
		s.log.Error("list documents", "err", err)
		writeError(w, http.StatusInternalServerError, "journal unavailable")
		return
	}
	if docs == nil {
		docs = []journal.Document{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"documents": docs})
}

func (s *server) get(w http.ResponseWriter, r *http.Request) {
	d, err := s.docs.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, journal.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no such document")
		return
	}
	if err != nil {
		s.log.Error("get document", "err", err)
		writeError(w, http.StatusInternalServerError, "journal unavailable")
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// auth is HTTP basic authentication against bcrypt hashes, or, behind
// an authenticating reverse proxy, the user name in a trusted header.
// Verified credentials are remembered (by a SHA-256 of user and password,
// never the password itself) because bcrypt is deliberately slow and the
// UI makes many requests.
type auth struct {
	users map[string]config.User
	ok    sync.Map // [32]byte -> struct{}
	// header is http.trusted_header, honoured only from proxies.
	header  string
	proxies []netip.Prefix
	// csrfKey signs the form tokens of the status page's actions.
	csrfKey []byte
}

func newAuth(o Options) *auth {
	a := &auth{users: map[string]config.User{}, header: o.TrustedHeader, csrfKey: make([]byte, 32)}
	for _, u := range o.Users {
		a.users[u.Name] = u
	}
	for _, p := range o.TrustedProxies {
		if pre, err := netip.ParsePrefix(p); err == nil {
			a.proxies = append(a.proxies, pre)
		} else if ip, err := netip.ParseAddr(p); err == nil {
			a.proxies = append(a.proxies, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
		}
	}
	if _, err := rand.Read(a.csrfKey); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return a
}

// principal is who made a request, as wrap found out.
type principal struct {
	name string
	user config.User
	// open: no users are configured, everybody may do everything.
	open bool
}

func (p principal) has(role string) bool { return p.open || p.user.HasRole(role) }

type principalKey struct{}

// who is the principal of a request that passed wrap; the zero value
// (no name, no role) otherwise.
func who(r *http.Request) principal {
	p, _ := r.Context().Value(principalKey{}).(principal)
	return p
}

// wrap lets through requests of users who hold role (401 without valid
// credentials, 403 with them but without the role). Without configured
// users the interface is open, as before authentication existed; the
// configuration allows that only on loopback.
func (a *auth) wrap(role string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, status := a.identify(r)
		switch {
		case status == http.StatusUnauthorized:
			w.Header().Set("WWW-Authenticate", `Basic realm="eingang", charset="UTF-8"`)
			writeError(w, http.StatusUnauthorized, "authentication required")
			return
		case status == http.StatusForbidden && strings.HasPrefix(r.URL.Path, "/status/"):
			http.Error(w, "Sie sind angemeldet, für eingang aber nicht freigeschaltet. Bitte wenden Sie sich an die IT.", http.StatusForbidden)
			return
		case status == http.StatusForbidden:
			writeError(w, http.StatusForbidden, "the user "+p.name+" is not configured in http.users")
			return
		case !p.has(role) && strings.HasPrefix(r.URL.Path, "/status/"):
			http.Error(w, "Dafür fehlt Ihnen die Berechtigung (Rolle „"+role+"“). Bitte wenden Sie sich an die IT.", http.StatusForbidden)
			return
		case !p.has(role):
			writeError(w, http.StatusForbidden, "the role "+role+" is required")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

// identify finds the principal: the trusted header when the request comes
// from a trusted proxy and carries it, else basic authentication.
func (a *auth) identify(r *http.Request) (principal, int) {
	if name := a.trustedUser(r); name != "" {
		if len(a.users) == 0 {
			return principal{name: name, open: true}, 0
		}
		u, ok := a.users[name]
		if !ok {
			// The proxy vouches for the person, but eingang does not know
			// which roles they hold.
			return principal{name: name}, http.StatusForbidden
		}
		return principal{name: name, user: u}, 0
	}
	user, pass, ok := r.BasicAuth()
	if len(a.users) == 0 {
		return principal{name: user, open: true}, 0
	}
	if !ok || !a.check(user, pass) {
		return principal{}, http.StatusUnauthorized
	}
	return principal{name: user, user: a.users[user]}, 0
}

// trustedUser is the user name in the trusted header, or "" when the
// header is off, absent or comes from an address that is no trusted proxy
// (then anybody could have set it).
func (a *auth) trustedUser(r *http.Request) string {
	if a.header == "" {
		return ""
	}
	name := strings.TrimSpace(r.Header.Get(a.header))
	if name == "" {
		return ""
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return ""
	}
	ip := ap.Addr().Unmap()
	for _, p := range a.proxies {
		if p.Contains(ip) {
			return name
		}
	}
	return ""
}

// csrfToken is the form token of user's actions: an HMAC of the name
// under a key that lives as long as the process. Basic authentication has
// no session, so the token is per user; it makes a forged form useless
// even in a browser that sends neither Sec-Fetch-Site nor Origin.
func (a *auth) csrfToken(user string) string {
	m := hmac.New(sha256.New, a.csrfKey)
	m.Write([]byte("eingang-status-action\x00" + user))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (a *auth) validToken(user, token string) bool {
	return hmac.Equal([]byte(token), []byte(a.csrfToken(user)))
}

func (a *auth) check(user, pass string) bool {
	u, known := a.users[user]
	hash := []byte(u.BcryptHash)
	key := sha256.Sum256([]byte(user + "\x00" + pass))
	if _, ok := a.ok.Load(key); ok && known {
		return true
	}
	if !known {
		// Same work for unknown users, so timing does not reveal names.
		_ = bcrypt.CompareHashAndPassword([]byte("$2a$10$invalidinvalidinvalidinvalidinvalidinvalidinvalidinva"), []byte(pass))
		return false
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(pass)) != nil {
		return false
	}
	a.ok.Store(key, struct{}{})
	return true
}
