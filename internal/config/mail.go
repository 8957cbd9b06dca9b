package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/eingang/eingang/internal/netconf"
)

// Mail configures the IMAP mailboxes read as intake channels.
type Mail struct {
	Accounts []MailAccount `yaml:"accounts"`
}

// MailAccount is one IMAP mailbox. Its mails' attachments become documents
// of Profile (or of the profile a rule names).
type MailAccount struct {
	// Name is unique; it appears in logs, metrics and the document's origin.
	Name string `yaml:"name"`
	// URL is imap://host[:143] (STARTTLS, see StartTLS) or imaps://host[:993]
	// (implicit TLS).
	URL string `yaml:"url"`
	// StartTLS upgrades an imap:// connection; default true except on a
	// loopback address.
	StartTLS *bool `yaml:"starttls"`
	// CAFile is a PEM bundle trusted besides the system's roots, for a
	// mail server with a certificate of the administration's own CA.
	CAFile   string `yaml:"ca_file"`
	Username string `yaml:"username"`
	// PasswordFile or PasswordEnv holds the password; the configuration
	// file never does.
	PasswordFile string `yaml:"password_file"`
	PasswordEnv  string `yaml:"password_env"`
	// Password exists only to refuse a password written into the file.
	Password        string `yaml:"password"`
	Folder          string `yaml:"folder"`
	ProcessedFolder string `yaml:"processed_folder"`
	ErrorFolder     string `yaml:"error_folder"`
	Profile         string `yaml:"profile"`
	// PollInterval is the time between polls; IDLE wakes the poller
	// earlier where the server offers it.
	PollInterval time.Duration `yaml:"poll_interval"`
	// Rules decide per document, in order, first match wins.
	Rules []MailRule `yaml:"rules"`
	// MailBody says what becomes of a mail without a usable attachment:
	// "error" (default: error_folder with a reason) or "pdf" (the mail
	// itself — header and text — is rendered as a PDF document, for
	// citizens who write their letter into the mail).
	MailBody string `yaml:"mail_body"`
	// OAuth2, when set, logs in with a token instead of the password
	// (Microsoft 365, other cloud mail); the password keys are then unused.
	OAuth2 *MailOAuth2 `yaml:"oauth2"`
}

// MailOAuth2 gets an access token by the client credentials grant from a
// token endpoint and logs in with SASL XOAUTH2 or OAUTHBEARER.
type MailOAuth2 struct {
	// TokenURL is the token endpoint, e.g.
	// https://login.microsoftonline.com/TENANT/oauth2/v2.0/token.
	TokenURL string `yaml:"token_url"`
	ClientID string `yaml:"client_id"`
	// ClientSecretFile or ClientSecretEnv holds the client secret.
	ClientSecretFile string   `yaml:"client_secret_file"`
	ClientSecretEnv  string   `yaml:"client_secret_env"`
	Scopes           []string `yaml:"scopes"`
	// Mechanism is xoauth2 (default; Microsoft, Google) or oauthbearer
	// (RFC 7628).
	Mechanism string `yaml:"mechanism"`
}

// Values of MailOAuth2.Mechanism.
const (
	MechanismXOAuth2     = "xoauth2"
	MechanismOAuthBearer = "oauthbearer"
)

// ReadClientSecret returns the OAuth2 client secret from its file or the
// environment.
func (o MailOAuth2) ReadClientSecret(getenv func(string) string) (string, error) {
	return netconf.Secret{Key: "client_secret", File: o.ClientSecretFile, Env: o.ClientSecretEnv}.Read(getenv)
}

// Values of MailAccount.MailBody.
const (
	MailBodyError = "error"
	MailBodyPDF   = "pdf"
)

// MailRule matches a mail's sender, subject and an attachment's file name;
// every condition set must hold. A match assigns Profile and Metadata, or
// ignores the attachment.
type MailRule struct {
	// From is an address (rechnung@lieferant.example) or a domain
	// (lieferant.example or @lieferant.example), case-insensitive.
	From string `yaml:"from"`
	// Subject is a case-insensitive substring of the subject.
	Subject string `yaml:"subject"`
	// Filename is a case-insensitive glob on the attachment's name.
	Filename string            `yaml:"filename"`
	Profile  string            `yaml:"profile"`
	Metadata map[string]string `yaml:"metadata"`
	Ignore   bool              `yaml:"ignore"`
}

// Mail account defaults.
const (
	DefaultMailFolder          = "INBOX"
	DefaultMailProcessedFolder = "Verarbeitet"
	DefaultMailErrorFolder     = "Fehler"
	DefaultMailPollInterval    = time.Minute
)

// WithDefaults fills the keys the account leaves out.
func (a MailAccount) WithDefaults() MailAccount {
	if a.Folder == "" {
		a.Folder = DefaultMailFolder
	}
	if a.ProcessedFolder == "" {
		a.ProcessedFolder = DefaultMailProcessedFolder
	}
	if a.ErrorFolder == "" {
		a.ErrorFolder = DefaultMailErrorFolder
	}
	if a.PollInterval == 0 {
		a.PollInterval = DefaultMailPollInterval
	}
	if a.MailBody == "" {
		a.MailBody = MailBodyError
	}
	if a.OAuth2 != nil && a.OAuth2.Mechanism == "" {
		o := *a.OAuth2
		o.Mechanism = MechanismXOAuth2
		a.OAuth2 = &o
	}
	return a
}

// Endpoint returns host:port, whether TLS is implicit (imaps) and whether
// STARTTLS is required, from URL and StartTLS.
func (a MailAccount) Endpoint() (addr string, implicitTLS, startTLS bool, err error) {
	u, err := url.Parse(a.URL)
	if err != nil {
		return "", false, false, err
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", false, false, fmt.Errorf("no host in %q", a.URL)
	}
	if u.User != nil {
		return "", false, false, fmt.Errorf("must not carry credentials (use username and password_file)")
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		return "", false, false, fmt.Errorf("must be scheme://host[:port] only (the folder is the key folder)")
	}
	port := u.Port()
	switch u.Scheme {
	case "imap":
		if port == "" {
			port = "143"
		}
		startTLS = !netconf.IsLoopback(u.Hostname())
		if a.StartTLS != nil {
			startTLS = *a.StartTLS
		}
	case "imaps":
		if port == "" {
			port = "993"
		}
		implicitTLS = true
	default:
		return "", false, false, fmt.Errorf("scheme must be imap:// or imaps://, got %q", u.Scheme)
	}
	return net.JoinHostPort(u.Hostname(), port), implicitTLS, startTLS, nil
}

// ReadPassword returns the account's password from its file or from the
// environment (getenv is os.Getenv in production).
func (a MailAccount) ReadPassword(getenv func(string) string) (string, error) {
	return netconf.Secret{Key: "password", File: a.PasswordFile, Env: a.PasswordEnv}.Read(getenv)
}

// Account returns the mail account with the given name.
func (m Mail) Account(name string) (MailAccount, bool) {
	for _, a := range m.Accounts {
		if a.Name == name {
			return a.WithDefaults(), true
		}
	}
	return MailAccount{}, false
}

var mailNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// validateMail checks mail.accounts; add reports a problem at a key.
func (c *Config) validateMail(add func(key, format string, args ...any)) {
	seen := map[string]bool{}
	for i, raw := range c.Mail.Accounts {
		a := raw.WithDefaults()
		key := fmt.Sprintf("mail.accounts[%d]", i)
		if a.Name != "" {
			key = fmt.Sprintf("mail.accounts[%d] (%s)", i, a.Name)
		}
		switch {
		case a.Name == "":
			add(key+".name", "must be set")
		case !mailNameRE.MatchString(a.Name):
			add(key+".name", "must be lower-case letters, digits, - or _, got %q", a.Name)
		case seen[a.Name]:
			add(key+".name", "duplicate account name %q", a.Name)
		}
		seen[a.Name] = true
		if a.URL == "" {
			add(key+".url", "must be set (imap://host:143 or imaps://host:993)")
		} else if _, implicit, _, err := a.Endpoint(); err != nil {
			add(key+".url", "%v", err)
		} else if implicit && a.StartTLS != nil && *a.StartTLS {
			add(key+".starttls", "must not be set for imaps:// (TLS from the first byte)")
		}
		if a.Username == "" {
			add(key+".username", "must be set")
		}
		switch {
		case a.OAuth2 != nil:
			o, k := a.OAuth2, key+".oauth2"
			if u, err := url.Parse(o.TokenURL); err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && netconf.IsLoopback(u.Hostname()))) {
				add(k+".token_url", "must be an https URL (plain http only on loopback), got %q", o.TokenURL)
			}
			if o.ClientID == "" {
				add(k+".client_id", "must be set")
			}
			if (o.ClientSecretFile == "") == (o.ClientSecretEnv == "") {
				add(k+".client_secret_file", "set exactly one of client_secret_file or client_secret_env")
			}
			if o.Mechanism != MechanismXOAuth2 && o.Mechanism != MechanismOAuthBearer {
				add(k+".mechanism", "must be xoauth2 or oauthbearer, got %q", o.Mechanism)
			}
			if a.Password != "" || a.PasswordFile != "" || a.PasswordEnv != "" {
				add(key+".password_file", "must not be set with oauth2: the token replaces the password")
			}
		case a.Password != "":
			add(key+".password", "must not hold the password: put it into a file named by password_file or a variable named by password_env")
		case a.PasswordFile != "" && a.PasswordEnv != "":
			add(key+".password_file", "set either password_file or password_env, not both")
		case a.PasswordFile == "" && a.PasswordEnv == "":
			add(key+".password_file", "must be set (or password_env)")
		case a.PasswordFile != "":
			if _, err := os.Stat(a.PasswordFile); err != nil {
				add(key+".password_file", "cannot read %s: %v", a.PasswordFile, unwrapPathError(err))
			}
		}
		if a.MailBody != MailBodyError && a.MailBody != MailBodyPDF {
			add(key+".mail_body", "must be error or pdf, got %q", a.MailBody)
		}
		if a.CAFile != "" {
			if _, err := netconf.TLS(a.CAFile, "", ""); err != nil {
				add(key+".ca_file", "%s", strings.TrimPrefix(err.Error(), "ca_file: "))
			}
		}
		for _, f := range []struct{ k, v string }{{"processed_folder", a.ProcessedFolder}, {"error_folder", a.ErrorFolder}} {
			if strings.EqualFold(f.v, a.Folder) {
				add(key+"."+f.k, "must differ from folder %q: mails would be read again", a.Folder)
			}
		}
		if strings.EqualFold(a.ProcessedFolder, a.ErrorFolder) {
			add(key+".error_folder", "must differ from processed_folder %q", a.ProcessedFolder)
		}
		if a.Profile == "" {
			add(key+".profile", "must name the intake profile of its documents")
		} else if _, ok := c.Profile(a.Profile); !ok {
			add(key+".profile", "unknown profile %q", a.Profile)
		}
		if a.PollInterval < time.Second {
			add(key+".poll_interval", "must be at least 1s, got %s", a.PollInterval)
		}
		for j, r := range a.Rules {
			rk := fmt.Sprintf("%s.rules[%d]", key, j)
			if r.From == "" && r.Subject == "" && r.Filename == "" {
				add(rk, "must set at least one of from, subject, filename")
			}
			if r.Filename != "" {
				if _, err := path.Match(strings.ToLower(r.Filename), "x"); err != nil {
					add(rk+".filename", "bad pattern %q: %v", r.Filename, err)
				}
			}
			if r.Ignore && (r.Profile != "" || len(r.Metadata) > 0) {
				add(rk+".ignore", "an ignoring rule takes no profile or metadata")
			}
			if r.Profile != "" {
				if _, ok := c.Profile(r.Profile); !ok {
					add(rk+".profile", "unknown profile %q", r.Profile)
				}
			}
		}
	}
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// checkMailEnv refuses the start when an account's password_env names a
// variable that environ does not set: the poller would fail at every poll.
func checkMailEnv(c *Config, environ []string) error {
	set := map[string]bool{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && v != "" {
			set[k] = true
		}
	}
	var p []string
	for i, a := range c.Mail.Accounts {
		if a.PasswordFile == "" && a.PasswordEnv != "" && !set[a.PasswordEnv] {
			p = append(p, fmt.Sprintf("mail.accounts[%d] (%s).password_env: variable %s is not set", i, a.Name, a.PasswordEnv))
		}
	}
	if len(p) > 0 {
		return &ValidationError{Problems: p}
	}
	return nil
}
