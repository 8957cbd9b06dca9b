package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/eingang/eingang/internal/netconf"
)

func (j Journal) validate(add func(key, format string, args ...any)) {
	switch j.Driver {
	case "sqlite":
		if j.DSN == "" {
			add("journal.dsn", "must name the database file")
		}
		if j.PasswordFile != "" || j.PasswordEnv != "" {
			add("journal.password_file", "only for driver postgres")
		}
	case "postgres":
		if j.DSN == "" {
			add("journal.dsn", "must name the database: postgres://user@host:5432/eingang")
		} else if _, err := pgx.ParseConfig(j.DSN); err != nil {
			// pgx redacts the password in its message.
			add("journal.dsn", "%v", err)
		}
		if j.PasswordFile != "" && j.PasswordEnv != "" {
			add("journal.password_file", "set either password_file or password_env, not both")
		}
	default:
		add("journal.driver", "unknown driver %q (supported: sqlite, postgres)", j.Driver)
	}
	if j.KeepEvents < 0 {
		add("journal.keep_events", "must not be negative (0 keeps every event)")
	}
}

// Password returns the postgres password from password_file or
// password_env, or "" when neither is set (the DSN's own, or a .pgpass,
// applies). getenv is os.Getenv in production.
func (j Journal) Password(getenv func(string) string) (string, error) {
	if j.PasswordFile == "" && j.PasswordEnv == "" {
		return "", nil
	}
	pw, err := netconf.Secret{Key: "password", File: j.PasswordFile, Env: j.PasswordEnv}.Read(getenv)
	if err != nil {
		return "", fmt.Errorf("config: journal.%w", err)
	}
	return pw, nil
}

var dsnPassword = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// Where names the journal for messages and logs: the file, or the DSN
// with its password replaced by "xxxxx".
func (j Journal) Where() string {
	if j.Driver != "postgres" {
		return j.DSN
	}
	return RedactDSN(j.DSN)
}

// RedactDSN replaces the password of a postgres DSN, URL (also a
// password=… query parameter) or keyword/value form, by "xxxxx".
func RedactDSN(dsn string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "(unparsable DSN)"
		}
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	return dsnPassword.ReplaceAllString(dsn, "${1}xxxxx")
}
