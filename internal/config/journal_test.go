package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestJournalConfig(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		env     []string
		wantErr []string // substrings naming the key; none: valid
	}{
		{"sqlite default", "", nil, nil},
		{"postgres url", "journal: {driver: postgres, dsn: 'postgres://eingang@db.example:5432/eingang'}\n", nil, nil},
		{"postgres keywords", "journal: {driver: postgres, dsn: 'host=db.example dbname=eingang user=eingang'}\n", nil, nil},
		{"postgres from env", "", []string{"EINGANG_JOURNAL_DRIVER=postgres", "EINGANG_JOURNAL_DSN=postgres://e@db/eingang"}, nil},
		{"keep events", "journal: {keep_events: 2160h}\n", nil, nil},
		{"password variable is no key", "journal: {driver: postgres, dsn: 'postgres://e@db/e', password_env: EINGANG_PG_SECRET}\n",
			[]string{"EINGANG_PG_SECRET=x"}, nil},
		{"unknown driver", "journal: {driver: mysql}\n", nil, []string{"journal.driver", "sqlite, postgres"}},
		{"postgres without dsn", "journal: {driver: postgres, dsn: ''}\n", nil, []string{"journal.dsn"}},
		{"bad dsn", "journal: {driver: postgres, dsn: 'postgres://e:s3cret@db:notaport/e'}\n", nil, []string{"journal.dsn"}},
		{"both password sources", "journal: {driver: postgres, dsn: 'postgres://e@db/e', password_file: /p, password_env: X}\n", nil,
			[]string{"journal.password_file"}},
		{"password for sqlite", "journal: {password_file: /p}\n", nil, []string{"journal.password_file"}},
		{"negative keep", "journal: {keep_events: -1h}\n", nil, []string{"journal.keep_events"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(minimal+tc.yaml), tc.env)
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

func TestJournalKeepEventsFromEnv(t *testing.T) {
	c, err := Parse([]byte(minimal), []string{"EINGANG_JOURNAL_KEEP_EVENTS=720h"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Journal.KeepEvents != 720*time.Hour {
		t.Errorf("keep_events = %s", c.Journal.KeepEvents)
	}
}

func TestJournalPassword(t *testing.T) {
	file := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(file, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(k string) string { return map[string]string{"PGPW": "from-env"}[k] }
	tests := []struct {
		name    string
		j       Journal
		want    string
		wantErr string
	}{
		{"none", Journal{}, "", ""},
		{"file", Journal{PasswordFile: file}, "from-file", ""},
		{"env", Journal{PasswordEnv: "PGPW"}, "from-env", ""},
		{"empty env", Journal{PasswordEnv: "UNSET"}, "", "journal.password_env"},
		{"missing file", Journal{PasswordFile: file + ".x"}, "", "journal.password_file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.j.Password(env)
			if got != tc.want || (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Password = %q, %v; want %q, error with %q", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestRedactDSN(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"postgres://eingang:s3cret@db:5432/eingang?sslmode=require", "postgres://eingang:xxxxx@db:5432/eingang?sslmode=require"},
		{"postgres://eingang@db/eingang", "postgres://eingang@db/eingang"},
		{"postgresql://db/eingang?password=s3cret&user=e", "postgresql://db/eingang?password=xxxxx&user=e"},
		{"host=db password=s3cret user=e", "host=db password=xxxxx user=e"},
		{"host=db password = 's3 cret' user=e", "host=db password = xxxxx user=e"},
		{"postgres://e:s3cret@db:x:y/e", "(unparsable DSN)"},
	}
	for _, tc := range tests {
		if got := RedactDSN(tc.dsn); got != tc.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", tc.dsn, got, tc.want)
		}
	}
	if w := (Journal{Driver: "postgres", DSN: "postgres://e:s3cret@db/e"}).Where(); strings.Contains(w, "s3cret") {
		t.Errorf("Where = %q", w)
	}
}
