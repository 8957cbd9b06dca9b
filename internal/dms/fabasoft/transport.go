// HTTP layer: client with TLS, authentication, the SOAP call and the
// classification of its outcome (transient, permanent, ambiguous).

package fabasoft

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/netconf"
)

// newHTTPClient builds the HTTP client for cfg: TLS 1.2 or later, the
// CA bundle and client certificate if configured, no redirects.
func newHTTPClient(cfg Config) (*http.Client, error) {
	tlsCfg, err := netconf.TLS(cfg.CAFile, cfg.ClientCertFile, cfg.ClientKeyFile)
	if err != nil {
		return nil, err
	}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tlsCfg,
		TLSHandshakeTimeout:   15 * time.Second,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	return &http.Client{Transport: transport, CheckRedirect: noRedirect}, nil
}

// noRedirect refuses redirects: a redirected POST would be replayed as GET,
// and a login page would be mistaken for a response.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func endpointURL(cfg Config) string {
	// WEBSVC first as in the documented URLs (url.Values would sort it
	// after gx).
	s := strings.TrimRight(cfg.BaseURL, "/") + "/fscdav/wsdl?WEBSVC=" + url.QueryEscape(cfg.WebService)
	if cfg.Position != "" {
		s += "&px=" + url.QueryEscape(cfg.Position)
	}
	if cfg.Group != "" {
		s += "&gx=" + url.QueryEscape(cfg.Group)
	}
	return s
}

func (c *Client) authorize(req *http.Request) {
	req.SetBasicAuth(c.user, c.password)
	if c.cfg.AuthenticatedUser != "" {
		req.Header.Set("X-FSC-Authenticated-User", c.cfg.AuthenticatedUser)
	}
}

// call posts one SOAP request and classifies the outcome.
func (c *Client) call(ctx context.Context, action string, body []byte, want string, out any) error {
	op := strings.TrimPrefix(action, actionPrefix)
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", action)
	c.authorize(req)
	resp, err := c.http.Do(req)
	if err != nil {
		return &transportError{op: op, err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxResponseBytes+1))
	if err != nil {
		return &transportError{op: op, err: err}
	}
	if int64(len(data)) > c.cfg.MaxResponseBytes {
		return fmt.Errorf("%w: %s: response larger than %d bytes", ErrMalformed, op, c.cfg.MaxResponseBytes)
	}

	status := resp.StatusCode
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return &statusError{kind: ErrAuth, op: op, status: status}
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		base := &statusError{kind: ErrUnavailable, op: op, status: status}
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return &dms.RetryAfterError{After: d, Err: base}
		}
		return base
	}

	perr := parseResponse(data, want, out)
	var fault *FaultError
	if errors.As(perr, &fault) {
		fault.Status = status
		if slices.Contains(c.cfg.RetryErrorReferences, fault.ErrorReference) {
			return fmt.Errorf("%w: %s: %w", ErrUnavailable, op, fault)
		}
		return &dms.RejectedError{Target: c.cfg.Name, Status: status, Reason: fault.String,
			Err: fmt.Errorf("%w: %s: %w", ErrFault, op, fault)}
	}
	switch {
	case status >= 500 || status == http.StatusRequestTimeout:
		return &statusError{kind: ErrUnavailable, op: op, status: status}
	case status == http.StatusRequestEntityTooLarge:
		return c.reject(status, "Inhalt vom DMS als zu groß abgelehnt", ErrTooLarge)
	case status >= 400:
		// Without a fault we have no reason from Fabasoft; 404/405 mean a
		// wrong base_url rather than a bad document, so retry.
		if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
			return &statusError{kind: ErrUnavailable, op: op, status: status, note: " (check base_url)"}
		}
		return c.reject(status, fmt.Sprintf("HTTP %d %s", status, http.StatusText(status)), ErrFault)
	case status != http.StatusOK:
		return &statusError{kind: ErrMalformed, op: op, status: status}
	}
	if perr != nil {
		return fmt.Errorf("%w: %s: %w", ErrMalformed, op, perr)
	}
	return nil
}

// statusError is an HTTP status answer without a SOAP fault; kind is the
// sentinel (ErrAuth, ErrUnavailable, ErrMalformed). The status is kept so
// that the workflow step can tell a refusal from a possible success.
type statusError struct {
	kind   error
	op     string
	status int
	note   string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%v: %s: HTTP %d%s", e.kind, e.op, e.status, e.note)
}

func (e *statusError) Unwrap() error { return e.kind }

// transportError is a failure after the request may have reached the
// server: whether it was processed is unknown.
type transportError struct {
	op  string
	err error
}

func (e *transportError) Error() string {
	return fmt.Sprintf("%v: %s: %v", ErrUnavailable, e.op, e.err)
}

func (e *transportError) Unwrap() []error { return []error{ErrUnavailable, e.err} }

// ambiguous reports whether err leaves open whether the server acted.
func ambiguous(err error) bool {
	var te *transportError
	if !errors.As(err, &te) {
		return false
	}
	var op *net.OpError
	if errors.As(te.err, &op) && op.Op == "dial" {
		return false // never reached the server
	}
	return true
}

// notProcessed reports whether err proves that Fabasoft did not act on the
// request: it never reached the server (dial failed), the server refused
// it before processing (HTTP 4xx including 429, or 503), or answered with a
// SOAP fault. Everything else (connection lost after sending, timeout, 5xx
// without a fault, e.g. a gateway's 502/504, an answer that cannot be read)
// may hide a success. This is stricter than ambiguous, which only looks at
// transport failures: for the workflow start a false "not processed"
// means a second Rechnungsworkflow.
func notProcessed(err error) bool {
	var fe *FaultError
	if errors.As(err, &fe) {
		return true
	}
	var se *statusError
	if errors.As(err, &se) {
		return se.status == http.StatusServiceUnavailable || (se.status >= 400 && se.status < 500)
	}
	var re *dms.RejectedError
	if errors.As(err, &re) {
		return re.Status >= 400 && re.Status < 500
	}
	var te *transportError
	return errors.As(err, &te) && !ambiguous(err)
}

// retryAfter parses a Retry-After header (seconds or HTTP date), capped at
// one day so a broken header cannot park documents for ever.
func retryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(h, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > 86400 {
			secs = 86400
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = max(t.Sub(now), 0)
	} else {
		return 0, false
	}
	return min(d, 24*time.Hour), true
}
