package d3

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/template"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eingang/eingang/internal/netconf"
)

// Config is the `options` block of a target of type d3.
//
// Defaults (see Defaults): auth "api_key", chunk_size 8 MiB, timeout 60 s,
// lookup_wait 5 s, process method POST, path
// "/process/processes/{{.ProcessKey}}/instances", success status 201 and a
// body carrying dv_attachment plus the invoice variables.
type Config struct {
	// BaseURL is systemBaseUri, e.g. https://tenant.d-velop.cloud or the
	// d.ecs http gateway of an on-prem d.3one. A trailing slash is ignored.
	BaseURL string `yaml:"base_url"`
	// Repository is the repository id (a UUID).
	Repository string `yaml:"repository"`
	// SourceID selects the key space of categories and properties; empty
	// means the default source /dms/r/{repository}/source.
	SourceID string `yaml:"source_id"`
	// Auth is "api_key" (the key itself is the Bearer token) or "session"
	// (the key is exchanged at /identityprovider/login for an AuthSessionId;
	// a 401 triggers one re-login).
	Auth string `yaml:"auth"`
	// APIKeyFile names a file holding the API key (trailing newline ignored).
	APIKeyFile string `yaml:"api_key_file"`
	// APIKeyEnv names an environment variable holding the API key; used when
	// api_key_file is empty.
	APIKeyEnv string `yaml:"api_key_env"`
	// CAFile is a PEM bundle trusted in addition to the system roots
	// (municipal gateways often use an internal CA).
	CAFile string `yaml:"ca_file"`
	// Timeout bounds every single HTTP request.
	Timeout time.Duration `yaml:"timeout"`
	// ChunkSize is the largest piece sent per blob/chunk request; larger
	// files are sent in several chunks, streamed from disk.
	ChunkSize int64 `yaml:"chunk_size"`
	// HashProperty is the property key (in every configured category) that
	// holds Document.ID, the SHA-256 used to find a document again.
	HashProperty string `yaml:"hash_property"`
	// LookupWait is how long the client keeps searching for a document
	// after a create whose outcome is unknown, because d.3 search lags
	// behind imports by a few seconds.
	LookupWait time.Duration `yaml:"lookup_wait"`
	// Categories map a document kind to a d.3 category and its properties.
	// The first entry whose kinds contain Document.Kind wins; an entry
	// without kinds is the fallback.
	Categories []Category `yaml:"categories"`
	// Process describes how the Rechnungsworkflow is started.
	Process Process `yaml:"process"`
	// DocumentURL is a template for Receipt.URL over .Base, .Repo, .DocID.
	DocumentURL string `yaml:"document_url"`
}

// Category is one category mapping.
type Category struct {
	// Kinds are the Document.Kind values this mapping applies to
	// (case-insensitive); empty means any kind.
	Kinds []string `yaml:"kinds"`
	// Category is the source category key (e.g. DRECH or a UUID).
	Category string `yaml:"category"`
	// Filename is a template for the stored file name; ".pdf" is enforced.
	Filename string `yaml:"filename"`
	// ParentID is an optional template naming a dossier to file into.
	ParentID string `yaml:"parent_id"`
	// Properties maps a property key to a text/template over the document
	// (.ID, .SourceName, .Profile, .Kind, .Route, .Pages, .Received,
	// .Metadata.invoice_number …). Empty results are not sent.
	Properties map[string]string `yaml:"properties"`
	// StartProcess starts the configured process for documents of this
	// category.
	StartProcess bool `yaml:"start_process"`
}

// Process is the process-start request. It differs between installations,
// so everything that §9.2 of d3-api.md could only infer is configurable.
type Process struct {
	// Key is the process key or id (processKey in the path template).
	Key string `yaml:"key"`
	// Method is the HTTP method.
	Method string `yaml:"method"`
	// Path is a template for the request path below base_url.
	Path string `yaml:"path"`
	// Body is a template for the JSON body; see BodyData for its fields and
	// the functions json, jsonnum, num, date.
	Body string `yaml:"body"`
	// SuccessStatus is the status that means "started".
	SuccessStatus int `yaml:"success_status"`
	// DMSObjectFormat is a template for the dv_attachment value over .Repo
	// and .DocID.
	DMSObjectFormat string `yaml:"dms_object_format"`
	// InstanceProperty is an optional property key in which the client
	// records the process instance on the document (PUT o2m), so that a
	// re-delivery of a stored document starts no second process. Without
	// it, a document found by its hash gets a process started again.
	InstanceProperty string `yaml:"instance_property"`
	// OnUnknownOutcome decides what a process start without an answer
	// (lost connection, timeout, 502/504) leads to: "reject" (default)
	// sends the document to error/ with a note to check the process
	// administration, because there is no documented way to find out
	// whether the instance was created; "retry" retries and accepts a
	// possible second instance.
	OnUnknownOutcome string `yaml:"on_unknown_outcome"`
}

// DefaultProcessBody is the default process-start body (§9.2 of
// d3-api.md, inferred). Variable names must match the BPMN declarations.
const DefaultProcessBody = `{"variables":{` +
	`"dv_attachment":{{json .DMSObject}},` +
	`"amount":{{jsonnum .Metadata.grand_total}},` +
	`"creditor":{{json .Metadata.seller_name}},` +
	`"invoiceNumber":{{json .Metadata.invoice_number}},` +
	`"dueDate":{{json (date .Metadata.due_date)}},` +
	`"leitwegId":{{json .Metadata.buyer_reference}},` +
	`"office":{{json .Route}}}}`

// Defaults returns a Config with every default filled in and no
// installation-specific values.
func Defaults() Config {
	return Config{
		Auth:        "api_key",
		Timeout:     60 * time.Second,
		ChunkSize:   8 << 20,
		LookupWait:  5 * time.Second,
		DocumentURL: "{{.Base}}/dms/r/{{.Repo}}/o2m/{{.DocID}}",
		Process: Process{
			Method:           http.MethodPost,
			Path:             "/process/processes/{{.ProcessKey}}/instances",
			Body:             DefaultProcessBody,
			SuccessStatus:    http.StatusCreated,
			OnUnknownOutcome: "reject",
			DMSObjectFormat:  "dmsObject:///dms/r/{{.Repo}}/o2/{{.DocID}}",
		},
	}
}

// DecodeConfig decodes the options node of a d3 target over Defaults. It
// does not validate.
func DecodeConfig(n *yaml.Node) (Config, error) {
	c := Defaults()
	if n == nil || n.Kind == 0 {
		return c, nil
	}
	if err := n.Decode(&c); err != nil {
		return c, fmt.Errorf("d3 options: %w", err)
	}
	return c, nil
}

// Validate checks the configuration; messages name the key.
func (c Config) Validate() error {
	var errs []error
	add := func(key, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, a...)))
	}
	if c.BaseURL == "" {
		add("base_url", "must be set")
	} else if u, err := url.Parse(c.BaseURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		add("base_url", "must be an absolute http(s) URL")
	} else if u.Scheme == "http" && !netconf.IsLoopback(u.Hostname()) {
		add("base_url", "must be https (plain http only for localhost)")
	}
	if c.Repository == "" {
		add("repository", "must be set")
	} else if strings.ContainsAny(c.Repository, "/?#% ") {
		add("repository", "must be a plain repository id")
	}
	switch c.Auth {
	case "api_key", "session":
	default:
		add("auth", "must be api_key or session, not %q", c.Auth)
	}
	if c.APIKeyFile == "" && c.APIKeyEnv == "" {
		add("api_key_file", "api_key_file or api_key_env must be set")
	}
	if c.CAFile != "" {
		if _, err := os.Stat(c.CAFile); err != nil {
			add("ca_file", "cannot read: %v", err)
		}
	}
	if c.Timeout <= 0 {
		add("timeout", "must be positive")
	}
	if c.ChunkSize < 64<<10 {
		add("chunk_size", "must be at least 65536")
	}
	if c.HashProperty == "" {
		add("hash_property", "must be set (property key holding the document hash)")
	}
	if c.LookupWait < 0 {
		add("lookup_wait", "must not be negative")
	}
	if len(c.Categories) == 0 {
		add("categories", "at least one category mapping is needed")
	}
	needProcess := false
	for i, cat := range c.Categories {
		key := fmt.Sprintf("categories[%d]", i)
		if cat.Category == "" {
			add(key+".category", "must be set")
		}
		for _, tpl := range []struct{ name, text string }{{"filename", cat.Filename}, {"parent_id", cat.ParentID}} {
			if _, err := parseTemplate(tpl.name, tpl.text); err != nil {
				add(key+"."+tpl.name, "%v", err)
			}
		}
		for k, v := range cat.Properties {
			if k == c.HashProperty {
				add(key+".properties."+k, "is the hash_property, which the client sets itself")
			}
			if _, err := parseTemplate(k, v); err != nil {
				add(key+".properties."+k, "%v", err)
			}
		}
		needProcess = needProcess || cat.StartProcess
	}
	if _, err := parseTemplate("document_url", c.DocumentURL); err != nil {
		add("document_url", "%v", err)
	}
	if needProcess {
		p := c.Process
		if p.Key == "" {
			add("process.key", "must be set when a category has start_process")
		}
		if p.Method == "" || strings.ToUpper(p.Method) != p.Method {
			add("process.method", "must be an upper-case HTTP method")
		}
		if !strings.HasPrefix(p.Path, "/") {
			add("process.path", "must start with /")
		}
		if p.OnUnknownOutcome != "" && p.OnUnknownOutcome != "reject" && p.OnUnknownOutcome != "retry" {
			add("process.on_unknown_outcome", "must be reject or retry, not %q", p.OnUnknownOutcome)
		}
		if p.SuccessStatus < 200 || p.SuccessStatus > 299 {
			add("process.success_status", "must be a 2xx status")
		}
		for _, tpl := range []struct{ name, text string }{{"path", p.Path}, {"body", p.Body}, {"dms_object_format", p.DMSObjectFormat}} {
			if _, err := parseTemplate(tpl.name, tpl.text); err != nil {
				add("process."+tpl.name, "%v", err)
			}
		}
	}
	return errors.Join(errs...)
}

// Secret holds a credential (API key, session id). Its String, GoString,
// LogValue and MarshalText methods never reveal the value, so a Secret that
// ends up in a log line or an error message stays redacted.
type Secret string

const redacted = "[redacted]"

// String implements fmt.Stringer.
func (Secret) String() string { return redacted }

// GoString implements fmt.GoStringer (%#v).
func (Secret) GoString() string { return redacted }

// LogValue implements slog.LogValuer.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText keeps secrets out of JSON and YAML dumps.
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Reveal returns the value for use on the wire.
func (s Secret) Reveal() string { return string(s) }

// loadAPIKey reads the key from api_key_file or api_key_env.
func (c Config) loadAPIKey(getenv func(string) string) (Secret, error) {
	v, err := netconf.Secret{Key: "api_key", File: c.APIKeyFile, Env: c.APIKeyEnv}.Read(getenv)
	return Secret(v), err
}

func parseTemplate(name, text string) (*template.Template, error) {
	return template.New(name).Option("missingkey=zero").Funcs(funcs).Parse(text)
}
