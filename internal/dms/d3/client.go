// Package d3 delivers documents into d.velop d.3 (cloud or d.3one on-prem)
// through the DMS App REST API and starts the Rechnungsworkflow in the
// d.velop process app. Request shapes follow /work/shared/docs/d3-api.md;
// its sections are cited as §n.
//
// Delivery of one document: look it up by its content hash (srm, §5), and
// only if it is absent upload the PDF through blob/chunk (§4.1) and create
// it with o2m (§4.2). A create whose response is lost is never repeated
// blindly: the client searches for the hash again first. Then the process
// is started with the document as dv_attachment (§9.2, configurable).
package d3

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/netconf"
)

// Errors for failures that are not the DMS's own verdict. Errors that come
// from d.3 are *dms.RejectedError (permanent) or *dms.RetryAfterError /
// plain wrapped errors (transient).
var (
	// ErrUnauthorized means d.3 refused the credential (401/403 at login or
	// 401 on a call). It is transient for the worker: an administrator has
	// to fix the key, and the documents must wait rather than fail.
	// Clerk: "Anmeldung am d.3 fehlgeschlagen – bitte die IT informieren."
	ErrUnauthorized = errors.New("d3: authentication failed")
	// ErrInvalidDocument means the document itself cannot be delivered
	// (missing or empty PDF, no ID). Wrapped in a *dms.RejectedError.
	// Clerk: "Das Dokument ist unvollständig (PDF fehlt oder ist leer)."
	ErrInvalidDocument = errors.New("d3: invalid document")
	// ErrNoCategory means no category mapping matches the document kind.
	// Wrapped in a *dms.RejectedError.
	// Clerk: "Für diese Dokumentart ist keine d.3-Kategorie eingerichtet."
	ErrNoCategory = errors.New("d3: no category for document kind")
	// ErrTemplate means a configured template failed for this document.
	// Wrapped in a *dms.RejectedError.
	// Clerk: "Die Metadaten passen nicht zur d.3-Zuordnung – bitte die IT informieren."
	ErrTemplate = errors.New("d3: template failed")
	// ErrOutcomeUnknown means a create or process start got no usable
	// answer and the document could not (yet) be found. Transient: the
	// next attempt searches again before it creates anything.
	// Clerk: "d.3 hat nicht geantwortet; die Zustellung wird wiederholt."
	ErrOutcomeUnknown = errors.New("d3: outcome of the request unknown")
	// ErrProtocol means d.3 answered in a shape this client does not
	// understand (e.g. 201 without Location). Transient.
	// Clerk: "d.3 hat unerwartet geantwortet; die Zustellung wird wiederholt."
	ErrProtocol = errors.New("d3: unexpected response")
)

// ambiguityWindow is how long after a create with unknown outcome the
// client refuses to create the same document again unless search finds it.
// d.3 search lags a few seconds behind imports (§5.3).
const ambiguityWindow = time.Minute

// Client is a dms.Target and dms.Pinger for one d.3 repository. It is safe
// for concurrent use.
type Client struct {
	name     string
	cfg      Config
	base     string // base URL without trailing slash
	origin   string // scheme://host[:port], sent as Origin on writes
	sourceID string
	key      Secret
	hc       *http.Client
	log      *slog.Logger
	now      func() time.Time
	getenv   func(string) string

	cats                           []category
	docURL, procPath, procBody, dv *template.Template

	mu      sync.Mutex
	session Secret
	expires time.Time
	logins  int
	pending map[string]time.Time // Document.ID → when a create's outcome became unknown

	locks dms.DocLocks // one delivery per document at a time
}

type category struct {
	Category
	kinds      map[string]bool
	filename   *template.Template
	parentID   *template.Template
	properties []propTemplate
}

type propTemplate struct {
	key string
	tpl *template.Template
}

// Option customises a Client.
type Option func(*Client)

// WithHTTPClient replaces the HTTP client (tests; its transport then owns
// TLS, and ca_file is ignored).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// WithClock sets the time source used for session expiry and the
// ambiguity window.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithGetenv replaces os.Getenv for api_key_env.
func WithGetenv(getenv func(string) string) Option {
	return func(c *Client) { c.getenv = getenv }
}

// New builds a client for the target called name. cfg must have passed
// Validate (New validates again).
func New(name string, cfg Config, opts ...Option) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	u, _ := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	c := &Client{
		name:    name,
		cfg:     cfg,
		base:    strings.TrimRight(cfg.BaseURL, "/"),
		origin:  u.Scheme + "://" + u.Host,
		log:     slog.Default(),
		now:     time.Now,
		pending: make(map[string]time.Time),
	}
	c.getenv = os.Getenv
	for _, o := range opts {
		o(c)
	}
	c.sourceID = cfg.SourceID
	if c.sourceID == "" {
		c.sourceID = "/dms/r/" + cfg.Repository + "/source"
	}
	key, err := cfg.loadAPIKey(c.getenv)
	if err != nil {
		return nil, err
	}
	c.key = key
	if c.hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 4
		tlsCfg, err := netconf.TLS(cfg.CAFile, "", "")
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = tlsCfg
		c.hc = &http.Client{Transport: tr}
	}
	// Templates were checked by Validate; Must cannot fire here.
	c.docURL = template.Must(parseTemplate("document_url", cfg.DocumentURL))
	c.procPath = template.Must(parseTemplate("process.path", cfg.Process.Path))
	c.procBody = template.Must(parseTemplate("process.body", cfg.Process.Body))
	c.dv = template.Must(parseTemplate("process.dms_object_format", cfg.Process.DMSObjectFormat))
	for _, cc := range cfg.Categories {
		cat := category{Category: cc, kinds: map[string]bool{}}
		for _, k := range cc.Kinds {
			cat.kinds[strings.ToLower(k)] = true
		}
		cat.filename = template.Must(parseTemplate("filename", cc.Filename))
		cat.parentID = template.Must(parseTemplate("parent_id", cc.ParentID))
		for k, v := range cc.Properties {
			cat.properties = append(cat.properties, propTemplate{k, template.Must(parseTemplate(k, v))})
		}
		// Stable order keeps requests reproducible.
		sortProps(cat.properties)
		c.cats = append(c.cats, cat)
	}
	return c, nil
}

// Name implements dms.Target.
func (c *Client) Name() string { return c.name }

// Ping implements dms.Pinger: it authenticates and reads the repository.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.call(ctx, request{method: http.MethodGet, path: "/dms/r/" + url.PathEscape(c.cfg.Repository)}, http.StatusOK)
	return err
}

// BodyData is what the process path and body templates see: the document's
// fields plus the d.3 ids.
type BodyData struct {
	*dms.Document
	// DocID is the d.3 document id (e.g. D000000123).
	DocID string
	// Repo is the repository id.
	Repo string
	// ProcessKey is process.key.
	ProcessKey string
	// DMSObject is the dv_attachment value (process.dms_object_format).
	DMSObject string
	// DocURL is Receipt.URL.
	DocURL string
}

// Deliver implements dms.Target. On a failure after the document was
// stored (process start), the returned Receipt already carries Ref.
func (c *Client) Deliver(ctx context.Context, doc *dms.Document) (dms.Receipt, error) {
	rc := dms.Receipt{Target: c.name}
	if doc == nil || doc.ID == "" || strings.ContainsAny(doc.ID, "\"\\") {
		return rc, c.reject(0, "Dokument ohne gültige Kennung (ID)", ErrInvalidDocument)
	}
	fi, err := os.Stat(doc.PDFPath)
	if err != nil || !fi.Mode().IsRegular() {
		return rc, c.reject(0, "PDF-Datei fehlt", fmt.Errorf("%w: %v", ErrInvalidDocument, err))
	}
	if fi.Size() == 0 {
		return rc, c.reject(0, "PDF-Datei ist leer", ErrInvalidDocument)
	}
	// Two deliveries of the same document in this process would both miss
	// in search and both create; serialise them.
	unlock, err := c.locks.Lock(ctx, doc.ID)
	if err != nil {
		return rc, err
	}
	defer unlock()
	cat, ok := c.category(doc.Kind)
	if !ok {
		return rc, c.reject(0, fmt.Sprintf("keine d.3-Kategorie für Dokumentart %q konfiguriert", doc.Kind), ErrNoCategory)
	}
	props, filename, parent, err := c.mapDocument(cat, doc)
	if err != nil {
		return rc, err
	}

	found, err := c.lookup(ctx, cat.Category.Category, doc.ID)
	if err != nil {
		return rc, err
	}
	var instance string
	if found != nil {
		c.clearPending(doc.ID)
		rc.Existing = true
		rc.Ref = found.ID
		instance = found.prop(c.cfg.Process.InstanceProperty)
	} else if err := c.awaitAmbiguity(ctx, cat.Category.Category, doc.ID, &rc, &instance); err != nil {
		return rc, err
	}
	if rc.Ref == "" {
		id, err := c.store(ctx, cat, doc, fi.Size(), props, filename, parent)
		if err != nil {
			return rc, err
		}
		rc.Ref = id
	}
	rc.URL, _ = execute(c.docURL, map[string]string{"Base": c.base, "Repo": c.cfg.Repository, "DocID": rc.Ref})

	if !cat.StartProcess || doc.HoldWorkflow != "" {
		return rc, nil
	}
	if instance != "" {
		rc.Workflow = instance
		return rc, nil
	}
	inst, err := c.startProcess(ctx, doc, rc)
	if err != nil {
		return rc, err
	}
	rc.Workflow = inst
	if p := c.cfg.Process.InstanceProperty; p != "" {
		if err := c.setProperty(ctx, cat.Category.Category, rc.Ref, p, inst); err != nil {
			// The process runs; failing the delivery now would start a
			// second one on retry. The lead's ledger keeps the instance.
			c.log.Warn("d3: could not record process instance on the document",
				"target", c.name, "doc", rc.Ref, "err", err)
		}
	}
	return rc, nil
}

// awaitAmbiguity handles a document whose earlier create had an unknown
// outcome: within ambiguityWindow it must be found by search, or the
// delivery waits (transient error) instead of risking a duplicate.
func (c *Client) awaitAmbiguity(ctx context.Context, cat, id string, rc *dms.Receipt, instance *string) error {
	c.mu.Lock()
	since, ok := c.pending[id]
	if ok && c.now().Sub(since) >= ambiguityWindow {
		delete(c.pending, id)
		ok = false
	}
	c.mu.Unlock()
	if !ok {
		return nil
	}
	found, err := c.pollLookup(ctx, cat, id)
	if err != nil {
		return err
	}
	if found == nil {
		return fmt.Errorf("%w: an earlier create of %.12s may still appear in search", ErrOutcomeUnknown, id)
	}
	c.clearPending(id)
	rc.Ref = found.ID
	*instance = found.prop(c.cfg.Process.InstanceProperty)
	return nil
}

// store uploads the PDF and creates the DMS object. A create without a
// definite answer is resolved by searching for the hash.
func (c *Client) store(ctx context.Context, cat *category, doc *dms.Document, size int64, props []property, filename, parent string) (string, error) {
	loc, err := c.upload(ctx, doc.PDFPath, size)
	if err != nil {
		return "", err
	}
	id, err := c.create(ctx, createBody{
		Filename:           filename,
		SourceID:           c.sourceID,
		SourceCategory:     cat.Category.Category,
		ContentLocationURI: loc,
		ParentID:           parent,
		SourceProperties:   sourceProperties{Properties: props},
	})
	if err == nil {
		c.clearPending(doc.ID)
		return id, nil
	}
	if !ambiguous(err) {
		return "", err
	}
	c.mu.Lock()
	c.pending[doc.ID] = c.now()
	c.mu.Unlock()
	found, lerr := c.pollLookup(ctx, cat.Category.Category, doc.ID)
	if lerr != nil || found == nil {
		return "", fmt.Errorf("%w: create of %.12s: %w", ErrOutcomeUnknown, doc.ID, err)
	}
	c.clearPending(doc.ID)
	return found.ID, nil
}

func (c *Client) clearPending(id string) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// ambiguous reports whether a failed create may nevertheless have stored
// the document: no answer at all, a timeout, an answer we cannot use, or a
// 500/502/504 (a gateway may hide a success behind them). 4xx, 429 and 503
// ("not now") are taken as definite refusals.
func ambiguous(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status >= 500 && se.Status != http.StatusServiceUnavailable
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return false // the request never left
	}
	// No usable answer (including a cancelled context mid-request).
	return true
}

// processAmbiguous reports whether a failed process start may have
// started an instance: no answer at all, or a gateway's 502/504.
func processAmbiguous(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status == http.StatusBadGateway || se.Status == http.StatusGatewayTimeout
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return false
	}
	return !errors.Is(err, ErrUnauthorized) && !errors.Is(err, ErrProtocol)
}

func (c *Client) category(kind string) (*category, bool) {
	for i := range c.cats {
		if c.cats[i].kinds[strings.ToLower(kind)] {
			return &c.cats[i], true
		}
	}
	for i := range c.cats {
		if len(c.cats[i].kinds) == 0 {
			return &c.cats[i], true
		}
	}
	return nil, false
}

// mapDocument evaluates the category's templates for doc.
func (c *Client) mapDocument(cat *category, doc *dms.Document) ([]property, string, string, error) {
	var props []property
	for _, p := range cat.properties {
		v, err := execute(p.tpl, doc)
		if err != nil {
			return nil, "", "", c.reject(0, fmt.Sprintf("Eigenschaft %s: %v", p.key, err), ErrTemplate)
		}
		if v = strings.TrimSpace(v); v != "" {
			props = append(props, property{Key: p.key, Values: []string{v}})
		}
	}
	props = append(props, property{Key: c.cfg.HashProperty, Values: []string{doc.ID}})
	name, err := execute(cat.filename, doc)
	if err != nil {
		return nil, "", "", c.reject(0, fmt.Sprintf("Dateiname: %v", err), ErrTemplate)
	}
	parent, err := execute(cat.parentID, doc)
	if err != nil {
		return nil, "", "", c.reject(0, fmt.Sprintf("Akte (parent_id): %v", err), ErrTemplate)
	}
	return props, pdfName(name, doc), strings.TrimSpace(parent), nil
}

// pdfName makes a file name with a .pdf extension and no path parts.
func pdfName(name string, doc *dms.Document) string {
	name = strings.TrimSpace(name)
	if name == "" {
		name = doc.SourceName
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" || name == "" {
		name = doc.ID
		if len(name) > 16 {
			name = name[:16]
		}
	}
	if ext := filepath.Ext(name); !strings.EqualFold(ext, ".pdf") {
		name = strings.TrimSuffix(name, ext) + ".pdf"
	}
	return name
}

func (c *Client) reject(status int, reason string, err error) error {
	return &dms.RejectedError{Target: c.name, Status: status, Reason: reason, Err: err}
}

// upload sends the file through blob/chunk (§4.1): the first chunk to
// /blob/chunk/, every further chunk to the Location of the first. Chunks
// are read from disk as they are sent.
func (c *Client) upload(ctx context.Context, file string, size int64) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", c.reject(0, "PDF-Datei nicht lesbar", fmt.Errorf("%w: %v", ErrInvalidDocument, err))
	}
	defer f.Close()
	chunk := c.cfg.ChunkSize
	first := min(size, chunk)
	resp, err := c.call(ctx, request{
		method: http.MethodPost, path: "/dms/r/" + url.PathEscape(c.cfg.Repository) + "/blob/chunk/",
		contentType: "application/octet-stream", write: true,
		body: section(f, 0, first),
	}, http.StatusCreated, http.StatusOK)
	if err != nil {
		return "", fmt.Errorf("blob upload: %w", err)
	}
	loc := resp.header.Get("Location")
	if loc == "" {
		return "", fmt.Errorf("%w: blob/chunk answered %d without Location", ErrProtocol, resp.status)
	}
	for off := first; off < size; off += chunk {
		n := min(chunk, size-off)
		if _, err := c.call(ctx, request{
			method: http.MethodPost, path: loc, contentType: "application/octet-stream", write: true,
			body: section(f, off, n),
		}); err != nil {
			return "", fmt.Errorf("blob upload at %d: %w", off, err)
		}
	}
	return loc, nil
}

func section(f *os.File, off, n int64) func() (io.Reader, int64) {
	return func() (io.Reader, int64) { return io.NewSectionReader(f, off, n), n }
}

type property struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
}

type sourceProperties struct {
	Properties []property `json:"properties"`
}

type createBody struct {
	Filename           string           `json:"filename,omitempty"`
	SourceID           string           `json:"sourceId"`
	SourceCategory     string           `json:"sourceCategory,omitempty"`
	ContentLocationURI string           `json:"contentLocationUri,omitempty"`
	ParentID           string           `json:"parentId,omitempty"`
	AlterationText     string           `json:"alterationText,omitempty"`
	SourceProperties   sourceProperties `json:"sourceProperties"`
}

// create posts o2m (§4.2) and returns the new document id.
func (c *Client) create(ctx context.Context, body createBody) (string, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	resp, err := c.call(ctx, request{
		method: http.MethodPost, path: "/dms/r/" + url.PathEscape(c.cfg.Repository) + "/o2m",
		contentType: "application/hal+json", write: true, body: bytesBody(b),
	}, http.StatusCreated, http.StatusOK)
	if err != nil {
		return "", fmt.Errorf("create: %w", err)
	}
	id := idFromLocation(resp.header.Get("Location"))
	if id == "" {
		// Stored, but we cannot tell the id: the hash search will.
		return "", fmt.Errorf("%w: o2m answered %d without a usable Location", ErrProtocol, resp.status)
	}
	return id, nil
}

// idFromLocation takes the last path segment before the query (§4.2).
func idFromLocation(loc string) string {
	if i := strings.IndexAny(loc, "?#"); i >= 0 {
		loc = loc[:i]
	}
	loc = strings.TrimRight(loc, "/")
	id := loc[strings.LastIndex(loc, "/")+1:]
	if s, err := url.PathUnescape(id); err == nil {
		id = s
	}
	return id
}

// setProperty changes one property with PUT o2m (§7).
func (c *Client) setProperty(ctx context.Context, cat, docID, key, value string) error {
	b, err := json.Marshal(createBody{
		SourceID:         c.sourceID,
		SourceCategory:   cat,
		AlterationText:   "eingang: Prozess gestartet",
		SourceProperties: sourceProperties{Properties: []property{{Key: key, Values: []string{value}}}},
	})
	if err != nil {
		return err
	}
	_, err = c.call(ctx, request{
		method: http.MethodPut, path: "/dms/r/" + url.PathEscape(c.cfg.Repository) + "/o2m/" + url.PathEscape(docID),
		contentType: "application/hal+json", write: true, body: bytesBody(b),
	})
	return err
}

// startProcess sends the configured process-start request (§9.2) and
// returns the instance reference (Location, else an "id" in the body).
func (c *Client) startProcess(ctx context.Context, doc *dms.Document, rc dms.Receipt) (string, error) {
	data := BodyData{Document: doc, DocID: rc.Ref, Repo: c.cfg.Repository, ProcessKey: c.cfg.Process.Key, DocURL: rc.URL}
	var err error
	if data.DMSObject, err = execute(c.dv, data); err != nil {
		return "", c.reject(0, fmt.Sprintf("process.dms_object_format: %v", err), ErrTemplate)
	}
	p, err := execute(c.procPath, data)
	if err != nil {
		return "", c.reject(0, fmt.Sprintf("process.path: %v", err), ErrTemplate)
	}
	body, err := execute(c.procBody, data)
	if err != nil {
		return "", c.reject(0, fmt.Sprintf("process.body: %v", err), ErrTemplate)
	}
	if !json.Valid([]byte(body)) {
		return "", c.reject(0, "process.body ergibt kein gültiges JSON", ErrTemplate)
	}
	resp, err := c.call(ctx, request{
		method: c.cfg.Process.Method, path: p, contentType: "application/json", accept: "application/json",
		write: true, body: bytesBody([]byte(body)),
	}, c.cfg.Process.SuccessStatus)
	if err != nil {
		var re *dms.RejectedError
		if errors.As(err, &re) {
			re.Reason = "Rechnungsworkflow: " + re.Reason
		} else if processAmbiguous(err) && c.cfg.Process.OnUnknownOutcome != "retry" {
			// No way to ask whether the instance exists (§9.2 [U]): a
			// person checks instead of a retry that might start it twice.
			return "", c.reject(0, fmt.Sprintf("Rechnungsworkflow: Start nicht bestätigt (keine Antwort von d.3). "+
				"Bitte in der Prozessverwaltung prüfen, ob der Workflow für Dokument %s läuft, und ihn sonst von Hand starten.", rc.Ref),
				fmt.Errorf("%w: process start: %w", ErrOutcomeUnknown, err))
		}
		return "", fmt.Errorf("process start: %w", err)
	}
	if loc := resp.header.Get("Location"); loc != "" {
		return loc, nil
	}
	var v struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(resp.body, &v) == nil && v.ID != "" {
		return v.ID, nil
	}
	return "", fmt.Errorf("%w: process start answered %d without Location or id", ErrProtocol, resp.status)
}

// String keeps %v of a Client free of credentials (fmt cannot see the
// redacting methods of unexported fields).
func (c *Client) String() string { return "d3.Client(" + c.name + ", " + c.base + ")" }

// LogValue implements slog.LogValuer for the same reason.
func (c *Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("target", c.name), slog.String("base_url", c.base))
}
