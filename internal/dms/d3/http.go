package d3

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/eingang/eingang/internal/dms"
)

// maxResponse bounds what the client reads of any answer; d.3 answers
// with small JSON documents.
const maxResponse = 4 << 20

// StatusError is a non-success HTTP answer from d.3. Transient statuses
// arrive wrapped (or inside a *dms.RetryAfterError), permanent ones inside a
// *dms.RejectedError.
type StatusError struct {
	Method string
	Path   string // request path without query
	Status int
	Reason string // d.3's own message (reason / LocalizedMessage / text)
}

func (e *StatusError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("d3: %s %s: %d %s", e.Method, e.Path, e.Status, e.Reason)
	}
	return fmt.Sprintf("d3: %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
}

type request struct {
	method      string
	path        string // absolute path below base, or an absolute URL on the same host
	query       url.Values
	contentType string
	accept      string
	write       bool                      // send Origin (§1.3)
	body        func() (io.Reader, int64) // re-creatable for the retry after re-login
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func bytesBody(b []byte) func() (io.Reader, int64) {
	return func() (io.Reader, int64) { return bytes.NewReader(b), int64(len(b)) }
}

// call sends r with authentication. ok lists the accepted statuses (any
// 2xx when empty). In session mode a 401 leads to one re-login and one
// repetition of the request.
func (c *Client) call(ctx context.Context, r request, ok ...int) (*response, error) {
	for attempt := 0; ; attempt++ {
		token, err := c.token(ctx, attempt > 0)
		if err != nil {
			return nil, err
		}
		resp, err := c.send(ctx, r, token)
		if err != nil {
			return nil, err
		}
		if resp.status == http.StatusUnauthorized && c.cfg.Auth == "session" && attempt == 0 {
			c.log.Debug("d3: session rejected, logging in again", "target", c.name)
			continue
		}
		if accepted(resp.status, ok) {
			return resp, nil
		}
		return resp, c.classify(r, resp)
	}
}

func accepted(status int, ok []int) bool {
	if len(ok) == 0 {
		return status >= 200 && status < 300
	}
	for _, s := range ok {
		if s == status {
			return true
		}
	}
	return false
}

// send performs one HTTP exchange bounded by cfg.Timeout.
func (c *Client) send(ctx context.Context, r request, token Secret) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	u, err := c.resolve(r.path)
	if err != nil {
		return nil, err
	}
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	var n int64
	if r.body != nil {
		body, n = r.body()
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("d3: %s %s: %w", r.method, r.path, err)
	}
	req.ContentLength = n
	if r.body != nil {
		if n == 0 {
			req.Body = http.NoBody
		}
		// Lets the transport resend a request that never left (a stale
		// keep-alive connection), instead of surfacing an error that
		// would make a create look ambiguous.
		req.GetBody = func() (io.ReadCloser, error) {
			b, _ := r.body()
			return io.NopCloser(b), nil
		}
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token.Reveal())
	}
	accept := r.accept
	if accept == "" {
		accept = "application/hal+json, application/json"
	}
	req.Header.Set("Accept", accept)
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.write {
		req.Header.Set("Origin", c.origin)
	}
	req.Header.Set("x-dv-request-id", requestID())
	resp, err := c.hc.Do(req)
	if err != nil {
		// The url.Error carries the URL (no credentials in it) and the
		// cause; keep both for the log, strip nothing else.
		return nil, fmt.Errorf("d3: %s %s: %w", r.method, pathOnly(r.path), err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, fmt.Errorf("d3: %s %s: reading answer: %w", r.method, pathOnly(r.path), err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// resolve turns a relative href (§1.1) into an absolute URL and refuses
// absolute URLs on other hosts, which would receive the credential.
func (c *Client) resolve(p string) (string, error) {
	if strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") {
		return c.base + p, nil
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme+"://"+u.Host != c.origin {
		return "", fmt.Errorf("%w: refusing to follow %q off the configured host", ErrProtocol, p)
	}
	return p, nil
}

func pathOnly(p string) string {
	if i := strings.IndexByte(p, '?'); i >= 0 {
		return p[:i]
	}
	return p
}

func requestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// classify maps a non-success answer to the error policy: 408, 409, 423,
// 429 and 5xx are transient (with Retry-After → *dms.RetryAfterError), 401
// is ErrUnauthorized (transient), any other 4xx is a *dms.RejectedError
// carrying d.3's reason.
func (c *Client) classify(r request, resp *response) error {
	se := &StatusError{Method: r.method, Path: pathOnly(r.path), Status: resp.status, Reason: reason(resp)}
	switch s := resp.status; {
	case s == http.StatusUnauthorized:
		return fmt.Errorf("%w: %w", ErrUnauthorized, se)
	case s == http.StatusRequestTimeout, s == http.StatusConflict, s == http.StatusLocked,
		s == http.StatusTooManyRequests, s >= 500:
		if after, ok := retryAfter(resp.header.Get("Retry-After"), c.now()); ok {
			return &dms.RetryAfterError{After: after, Err: se}
		}
		return se
	case s >= 400:
		msg := se.Reason
		if msg == "" {
			msg = http.StatusText(s)
		}
		return &dms.RejectedError{Target: c.name, Status: s, Reason: msg, Err: se}
	default:
		// An unexpected 1xx/2xx/3xx: d.3 did something this client does
		// not expect; transient so that a human can look before it fails.
		return fmt.Errorf("%w: %w", ErrProtocol, se)
	}
}

// reason extracts d.3's message: {"reason"} (§8), gateway-style
// {"LocalizedMessage"}, or a short plain-text body.
func reason(resp *response) string {
	if len(resp.body) == 0 {
		return ""
	}
	var v struct {
		Reason           string `json:"reason"`
		LocalizedMessage string `json:"LocalizedMessage"`
		Message          string `json:"message"`
	}
	if json.Unmarshal(resp.body, &v) == nil {
		for _, s := range []string{v.Reason, v.LocalizedMessage, v.Message} {
			if s != "" {
				return clip(s)
			}
		}
		return ""
	}
	mt, _, _ := mime.ParseMediaType(resp.header.Get("Content-Type"))
	if mt == "text/plain" {
		return clip(string(resp.body))
	}
	return ""
}

func clip(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, "?"))
	if r := []rune(s); len(r) > 500 {
		s = string(r[:500]) + "…"
	}
	return s
}

// maxRetryAfter caps what d.3 may ask for; the worker's retry window
// decides beyond that.
const maxRetryAfter = 7 * 24 * time.Hour

// retryAfter parses delay-seconds or an HTTP date (RFC 9110 §10.2.3).
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(min(n, int64(maxRetryAfter/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		// A date far ahead is as bogus as a huge number; cap both.
		return min(max(t.Sub(now), 0), maxRetryAfter), true
	}
	return 0, false
}

// token returns the credential to send. In session mode it logs in when
// there is no valid session or when fresh is set (after a 401).
func (c *Client) token(ctx context.Context, fresh bool) (Secret, error) {
	if c.cfg.Auth != "session" {
		return c.key, nil
	}
	c.mu.Lock()
	s, exp := c.session, c.expires
	c.mu.Unlock()
	if !fresh && s != "" && (exp.IsZero() || c.now().Before(exp.Add(-30*time.Second))) {
		return s, nil
	}
	return c.login(ctx)
}

// login exchanges the API key for an AuthSessionId (§1.2 mode B): only
// 200 with application/json counts.
func (c *Client) login(ctx context.Context) (Secret, error) {
	r := request{method: http.MethodGet, path: "/identityprovider/login", accept: "application/json"}
	resp, err := c.send(ctx, r, c.key)
	if err != nil {
		return "", err
	}
	mt, _, _ := mime.ParseMediaType(resp.header.Get("Content-Type"))
	if resp.status != http.StatusOK {
		if resp.status == http.StatusUnauthorized || resp.status == http.StatusForbidden {
			return "", fmt.Errorf("%w: login: %d", ErrUnauthorized, resp.status)
		}
		err := c.classify(r, resp)
		var re *dms.RejectedError
		if errors.As(err, &re) {
			// A login refused with 4xx is not the document's fault.
			return "", fmt.Errorf("%w: login: %w", ErrUnauthorized, re.Err)
		}
		return "", fmt.Errorf("login: %w", err)
	}
	if mt != "application/json" {
		return "", fmt.Errorf("%w: login answered %q, not application/json", ErrProtocol, mt)
	}
	var v struct {
		AuthSessionID string `json:"AuthSessionId"`
		Expire        string `json:"Expire"`
	}
	if err := json.Unmarshal(resp.body, &v); err != nil || v.AuthSessionID == "" {
		return "", fmt.Errorf("%w: login answer without AuthSessionId", ErrProtocol)
	}
	exp, _ := time.Parse(time.RFC3339Nano, v.Expire)
	c.mu.Lock()
	c.session, c.expires = Secret(v.AuthSessionID), exp
	c.logins++
	c.mu.Unlock()
	return Secret(v.AuthSessionID), nil
}

// Logins reports how many sessions the client has obtained (for tests and
// metrics).
func (c *Client) Logins() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.logins
}

// hit is one search result.
type hit struct {
	ID    string
	Props map[string]string
}

func (h *hit) prop(key string) string {
	if h == nil || key == "" {
		return ""
	}
	return h.Props[key]
}

// lookup searches the category for the document hash (§5.1). It returns
// nil when nothing is found.
func (c *Client) lookup(ctx context.Context, cat, hash string) (*hit, error) {
	cats, _ := json.Marshal([]string{cat})
	props, _ := json.Marshal(map[string][]string{c.cfg.HashProperty: {hash}})
	q := url.Values{
		"sourceid":         {c.sourceID},
		"sourcecategories": {string(cats)},
		"sourceproperties": {string(props)},
		"page":             {"1"},
		"pagesize":         {"25"},
	}
	resp, err := c.call(ctx, request{method: http.MethodGet, path: "/dms/r/" + url.PathEscape(c.cfg.Repository) + "/srm", query: q}, http.StatusOK)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	var v struct {
		Items []struct {
			ID               string `json:"id"`
			SourceProperties []struct {
				Key   string `json:"key"`
				Value string `json:"value"`
			} `json:"sourceProperties"`
		} `json:"items"`
	}
	if err := json.Unmarshal(resp.body, &v); err != nil {
		return nil, fmt.Errorf("%w: search answer: %v", ErrProtocol, err)
	}
	for _, it := range v.Items {
		h := &hit{ID: it.ID, Props: map[string]string{}}
		for _, p := range it.SourceProperties {
			h.Props[p.Key] = p.Value
		}
		// Trust the search only as far as the item really carries the
		// hash when it lists it (a fuzzy index must not alias documents).
		if got, listed := h.Props[c.cfg.HashProperty]; listed && got != hash {
			continue
		}
		if h.ID != "" {
			if len(v.Items) > 1 {
				c.log.Warn("d3: several documents carry the same hash", "target", c.name, "count", len(v.Items))
			}
			return h, nil
		}
	}
	return nil, nil
}

// pollLookup searches until found or cfg.LookupWait has passed, because a
// fresh import shows up in search only after a few seconds (§5.3).
func (c *Client) pollLookup(ctx context.Context, cat, hash string) (*hit, error) {
	deadline := time.Now().Add(c.cfg.LookupWait)
	step := min(250*time.Millisecond, max(c.cfg.LookupWait/4, 10*time.Millisecond))
	for {
		h, err := c.lookup(ctx, cat, hash)
		if err != nil || h != nil {
			return h, err
		}
		if time.Now().Add(step).After(deadline) {
			return nil, nil
		}
		t := time.NewTimer(step)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

func sortProps(p []propTemplate) {
	sort.Slice(p, func(i, j int) bool { return p[i].key < p[j].key })
}
