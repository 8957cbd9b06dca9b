// Package config loads eingang's one YAML configuration file, applies
// environment overrides and validates the result with messages that name
// the offending key.
package config

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eingang/eingang/internal/classify"
	"github.com/eingang/eingang/internal/netconf"
	"github.com/eingang/eingang/internal/ocr"
	"github.com/eingang/eingang/internal/sign"
)

// EnvPrefix starts every environment override: EINGANG_HTTP_ADDR overrides
// http.addr, EINGANG_PROFILES_0_FOLDER the folder of the first profile and
// EINGANG_TARGETS_ARCHIVE_DIR the dir of the target named "archive".
const EnvPrefix = "EINGANG"

// Config is the whole configuration.
type Config struct {
	// Instance names this installation in logs, metrics and Transfervermerke.
	Instance string     `yaml:"instance"`
	Paths    Paths      `yaml:"paths"`
	HTTP     HTTP       `yaml:"http"`
	Redis    Redis      `yaml:"redis"`
	Journal  Journal    `yaml:"journal"`
	Intake   Intake     `yaml:"intake"`
	Workers  Workers    `yaml:"workers"`
	OCR      ocr.Config `yaml:"ocr"`
	Log      Log        `yaml:"log"`
	// Sign is the key that seals scans of profiles with sign: true
	// (PAdES, loaded once at start).
	Sign sign.Config `yaml:"sign"`
	// Classification configures kinds, routes (Postverteilung) and the
	// learned model.
	Classification classify.Config `yaml:"classification"`
	// Targets are the places documents are delivered to, by name.
	Targets map[string]Target `yaml:"targets"`
	// Profiles are the hot folders and how their documents are handled.
	Profiles []Profile `yaml:"profiles"`
	// Mail lists the IMAP mailboxes read as intake channels.
	Mail Mail `yaml:"mail"`
}

// Paths are the folders eingang owns. Work, Done and Error must be on the
// same filesystem as the inboxes, so that claiming and finishing are atomic
// renames.
type Paths struct {
	Work  string `yaml:"work"`
	Done  string `yaml:"done"`
	Error string `yaml:"error"`
}

// HTTP configures the single listener for API, metrics and the queue UI.
type HTTP struct {
	// Addr is host:port of the listener of every role (serve, watch,
	// work); empty switches the listener off.
	Addr string `yaml:"addr"`
	// API serves the documents API, the status page and the queue UI next
	// to /healthz, /readyz and /metrics (default true). false leaves only
	// those three, for a role whose listener is only probed and scraped:
	// the API then is one Deployment's or one unit's, with its own users.
	API bool `yaml:"api"`
	// Users may call the API and open the UI; empty means no authentication
	// (only acceptable on a loopback address, see Validate).
	Users []User `yaml:"users"`
	// MonitoringReadOnly hides the UI's buttons that change the queue.
	MonitoringReadOnly bool `yaml:"monitoring_read_only"`
	// AllowAnonymous must be set to run without users on a non-loopback
	// address; it exists so that nobody does that by accident.
	AllowAnonymous bool `yaml:"allow_anonymous"`
	// TrustedHeader names the header (X-Remote-User) in which an
	// authenticating reverse proxy (the municipal SSO) passes the user
	// name; the user's roles come from the users entry of that name.
	// Empty (the default) turns it off.
	TrustedHeader string `yaml:"trusted_header"`
	// TrustedProxies are the addresses (IPs or CIDRs) whose requests may
	// carry TrustedHeader; from anywhere else the header is ignored.
	TrustedProxies []string `yaml:"trusted_proxies"`
}

// User is one account for basic authentication.
type User struct {
	Name string `yaml:"name"`
	// BcryptHash is the bcrypt hash of the password (htpasswd -nbB).
	BcryptHash string `yaml:"bcrypt_hash"`
	// Roles grant what the user may do: viewer, clerk, upload, operator,
	// admin. Empty keeps the behaviour of configs written before roles
	// existed: viewer and operator.
	Roles []string `yaml:"roles"`
}

// Redis selects the queue's Redis. With URL and ClusterAddrs empty an
// embedded in-memory Redis is started, which is not durable.
type Redis struct {
	// URL as understood by asynq: redis://, rediss://, redis-socket://,
	// redis-sentinel://.
	URL string `yaml:"url"`
	// ClusterAddrs selects Redis Cluster instead of URL.
	ClusterAddrs []string `yaml:"cluster_addrs"`
	// PasswordFile, when set, holds the password (kept out of the URL).
	PasswordFile string `yaml:"password_file"`
}

// Embedded reports whether the embedded in-memory Redis is used.
func (r Redis) Embedded() bool { return r.URL == "" && len(r.ClusterAddrs) == 0 }

// Journal selects where document states and events are kept.
type Journal struct {
	// Driver is "sqlite" (embedded default) or "postgres" (several nodes).
	Driver string `yaml:"driver"`
	// DSN is the database file for sqlite, a postgres://… URL or
	// keyword/value string for postgres.
	DSN string `yaml:"dsn"`
	// PasswordFile or PasswordEnv hold the postgres password, kept out of
	// the DSN (and so out of logs); both empty: the DSN's or none.
	PasswordFile string `yaml:"password_file"`
	PasswordEnv  string `yaml:"password_env"`
	// KeepEvents is how long the events of finished documents are kept;
	// the document records stay. 0 keeps everything.
	KeepEvents time.Duration `yaml:"keep_events"`
}

// Intake configures the hot-folder watchers.
type Intake struct {
	// StabilityDelay: a file is taken only after its size and mtime stayed
	// unchanged this long.
	StabilityDelay time.Duration `yaml:"stability_delay"`
	// RescanInterval: full directory listings, the source of truth (network
	// shares deliver no change events).
	RescanInterval time.Duration `yaml:"rescan_interval"`
	// MaxFileSize refuses larger files (moved to error/ with a reason).
	MaxFileSize int64 `yaml:"max_file_size"`
	// AfterSuccess is "move" (to done/YYYY-MM-DD/) or "delete".
	AfterSuccess string `yaml:"after_success"`
	// IgnorePatterns are extra shell patterns of names to leave alone, on top
	// of hidden files, *.tmp, *.part and ~$*.
	IgnorePatterns []string `yaml:"ignore_patterns"`
	// Soffice configures the LibreOffice conversion of Word, ODT and RTF
	// documents to PDF.
	Soffice Soffice `yaml:"soffice"`
}

// Soffice configures LibreOffice in headless mode, which converts office
// documents to PDF at ingest.
type Soffice struct {
	// Path is the soffice binary, a path or a name looked up in PATH.
	Path string `yaml:"path"`
	// Timeout bounds one conversion; soffice is killed after it and the
	// step retried later.
	Timeout time.Duration `yaml:"timeout"`
}

// Workers configures the asynq workers.
type Workers struct {
	// Concurrency is the number of tasks run at once; 0 means one per core.
	Concurrency int `yaml:"concurrency"`
	// RetryWindow is how long transient failures (DMS down) are retried
	// before a document goes to error/.
	RetryWindow time.Duration `yaml:"retry_window"`
	// MaxRetryDelay caps the exponential backoff between attempts.
	MaxRetryDelay time.Duration `yaml:"max_retry_delay"`
	// ShutdownTimeout lets running tasks finish on SIGTERM.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// StepTimeout bounds one step of one document.
	StepTimeout time.Duration `yaml:"step_timeout"`
}

// Log configures structured logging.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// Target is one delivery destination. Type selects which block applies.
type Target struct {
	// Type is archive, d3 or fabasoft.
	Type string `yaml:"type"`
	// Dir is the archive folder (type archive).
	Dir string `yaml:"dir"`
	// Options holds the settings of d3 and fabasoft targets; their packages
	// decode and validate it.
	Options yaml.Node `yaml:"options"`
	// Optional lets the service start when this target cannot be built
	// (for example its API key variable is unset, as in a demo without the
	// DMS): the error is logged as a warning and every profile that
	// delivers to it is disabled, so its hot folder is not read and files
	// wait there. Off by default: a production target that cannot be built
	// stops the start with a message naming the key.
	Optional bool `yaml:"optional"`
}

// Profile is one hot folder and how its documents are handled.
type Profile struct {
	Name   string `yaml:"name"`
	Folder string `yaml:"folder"`
	// Kind is post (letters), rechnung (invoices) or auto (classify).
	Kind   string `yaml:"kind"`
	Target string `yaml:"target"`
	// Metadata are default values handed to the target (e.g. office).
	Metadata map[string]string `yaml:"metadata"`
	// InvalidEInvoice is "deliver" (flagged with its report, the default:
	// the Kämmerei must reject it formally) or "error".
	InvalidEInvoice string `yaml:"invalid_einvoice"`
	// Sign seals every scan of this profile (PAdES) before delivery; a
	// failure to sign is an error, never an unsigned delivery.
	Sign bool `yaml:"sign"`
	// ScanProtocol, when set, embeds a Transfervermerk (BSI TR-RESISCAN)
	// into every scan of this profile.
	ScanProtocol *ScanProtocol `yaml:"scan_protocol"`
	// Batch, when set, splits each file of the profile into documents.
	Batch *Batch `yaml:"batch"`
	// Create creates the profile's folders at start when they are missing;
	// without it a missing folder is an error, because a mistyped folder
	// would otherwise be created silently and files dropped into the real
	// one would wait forever.
	Create bool `yaml:"create"`
}

// ScanProtocol describes the scan station for the Transfervermerk.
type ScanProtocol struct {
	// Operator is the person responsible (name or pseudonym), never only
	// the organisation.
	Operator         string `yaml:"operator"`
	OrgUnit          string `yaml:"org_unit"`
	OrgAddress       string `yaml:"org_address"`
	Scanner          string `yaml:"scanner"`
	ScannerInventory string `yaml:"scanner_inventory"`
	Workstation      string `yaml:"workstation"`
	// Procedure and ProcedureVersion name the Verfahrensdokumentation.
	Procedure        string `yaml:"procedure"`
	ProcedureVersion string `yaml:"procedure_version"`
	DPI              int    `yaml:"dpi"`
	// ColourMode is bw, gray or color.
	ColourMode string `yaml:"colour_mode"`
	Duplex     bool   `yaml:"duplex"`
}

// Default returns the configuration used for keys the file leaves out.
func Default() Config {
	return Config{
		Instance: "eingang",
		Paths:    Paths{Work: "var/work", Done: "var/done", Error: "var/error"},
		HTTP:     HTTP{Addr: "127.0.0.1:8080", API: true, MonitoringReadOnly: false},
		Journal:  Journal{Driver: "sqlite", DSN: "var/journal.db"},
		Intake: Intake{
			StabilityDelay: 2 * time.Second,
			RescanInterval: 30 * time.Second,
			MaxFileSize:    500 << 20,
			AfterSuccess:   "move",
			Soffice:        Soffice{Path: "soffice", Timeout: 2 * time.Minute},
		},
		Workers: Workers{
			RetryWindow:     24 * time.Hour,
			MaxRetryDelay:   10 * time.Minute,
			ShutdownTimeout: 30 * time.Second,
			StepTimeout:     30 * time.Minute,
		},
		OCR:            ocr.Defaults(),
		Log:            Log{Level: "info", Format: "text"},
		Classification: classify.Defaults(),
		Sign:           sign.Defaults(),
	}
}

// Load reads the file at path, applies defaults for missing keys and the
// environment overrides from environ (os.Environ() in production), and
// validates the result. Relative paths in the file stay relative to the
// working directory, so that one config works wherever eingang is started.
// Problems in the file name the key, the file and the line.
func Load(path string, environ []string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return parse(data, path, environ)
}

// Parse is Load on bytes; its messages name lines but no file.
func Parse(data []byte, environ []string) (*Config, error) {
	return parse(data, "", environ)
}

func parse(data []byte, name string, environ []string) (*Config, error) {
	cfg := Default()
	if err := decodeYAML(data, name, &cfg); err != nil {
		return nil, err
	}
	if err := applyEnv(&cfg, environ); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := checkMailEnv(&cfg, environ); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// ValidationError lists every problem found, each naming its key.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	return "config: " + strings.Join(e.Problems, "; ")
}

// Validate checks the configuration and returns a *ValidationError naming
// every bad key.
func (c *Config) Validate() error {
	var p []string
	add := func(key, format string, args ...any) {
		p = append(p, key+": "+fmt.Sprintf(format, args...))
	}
	if c.Paths.Work == "" {
		add("paths.work", "must be set")
	}
	if c.Paths.Done == "" {
		add("paths.done", "must be set")
	}
	if c.Paths.Error == "" {
		add("paths.error", "must be set")
	}
	// An empty http.addr switches the listener off (no probes, no
	// metrics); anything else must be host:port.
	if c.HTTP.Addr != "" && !strings.Contains(c.HTTP.Addr, ":") {
		add("http.addr", "must be host:port (or empty for no listener), got %q", c.HTTP.Addr)
	}
	for i, u := range c.HTTP.Users {
		key := fmt.Sprintf("http.users[%d]", i)
		if u.Name == "" {
			add(key+".name", "must be set")
		}
		if !strings.HasPrefix(u.BcryptHash, "$2") {
			add(key+".bcrypt_hash", "must be a bcrypt hash ($2a$/$2b$/$2y$…), not a plain password")
		}
		for j, r := range u.Roles {
			if !slices.Contains(KnownRoles, r) {
				add(fmt.Sprintf("%s.roles[%d]", key, j), "unknown role %q (known: %s)", r, strings.Join(KnownRoles, ", "))
			}
		}
	}
	// Health, readiness and metrics are open on every address (probes and
	// scrapers carry no password); only the API needs users.
	if len(c.HTTP.Users) == 0 && !c.HTTP.AllowAnonymous && c.HTTP.API && c.HTTP.Addr != "" && !netconf.IsLoopback(c.HTTP.Addr) {
		add("http.users", "must list at least one user when http.addr %q is not a loopback address (or set http.allow_anonymous)", c.HTTP.Addr)
	}
	c.validateTrustedHeader(add)
	if c.Redis.URL != "" && len(c.Redis.ClusterAddrs) > 0 {
		add("redis.cluster_addrs", "set either redis.url or redis.cluster_addrs, not both")
	}
	if c.Redis.URL != "" && !regexp.MustCompile(`^(redis|rediss|redis-socket|redis-sentinel)://`).MatchString(c.Redis.URL) {
		add("redis.url", "must start with redis://, rediss://, redis-socket:// or redis-sentinel://")
	}
	c.Journal.validate(add)
	if c.Intake.StabilityDelay < 0 {
		add("intake.stability_delay", "must not be negative")
	}
	if c.Intake.RescanInterval < 100*time.Millisecond {
		add("intake.rescan_interval", "must be at least 100ms, got %s", c.Intake.RescanInterval)
	}
	if c.Intake.MaxFileSize <= 0 {
		add("intake.max_file_size", "must be positive")
	}
	if c.Intake.AfterSuccess != "move" && c.Intake.AfterSuccess != "delete" {
		add("intake.after_success", "must be move or delete, got %q", c.Intake.AfterSuccess)
	}
	if strings.TrimSpace(c.Intake.Soffice.Path) == "" {
		add("intake.soffice.path", "must name the LibreOffice binary (default soffice)")
	}
	if c.Intake.Soffice.Timeout < time.Second {
		add("intake.soffice.timeout", "must be at least 1s, got %s", c.Intake.Soffice.Timeout)
	}
	for i, pat := range c.Intake.IgnorePatterns {
		if _, err := filepath.Match(pat, "x"); err != nil {
			add(fmt.Sprintf("intake.ignore_patterns[%d]", i), "bad pattern %q: %v", pat, err)
		}
	}
	if c.Workers.Concurrency < 0 {
		add("workers.concurrency", "must not be negative")
	}
	if c.Workers.RetryWindow < time.Minute {
		add("workers.retry_window", "must be at least 1m, got %s", c.Workers.RetryWindow)
	}
	if c.Workers.MaxRetryDelay <= 0 {
		add("workers.max_retry_delay", "must be positive")
	}
	if c.Workers.StepTimeout <= 0 {
		add("workers.step_timeout", "must be positive")
	}
	if c.OCR.Languages == "" {
		add("ocr.languages", "must name at least one Tesseract language, e.g. deu")
	} else if !regexp.MustCompile(`^[A-Za-z_]+(\+[A-Za-z_]+)*$`).MatchString(c.OCR.Languages) {
		add("ocr.languages", "must look like deu or deu+eng, got %q", c.OCR.Languages)
	}
	if err := c.OCR.Validate(); err != nil {
		add("ocr", "%v", err)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level", "must be debug, info, warn or error, got %q", c.Log.Level)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		add("log.format", "must be text or json, got %q", c.Log.Format)
	}
	if c.Sign.PKCS12 != "" || c.Sign.PKCS11.Module != "" {
		if err := c.Sign.Validate(); err != nil {
			add("sign", "%v", err)
		}
		// A key file that is not there would only surface when the first
		// scan is sealed; refuse the start instead.
		for _, f := range []struct{ key, path string }{{"sign.pkcs12", c.Sign.PKCS12}, {"sign.password_file", c.Sign.PasswordFile}} {
			key, path := f.key, f.path
			if path == "" {
				continue
			}
			if _, err := os.Stat(path); err != nil {
				add(key, "cannot read %s: %v", path, errors.Unwrap(err))
			}
		}
	}
	if err := c.Classification.Validate(); err != nil {
		add("classification", "%v", err)
	}
	routeNames := make([]string, 0, len(c.Classification.Routes))
	for n := range c.Classification.Routes {
		routeNames = append(routeNames, n)
	}
	sort.Strings(routeNames)
	for _, n := range routeNames {
		if t := c.Classification.Routes[n].Target; t != "" {
			if _, ok := c.Targets[t]; !ok {
				add("classification.routes."+n+".target", "unknown target %q", t)
			}
		}
	}
	if len(c.Targets) == 0 {
		add("targets", "must define at least one target")
	}
	names := make([]string, 0, len(c.Targets))
	for n := range c.Targets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t := c.Targets[n]
		key := "targets." + n
		switch t.Type {
		case "archive":
			if t.Dir == "" {
				add(key+".dir", "must be set for an archive target")
			}
		case "d3", "fabasoft":
			if t.Options.Kind == 0 {
				add(key+".options", "must hold the %s settings", t.Type)
			}
		case "":
			add(key+".type", "must be set (archive, d3 or fabasoft)")
		default:
			add(key+".type", "unknown target type %q (archive, d3 or fabasoft)", t.Type)
		}
	}
	if len(c.Profiles) == 0 {
		add("profiles", "must define at least one profile")
	}
	seenName := map[string]bool{}
	seenFolder := map[string]string{}
	for i, pr := range c.Profiles {
		key := profileKey(i, pr.Name)
		switch {
		case pr.Name == "":
			add(key+".name", "must be set")
		case !regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`).MatchString(pr.Name):
			add(key+".name", "must be lower-case letters, digits, - or _, got %q", pr.Name)
		case seenName[pr.Name]:
			add(key+".name", "duplicate profile name %q", pr.Name)
		}
		seenName[pr.Name] = true
		if pr.Folder == "" {
			add(key+".folder", "must be set")
		} else {
			clean := filepath.Clean(pr.Folder)
			if other, ok := seenFolder[clean]; ok {
				add(key+".folder", "is also the folder of profile %q", other)
			}
			seenFolder[clean] = pr.Name
			for _, own := range []struct{ k, v string }{{"paths.work", c.Paths.Work}, {"paths.done", c.Paths.Done}, {"paths.error", c.Paths.Error}} {
				if own.v != "" && within(clean, filepath.Clean(own.v)) {
					add(key+".folder", "must not be inside or contain %s (%s): files would be picked up again", own.k, own.v)
				}
			}
		}
		switch pr.Kind {
		case "post", "rechnung", "auto":
		default:
			add(key+".kind", "must be post, rechnung or auto, got %q", pr.Kind)
		}
		if pr.Target == "" {
			add(key+".target", "must name a target")
		} else if _, ok := c.Targets[pr.Target]; !ok {
			add(key+".target", "unknown target %q (defined: %s)", pr.Target, strings.Join(names, ", "))
		}
		if pr.Sign && c.Sign.PKCS12 == "" && c.Sign.PKCS11.Module == "" {
			add(key+".sign", "needs a key: set sign.pkcs12 (or sign.pkcs11)")
		}
		if sp := pr.ScanProtocol; sp != nil {
			for _, f := range []struct{ k, v string }{{"operator", sp.Operator}, {"org_unit", sp.OrgUnit}, {"scanner", sp.Scanner},
				{"workstation", sp.Workstation}, {"procedure", sp.Procedure}, {"procedure_version", sp.ProcedureVersion}} {
				if f.v == "" {
					add(key+".scan_protocol."+f.k, "must be set (TR-RESISCAN Transfervermerk)")
				}
			}
			switch sp.ColourMode {
			case "", "bw", "gray", "color":
			default:
				add(key+".scan_protocol.colour_mode", "must be bw, gray or color, got %q", sp.ColourMode)
			}
		}
		if pr.Batch != nil {
			validateBatch(key+".batch", pr.Batch, add)
		}
		switch pr.InvalidEInvoice {
		case "", "deliver", "error":
		default:
			add(key+".invalid_einvoice", "must be deliver or error, got %q", pr.InvalidEInvoice)
		}
	}
	c.validateMail(add)
	if len(p) > 0 {
		return &ValidationError{Problems: p}
	}
	return nil
}

// Profile returns the profile with the given name.
func (c *Config) Profile(name string) (Profile, bool) {
	for _, p := range c.Profiles {
		if p.Name == name {
			return p, true
		}
	}
	return Profile{}, false
}

func within(a, b string) bool {
	if a == b {
		return true
	}
	rel, err := filepath.Rel(b, a)
	if err == nil && !strings.HasPrefix(rel, "..") {
		return true
	}
	rel, err = filepath.Rel(a, b)
	return err == nil && !strings.HasPrefix(rel, "..")
}

// validateTrustedHeader refuses a trusted header that anybody could set:
// without proxies to trust it would identify whoever sends it.
func (c *Config) validateTrustedHeader(add func(key, format string, args ...any)) {
	h := c.HTTP
	for i, p := range h.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				add(fmt.Sprintf("http.trusted_proxies[%d]", i), "must be an IP address or CIDR (10.0.0.5, 10.0.0.0/24), got %q", p)
			}
		}
	}
	if h.TrustedHeader == "" {
		return
	}
	if !regexp.MustCompile(`^[A-Za-z0-9-]+$`).MatchString(h.TrustedHeader) || strings.EqualFold(h.TrustedHeader, "Authorization") {
		add("http.trusted_header", "must be a header name such as X-Remote-User, got %q", h.TrustedHeader)
	}
	if len(h.TrustedProxies) == 0 {
		if !netconf.IsLoopback(h.Addr) {
			add("http.trusted_header", "needs http.trusted_proxies on the non-loopback address %q, or anybody could send the header and be taken for any user", h.Addr)
		} else {
			add("http.trusted_header", "needs http.trusted_proxies (the reverse proxy's address, e.g. 127.0.0.1), or any local program could send the header")
		}
	}
}
