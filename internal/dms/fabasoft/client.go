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
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/eingang/eingang/internal/dms"
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

// Values written to workflow_attribute besides a process instance COO.
// Neither can be mistaken for a COO address.
const (
	// WorkflowRequestedPrefix starts the marker written right before the
	// workflow start call; an RFC 3339 UTC time follows.
	WorkflowRequestedPrefix = "angefordert "
	// WorkflowStartedPrefix starts the value written by the commit marker
	// when the start call returns no process id (SOAPInitializeWorkFlow, or
	// a SOAPStartWorkflow answer without newprocinst); a time follows.
	WorkflowStartedPrefix = "gestartet "
)

// clearTimeout bounds the best-effort clearing of a request marker, which
// runs even when the caller's context is already cancelled.
const clearTimeout = 10 * time.Second

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

// ledgerEntry is what this process knows about the workflow of one
// half-delivered document beyond what Fabasoft shows: either the value of
// a start that succeeded but whose commit marker was not written yet
// (started), or a request marker whose start certainly did not happen but
// whose clearing failed (stale).
type ledgerEntry struct {
	coo     string
	stale   string // request marker known not to stand for a started workflow
	started string // process COO or "gestartet …"
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
// client. Empty optional fields of cfg must have been filled from
// [Defaults] by the caller.
func New(cfg Config) (*Client, error) {
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
	password, err := loadSecret(cfg.PasswordFile, cfg.PasswordEnv)
	if err != nil {
		return nil, err
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_file: %s holds no PEM certificate", cfg.CAFile)
		}
		tlsCfg.RootCAs = pool
	}
	if cfg.ClientCertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.ClientCertFile, cfg.ClientKeyFile)
		if err != nil {
			return nil, fmt.Errorf("client_cert_file: %w", err)
		}
		tlsCfg.Certificates = []tls.Certificate{cert}
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
	c := &Client{
		cfg:      cfg,
		user:     user,
		password: password,
		http:     &http.Client{Transport: transport, CheckRedirect: noRedirect},
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

// noRedirect refuses redirects: a redirected POST would be replayed as GET,
// and a login page would be mistaken for a response.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func loadSecret(file, env string) (string, error) {
	if env != "" {
		v := os.Getenv(env)
		if v == "" {
			return "", fmt.Errorf("password_env: environment variable %s is empty", env)
		}
		return v, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("password_file: %w", err)
	}
	v := strings.TrimRight(string(b), "\r\n")
	if v == "" {
		return "", fmt.Errorf("password_file: %s is empty", file)
	}
	return v, nil
}

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

// Name returns the configured target name.
func (c *Client) Name() string { return c.cfg.Name }

// Endpoint returns the SOAP endpoint URL (without credentials).
func (c *Client) Endpoint() string { return c.endpoint }

var idRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Deliver stores doc in the configured Vorgang and starts the workflow; see
// the package documentation for the idempotency protocol.
func (c *Client) Deliver(ctx context.Context, doc *dms.Document) (dms.Receipt, error) {
	rcpt := dms.Receipt{Target: c.cfg.Name}
	if doc == nil || !idRE.MatchString(doc.ID) {
		return rcpt, c.reject(0, "Dokument-ID fehlt oder ist kein SHA-256", ErrBadDocument)
	}
	name, err := render(c.name, doc)
	if err != nil {
		return rcpt, c.reject(0, "name_template: "+err.Error(), fmt.Errorf("%w: %w", ErrBadDocument, err))
	}
	name = cleanName(name)
	props, err := c.renderProperties(doc)
	if err != nil {
		return rcpt, err
	}
	files, err := c.checkFiles(doc)
	if err != nil {
		return rcpt, err
	}
	// Two deliveries of the same document (the same file in two hot
	// folders) would both miss in step 1 and create and start twice.
	unlock, err := c.locks.Lock(ctx, doc.ID)
	if err != nil {
		return rcpt, err
	}
	defer unlock()

	// 1. Delivered before?
	hits, err := c.search(ctx, c.cfg.DocumentClass, c.cfg.ReferenceAttribute, doc.ID)
	if err != nil {
		return rcpt, err
	}
	if len(hits) > 0 {
		c.forget(doc.ID)
		rcpt.Ref, rcpt.Existing = hits[0].Address, true
		if v := c.workflowValue(&hits[0]); cooRE.MatchString(v) {
			rcpt.Workflow = v
		}
		return rcpt, nil
	}

	// 2. Half-delivered by an earlier attempt?
	half, err := c.findByName(ctx, name)
	if err != nil {
		return rcpt, err
	}
	var coo string
	resumed := half != nil
	if resumed {
		coo = half.Address
	} else {
		// 3. Create.
		coo, err = c.createObject(ctx, name)
		if err != nil {
			if !ambiguous(err) || ctx.Err() != nil {
				return rcpt, err
			}
			// The create may have happened although we saw no answer.
			found, ferr := c.findByName(ctx, name)
			if ferr != nil || found == nil {
				return rcpt, err
			}
			half, coo, resumed = found, found.Address, true
		}
	}
	rcpt.Ref = coo

	// A resumed document may carry the workflow state of the earlier
	// attempt; decide before doing any work whether it may go on.
	started := ""
	if resumed {
		started, err = c.earlierWorkflow(doc.ID, coo, name, c.workflowValue(half))
		if err != nil {
			return rcpt, err
		}
	}

	// 4. Content.
	haveContent := false
	if resumed {
		hits, err := c.search(ctx, c.cfg.ContentClass, attrObjName, name)
		if err != nil {
			return rcpt, err
		}
		haveContent = len(hits) > 0
	}
	if !haveContent {
		if err := c.createContent(ctx, coo, name, files); err != nil {
			return rcpt, err
		}
	}

	// 5. Properties.
	if len(props) > 0 {
		if err := c.setProperties(ctx, coo, props); err != nil {
			return rcpt, err
		}
	}

	// 6. Workflow, unless an earlier attempt started it.
	if started == "" && c.wantsWorkflow(doc) {
		started, err = c.requestWorkflow(ctx, doc.ID, coo, name)
		if err != nil {
			return rcpt, err
		}
	}
	if cooRE.MatchString(started) {
		rcpt.Workflow = started
	}

	// 7. Commit marker.
	marker := []propValue{{ref: c.cfg.ReferenceAttribute, typ: "STRING", values: []string{doc.ID}}}
	if c.cfg.WorkflowAttribute != "" && started != "" {
		marker = append(marker, propValue{ref: c.cfg.WorkflowAttribute, typ: "STRING", values: []string{started}})
	}
	if err := c.setProperties(ctx, coo, marker); err != nil {
		return rcpt, err
	}
	c.forget(doc.ID)
	return rcpt, nil
}

// workflowValue returns the workflow_attribute of a search hit, or "".
func (c *Client) workflowValue(h *searchObject) string {
	if h == nil || c.cfg.WorkflowAttribute == "" {
		return ""
	}
	return h.attr(c.cfg.WorkflowAttribute)
}

// earlierWorkflow interprets the workflow_attribute value v of a resumed
// document: "" (no workflow requested), a started workflow whose commit
// marker is missing (returned, so that it is not started again), or a
// request marker. A request marker means the outcome of an earlier start is
// unknown, unless this process knows better from its ledger; then the
// document is rejected for a clerk to check.
func (c *Client) earlierWorkflow(id, coo, name, v string) (string, error) {
	c.mu.Lock()
	e, known := c.ledger[id]
	c.mu.Unlock()
	known = known && e.coo == coo
	switch {
	case known && e.started != "":
		return e.started, nil // our start succeeded, only the commit failed
	case !strings.HasPrefix(v, WorkflowRequestedPrefix):
		return v, nil
	case known && e.stale == v:
		return "", nil // our start certainly did not happen
	}
	return "", c.unconfirmed(coo, name, v, nil)
}

// requestWorkflow writes the request marker, starts the workflow and
// returns the value for the commit marker.
func (c *Client) requestWorkflow(ctx context.Context, id, coo, name string) (string, error) {
	// workflow_attribute is set whenever a workflow is (Validate).
	pending := WorkflowRequestedPrefix + c.now().UTC().Format(time.RFC3339)
	if err := c.setWorkflowAttribute(ctx, coo, pending); err != nil {
		if !notProcessed(err) {
			// The marker may have been written although no start
			// followed: clear it, or the next attempt would reject.
			c.clearRequest(ctx, id, coo, pending)
		}
		return "", err
	}
	if err := ctx.Err(); err != nil { // nothing sent yet: no ambiguity
		c.clearRequest(ctx, id, coo, pending)
		return "", err
	}
	proc, err := c.startWorkflow(ctx, coo)
	if err != nil {
		if !notProcessed(err) {
			return "", c.unconfirmed(coo, name, pending, err)
		}
		c.clearRequest(ctx, id, coo, pending)
		var re *dms.RejectedError
		if errors.As(err, &re) {
			re.Reason = "Rechnungsworkflow: " + re.Reason
		}
		return "", err
	}
	started := proc
	if !cooRE.MatchString(started) {
		started = WorkflowStartedPrefix + c.now().UTC().Format(time.RFC3339)
	}
	// Remembered until the commit marker is written, so that a transient
	// failure of step 7 does not end in a rejection on the next attempt.
	c.remember(id, ledgerEntry{coo: coo, started: started})
	return started, nil
}

// clearRequest removes the request marker after a start that certainly did
// not happen. It is best effort: if it fails, the ledger vouches for the
// stale marker in this process, and after a restart the next attempt takes
// the cautious branch (rejection).
func (c *Client) clearRequest(ctx context.Context, id, coo, pending string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), clearTimeout)
	defer cancel()
	if err := c.setWorkflowAttribute(ctx, coo, ""); err != nil {
		c.remember(id, ledgerEntry{coo: coo, stale: pending})
		return
	}
	c.forget(id)
}

func (c *Client) setWorkflowAttribute(ctx context.Context, coo, v string) error {
	return c.setProperties(ctx, coo, []propValue{{ref: c.cfg.WorkflowAttribute, typ: "STRING", values: []string{v}}})
}

func (c *Client) remember(id string, e ledgerEntry) {
	c.mu.Lock()
	c.ledger[id] = e
	c.mu.Unlock()
}

func (c *Client) forget(id string) {
	c.mu.Lock()
	delete(c.ledger, id)
	c.mu.Unlock()
}

// unconfirmed is the rejection for a workflow start with unknown outcome
// for the object coo named name; marker is the request marker
// ("angefordert <time>"), cause the error of the start call if this
// attempt made it. The wording follows the d.3 client's equivalent message.
func (c *Client) unconfirmed(coo, name, marker string, cause error) error {
	raw := strings.TrimSpace(strings.TrimPrefix(marker, WorkflowRequestedPrefix))
	when := raw
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		when = t.UTC().Format("02.01.2006 um 15:04:05 UTC")
	}
	reason := fmt.Sprintf("Rechnungsworkflow: Start am %s bei Fabasoft angefordert, aber nicht bestätigt "+
		"(die Antwort ging verloren). Bitte in der E-Akte beim Objekt „%s“ (%s) prüfen, ob der Rechnungsworkflow läuft, "+
		"und ihn sonst von Hand starten. Die Datei bitte nicht wieder in den Eingangsordner legen: "+
		"das würde nur diese Prüfung wiederholen.", when, name, coo)
	err := fmt.Errorf("%w: %s, requested %s", ErrWorkflowUnconfirmed, coo, raw)
	if cause != nil {
		err = fmt.Errorf("%w: %w", err, cause)
	}
	return c.reject(0, reason, err)
}

// cleanName keeps names usable inside a quoted query literal: the query
// language's escaping rules are not documented, so quotes and control
// characters are replaced.
func cleanName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case r < 0x20 || r == 0x7f:
			return ' '
		}
		return r
	}, s)
}

func (c *Client) wantsWorkflow(doc *dms.Document) bool {
	if c.cfg.Workflow.Operation == WorkflowNone || doc.HoldWorkflow != "" {
		return false
	}
	return len(c.cfg.Workflow.Kinds) == 0 || slices.Contains(c.cfg.Workflow.Kinds, doc.Kind)
}

type propValue struct {
	ref, typ string
	values   []string
}

func (c *Client) renderProperties(doc *dms.Document) ([]propValue, error) {
	var out []propValue
	for _, p := range c.props {
		s, err := render(p.tmpl, doc)
		if err != nil {
			return nil, c.reject(0, "Vorlage für "+p.ref+": "+err.Error(), fmt.Errorf("%w: %w", ErrBadDocument, err))
		}
		if s == "" {
			continue
		}
		pv := propValue{ref: p.ref, typ: p.typ}
		if p.typ == "STRINGLIST" {
			for _, line := range strings.Split(s, "\n") {
				if line = strings.TrimSpace(line); line != "" {
					pv.values = append(pv.values, line)
				}
			}
		} else {
			pv.values = []string{s}
		}
		out = append(out, pv)
	}
	return out, nil
}

type contentFile struct {
	path, name, ext, class string
}

func (c *Client) checkFiles(doc *dms.Document) ([]contentFile, error) {
	if doc.PDFPath == "" {
		return nil, c.reject(0, "keine PDF-Datei", ErrBadDocument)
	}
	files := []contentFile{{path: doc.PDFPath, ext: "pdf", class: c.cfg.ContentClass}}
	for _, a := range doc.Attachments {
		ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(a.Name)), ".")
		class := c.cfg.AttachmentClass
		if class == "" || ext == "pdf" {
			class = c.cfg.ContentClass
		}
		files = append(files, contentFile{
			path: a.Path, ext: ext, class: class,
			name: cleanName(strings.TrimSuffix(a.Name, filepath.Ext(a.Name))),
		})
	}
	var total int64
	for _, f := range files {
		st, err := os.Stat(f.path)
		if err != nil {
			return nil, c.reject(0, "Datei nicht lesbar: "+filepath.Base(f.path), fmt.Errorf("%w: %w", ErrBadDocument, err))
		}
		total += st.Size()
	}
	if total > c.cfg.MaxContentBytes {
		return nil, c.reject(0, fmt.Sprintf("Inhalt zu groß (%d Bytes, erlaubt %d)", total, c.cfg.MaxContentBytes), ErrTooLarge)
	}
	return files, nil
}

func (c *Client) reject(status int, reason string, err error) error {
	return &dms.RejectedError{Target: c.cfg.Name, Status: status, Reason: reason, Err: err}
}

// --- operations ---

func (c *Client) search(ctx context.Context, class, ref, val string) ([]searchObject, error) {
	w := newEnvelope()
	w.WriteString(`<s:SOAPSearchRequest xmlns:s="` + nsSearch + `">`)
	// LIMIT 2 so that a duplicate would at least be visible in a trace.
	w.elem("s", "query", fmt.Sprintf(`NOCHECK LIMIT 2 SELECT * FROM %s WHERE .%s = "%s"`, class, ref, val))
	w.WriteString(`<s:attrlist>`)
	w.elem("s", "attr", attrObjName)
	w.elem("s", "attr", c.cfg.ReferenceAttribute)
	if c.cfg.WorkflowAttribute != "" {
		w.elem("s", "attr", c.cfg.WorkflowAttribute)
	}
	w.WriteString(`</s:attrlist></s:SOAPSearchRequest>`)
	var resp searchResponse
	if err := c.call(ctx, actionSearch, w.finish(), "SOAPSearchResponse", &resp); err != nil {
		return nil, err
	}
	return resp.Objects, nil
}

// findByName returns the document with the given name that has no
// reference yet (a half-delivered one), or nil.
func (c *Client) findByName(ctx context.Context, name string) (*searchObject, error) {
	hits, err := c.search(ctx, c.cfg.DocumentClass, attrObjName, name)
	if err != nil {
		return nil, err
	}
	for i, h := range hits {
		if h.attr(c.cfg.ReferenceAttribute) == "" && cooRE.MatchString(h.Address) {
			return &hits[i], nil
		}
	}
	return nil, nil
}

func (c *Client) createObject(ctx context.Context, name string) (string, error) {
	w := newEnvelope()
	w.WriteString(`<c:CreateObjectRequest xmlns:c="` + nsCreateObject + `">`)
	// xsd:sequence: objclass, context?, container?, name?, data?
	w.elem("c", "objclass", c.cfg.DocumentClass)
	w.elem("c", "container", c.cfg.Container)
	w.elem("c", "name", name)
	w.WriteString(`<c:data/></c:CreateObjectRequest>`) // as in the documented example
	var resp createObjectResponse
	if err := c.call(ctx, actionCreateObject, w.finish(), "CreateObjectResponse", &resp); err != nil {
		return "", err
	}
	coo := strings.TrimSpace(resp.Address)
	if !cooRE.MatchString(coo) {
		return "", fmt.Errorf("%w: CreateObjectResponse without a COO address", ErrMalformed)
	}
	return coo, nil
}

func (c *Client) createContent(ctx context.Context, coo, name string, files []contentFile) error {
	w := newEnvelope()
	w.WriteString(`<c:CreateContentObjectsAndConvertRequest xmlns:c="` + nsCreateCont + `">`)
	for i, f := range files {
		contname := f.name
		if i == 0 {
			contname = name // the resume check finds the PDF by this name
		}
		// xsd:sequence: objclass, context?, container?, contname?, contextension?, content?, finalform?, data?
		w.WriteString(`<c:contentobj>`)
		w.elem("c", "objclass", f.class)
		w.elem("c", "container", coo)
		w.elem("c", "contname", contname)
		w.elem("c", "contextension", f.ext)
		w.WriteString(`<c:content>`)
		if err := encodeFile(&w.Buffer, f.path); err != nil {
			return c.reject(0, "Datei nicht lesbar: "+filepath.Base(f.path), fmt.Errorf("%w: %w", ErrBadDocument, err))
		}
		w.WriteString(`</c:content></c:contentobj>`)
	}
	w.WriteString(`</c:CreateContentObjectsAndConvertRequest>`)
	var resp createContentResponse
	if err := c.call(ctx, actionCreateCont, w.finish(), "CreateContentObjectsAndConvertResponse", &resp); err != nil {
		return err
	}
	if len(resp.Objects) != len(files) {
		return fmt.Errorf("%w: %d content objects created, %d sent", ErrMalformed, len(resp.Objects), len(files))
	}
	return nil
}

func encodeFile(buf *bytes.Buffer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil {
		buf.Grow(base64.StdEncoding.EncodedLen(int(st.Size())) + 64)
	}
	enc := base64.NewEncoder(base64.StdEncoding, buf)
	if _, err := io.Copy(enc, f); err != nil {
		return err
	}
	return enc.Close()
}

func (c *Client) setProperties(ctx context.Context, coo string, props []propValue) error {
	w := newEnvelope()
	w.WriteString(`<u:OBJECT xmlns:u="` + nsUniversal + `" u:objaddress=`)
	w.attrValue(coo)
	w.WriteString(`>`)
	for _, p := range props {
		if p.typ == "STRINGLIST" {
			w.WriteString(`<u:STRINGLIST u:reference=`)
			w.attrValue(p.ref)
			w.WriteString(`>`)
			for _, v := range p.values {
				w.elem("u", "STRING", v)
			}
			w.WriteString(`</u:STRINGLIST>`)
			continue
		}
		w.WriteString(`<u:` + p.typ + ` u:reference=`)
		w.attrValue(p.ref)
		w.WriteString(`>`)
		w.text(p.values[0])
		w.WriteString(`</u:` + p.typ + `>`)
	}
	w.WriteString(`</u:OBJECT>`)
	var resp setPropertiesResponse
	if err := c.call(ctx, actionSetProps, w.finish(), "response", &resp); err != nil {
		return err
	}
	var failed []string
	for _, f := range resp.Failed {
		if f = strings.TrimSpace(f); f != "" {
			failed = append(failed, f)
		}
	}
	if len(failed) > 0 {
		return c.reject(0, "Eigenschaften nicht gesetzt: "+strings.Join(failed, ", "),
			fmt.Errorf("%w: %s", ErrPropertiesFailed, strings.Join(failed, ", ")))
	}
	return nil
}

func (c *Client) startWorkflow(ctx context.Context, coo string) (string, error) {
	w := newEnvelope()
	if c.cfg.Workflow.Operation == WorkflowInitialize {
		w.WriteString(`<w:SOAPInitializeWorkFlowRequest xmlns:w="` + nsWorkflow + `">`)
		w.WriteString(`<w:obj-id>`)
		w.elem("w", "id-ref", coo)
		w.WriteString(`</w:obj-id><w:procdef-ids>`)
		for _, p := range c.cfg.Workflow.ProcessDefinitions {
			w.WriteString(`<w:obj-id>`)
			w.elem("w", "id-ref", p)
			w.WriteString(`</w:obj-id>`)
		}
		w.WriteString(`</w:procdef-ids></w:SOAPInitializeWorkFlowRequest>`)
		// The response is an empty BAIWFNoResponse: no process id exists.
		return "", c.call(ctx, actionInitWF, w.finish(), "BAIWFNoResponse", nil)
	}
	w.WriteString(`<w:SOAPStartWorkflowRequest xmlns:w="` + nsWorkflow + `">`)
	w.elem("w", "objaddress", coo)
	w.elem("w", "dept", c.cfg.Workflow.Dept)
	w.WriteString(`</w:SOAPStartWorkflowRequest>`)
	var resp startWorkflowResponse
	if err := c.call(ctx, actionStartWF, w.finish(), "SOAPStartWorkflowResponse", &resp); err != nil {
		return "", err
	}
	return strings.TrimSpace(resp.ProcInst.Address), nil
}

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
