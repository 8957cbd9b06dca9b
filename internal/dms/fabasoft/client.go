// Package fabasoft delivers documents into a Fabasoft eGov-Suite E-Akte
// through the product's standard SOAP web service (FSCGOVXML), as described
// in docs/fabasoft-api.md: SOAPSearch for the idempotent look-up, the eGov
// CreateObject for the Eingang, CreateContentObjectsAndConvert for the PDF,
// SOAPGenericSetProperties for the metadata and SOAPStartWorkflow (or
// SOAPInitializeWorkFlow) for the Rechnungsworkflow.
//
// Delivery protocol (all steps are repeatable, so the caller may simply call
// Deliver again after any transient error):
//
//  1. search by reference_attribute = Document.ID; a hit means the document
//     was fully delivered before (Receipt.Existing).
//  2. search by the rendered name (which contains the id); a hit without a
//     reference is a half-delivered document from an earlier attempt whose
//     response was lost or whose process died: it is resumed, not recreated
//     (but see the workflow rules below).
//  3. otherwise create the Eingang in the configured Vorgang; if the create
//     answer is lost, search by name again before giving up.
//  4. add the PDF and attachments as content objects (skipped on resume if
//     the PDF content object already exists).
//  5. set the mapped properties.
//  6. write the "workflow requested" marker (workflow_attribute =
//     "angefordert <RFC 3339 UTC>"), then start the workflow.
//  7. write reference_attribute and workflow_attribute (process instance
//     COO, or "gestartet <time>" for SOAPInitializeWorkFlow, which returns
//     no id) last, as the commit marker; it overwrites the request marker.
//
// The service offers no way to ask whether a workflow instance exists for
// an object (fabasoft-api.md §4.6, §12 F10), so the Rechnungsworkflow must
// never be started on a guess. If the start call fails in a way that proves
// Fabasoft did not act on it (connection refused, HTTP 4xx, 429, 503, SOAP
// fault), the request marker is cleared (best effort) and the error is
// returned as before. Any other failure (connection lost after sending,
// timeout, 5xx without fault, unreadable answer) leaves the outcome
// unknown: the marker stays and Deliver returns a *dms.RejectedError whose
// German reason asks the clerk to check the E-Akte and start the workflow
// by hand if it is missing. A resumed document whose workflow_attribute
// still holds a request marker gets the same rejection instead of a second
// start. That also covers a crash of this process after the start succeeded
// but before step 7, and a request marker whose clearing failed: no
// duplicate workflow, but a clerk has to look. Within one process the
// client remembers starts whose commit marker failed and markers it knows
// to be stale (fabasoft-api.md §4.5 recommends such a local ledger), so a
// transient error in step 7 or in the clearing does not need a clerk.
package fabasoft

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/netconf"
)

// Sentinel errors. Transient ones are returned wrapped (retry later);
// the permanent ones are wrapped in a *dms.RejectedError.
var (
	// ErrUnavailable: network failure, timeout, HTTP 5xx or 429 without a
	// SOAP fault. Transient.
	ErrUnavailable = errors.New("fabasoft: service unavailable")
	// ErrAuth: HTTP 401/403, wrong credentials or missing rights of the
	// technical user. Transient for the document (it is a configuration
	// problem that an administrator fixes), reported by doctor.
	ErrAuth = errors.New("fabasoft: authentication failed")
	// ErrMalformed: the server answered something that is not the
	// documented SOAP response. Transient (typically a proxy error page).
	ErrMalformed = errors.New("fabasoft: unexpected response")
	// ErrFault: Fabasoft answered with a SOAP fault (bad metadata, missing
	// permission, unknown COO). Permanent unless its ErrorReference is
	// listed in retry_error_references.
	ErrFault = errors.New("fabasoft: SOAP fault")
	// ErrPropertiesFailed: SOAPGenericSetProperties reported attributes it
	// could not set. Permanent.
	ErrPropertiesFailed = errors.New("fabasoft: properties not set")
	// ErrTooLarge: a file exceeds max_content_bytes. Permanent.
	ErrTooLarge = errors.New("fabasoft: content too large")
	// ErrBadDocument: the document cannot be delivered as handed over
	// (missing id or PDF, template error). Permanent.
	ErrBadDocument = errors.New("fabasoft: document not deliverable")
	// ErrWorkflowUnconfirmed: the workflow start was requested but its
	// outcome is unknown (answer lost, or a request marker left by an
	// earlier attempt). Wrapped in a *dms.RejectedError: a clerk checks the
	// E-Akte, because a retry could start a second Rechnungsworkflow.
	ErrWorkflowUnconfirmed = errors.New("fabasoft: workflow start not confirmed")
)

// Client implements dms.Target and dms.Pinger for one Fabasoft installation.
// It is safe for concurrent use.
type Client struct {
	cfg      Config
	endpoint string
	user     string
	password string
	http     *http.Client
	name     *template.Template
	props    []compiledProperty
	now      func() time.Time

	mu     sync.Mutex
	ledger map[string]ledgerEntry // Document.ID → workflow state known to this process
	locks  dms.DocLocks           // one delivery per document at a time
}

type compiledProperty struct {
	ref, typ string
	tmpl     *template.Template
}

var (
	_ dms.Target = (*Client)(nil)
	_ dms.Pinger = (*Client)(nil)
)

// New validates cfg, loads the credentials and the CA bundle and returns a
// client, in the same shape as d3.New. name is the target's name, used in
// receipts and logs unless cfg.Name sets another. Empty optional fields of
// cfg must have been filled from [Defaults] by the caller ([DecodeConfig]
// does).
func New(name string, cfg Config) (*Client, error) {
	if cfg.Name == "" {
		cfg.Name = name
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	user := cfg.Username
	if cfg.UsernameEnv != "" {
		user = os.Getenv(cfg.UsernameEnv)
		if user == "" {
			return nil, fmt.Errorf("username_env: environment variable %s is empty", cfg.UsernameEnv)
		}
	}
	password, err := netconf.Secret{Key: "password", File: cfg.PasswordFile, Env: cfg.PasswordEnv}.Read(os.Getenv)
	if err != nil {
		return nil, err
	}
	hc, err := newHTTPClient(cfg)
	if err != nil {
		return nil, err
	}
	c := &Client{
		cfg:      cfg,
		user:     user,
		password: password,
		http:     hc,
		endpoint: endpointURL(cfg),
		now:      time.Now,
		ledger:   make(map[string]ledgerEntry),
	}
	c.name, _ = parseTemplate("name", cfg.NameTemplate) // checked by Validate
	for _, p := range cfg.Properties {
		t, _ := parseTemplate(p.Reference, p.Value)
		typ := strings.ToUpper(p.Type)
		if typ == "" {
			typ = "STRING"
		}
		c.props = append(c.props, compiledProperty{ref: p.Reference, typ: typ, tmpl: t})
	}
	return c, nil
}

// Name returns the configured target name.
func (c *Client) Name() string { return c.cfg.Name }

// Endpoint returns the SOAP endpoint URL (without credentials).
func (c *Client) Endpoint() string { return c.endpoint }

// Ping fetches the WSDL of the web service with the configured
// credentials: it proves reachability, TLS trust and (if the server checks
// it for GET) the login.
func (c *Client) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint, nil)
	if err != nil {
		return err
	}
	c.authorize(req)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, c.cfg.MaxResponseBytes))
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w: HTTP %d", ErrAuth, resp.StatusCode)
	default:
		return fmt.Errorf("%w: WSDL request answered HTTP %d", ErrUnavailable, resp.StatusCode)
	}
}

func (c *Client) reject(status int, reason string, err error) error {
	return &dms.RejectedError{Target: c.cfg.Name, Status: status, Reason: reason, Err: err}
}
