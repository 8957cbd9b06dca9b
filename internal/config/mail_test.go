package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMailAccountValidation(t *testing.T) {
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("geheim\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	acct := func(extra string) string {
		return minimal + "mail:\n  accounts:\n    - {name: rechnung, url: 'imap://127.0.0.1:143', username: u, profile: post" + extra + "}\n"
	}
	tests := []struct {
		name string
		yaml string
		env  []string
		want []string // empty: valid
	}{
		{"valid with file", acct(", password_file: " + pw), nil, nil},
		{"valid with env", acct(", password_env: IMAP_PW"), []string{"IMAP_PW=x"}, nil},
		{"env not set", acct(", password_env: IMAP_PW"), nil, []string{"mail.accounts[0] (rechnung).password_env", "IMAP_PW"}},
		{"password in file", acct(", password: geheim"), nil, []string{"mail.accounts[0] (rechnung).password:"}},
		{"no secret", acct(""), nil, []string{"mail.accounts[0] (rechnung).password_file"}},
		{"both secrets", acct(", password_file: " + pw + ", password_env: X"), []string{"X=1"}, []string{"password_file", "not both"}},
		{"missing file", acct(", password_file: /nonexistent/pw"), nil, []string{"password_file", "/nonexistent/pw"}},
		{"bad scheme", strings.Replace(acct(", password_file: "+pw), "imap://", "pop3://", 1), nil, []string{"mail.accounts[0] (rechnung).url"}},
		{"credentials in url", strings.Replace(acct(", password_file: "+pw), "imap://", "imap://u:p@", 1), nil, []string{".url", "credentials"}},
		{"starttls with imaps", strings.Replace(acct(", password_file: "+pw+", starttls: true"), "imap://", "imaps://", 1), nil, []string{".starttls"}},
		{"unknown profile", strings.Replace(acct(", password_file: "+pw), "profile: post", "profile: nope", 1), nil, []string{"mail.accounts[0] (rechnung).profile"}},
		{"processed is inbox", acct(", password_file: " + pw + ", processed_folder: inbox"), nil, []string{".processed_folder"}},
		{"short poll", acct(", password_file: " + pw + ", poll_interval: 10ms"), nil, []string{".poll_interval"}},
		{"oauth2", acct(", oauth2: {token_url: 'https://login.example/t/oauth2/v2.0/token', client_id: c, client_secret_env: S}"), []string{"S=x"}, nil},
		{"oauth2 plain http", acct(", oauth2: {token_url: 'http://login.example/token', client_id: c, client_secret_env: S}"), nil, []string{".oauth2.token_url", "https"}},
		{"oauth2 no secret", acct(", oauth2: {token_url: 'https://login.example/token', client_id: c}"), nil, []string{".oauth2.client_secret_file"}},
		{"oauth2 no client", acct(", oauth2: {token_url: 'https://login.example/token', client_secret_env: S}"), nil, []string{".oauth2.client_id"}},
		{"oauth2 bad mechanism", acct(", oauth2: {token_url: 'https://login.example/token', client_id: c, client_secret_env: S, mechanism: plain}"), nil, []string{".oauth2.mechanism"}},
		{"oauth2 and password", acct(", password_file: " + pw + ", oauth2: {token_url: 'https://login.example/token', client_id: c, client_secret_env: S}"), nil, []string{".password_file", "oauth2"}},
		{"bad mail_body", acct(", password_file: " + pw + ", mail_body: html"), nil, []string{"mail.accounts[0] (rechnung).mail_body", "error or pdf"}},
		{"ca_file not PEM", acct(", password_file: " + pw + ", ca_file: " + pw), nil, []string{"mail.accounts[0] (rechnung).ca_file", "no PEM certificate"}},
		{"ca_file missing", acct(", password_file: " + pw + ", ca_file: /nonexistent/ca.pem"), nil, []string{".ca_file", "/nonexistent/ca.pem"}},
		{"empty rule", acct(", password_file: " + pw + ", rules: [{profile: post}]"), nil, []string{".rules[0]: must set"}},
		{"rule unknown profile", acct(", password_file: " + pw + ", rules: [{from: a.example, profile: x}]"), nil, []string{".rules[0].profile"}},
		{"ignore with profile", acct(", password_file: " + pw + ", rules: [{subject: x, ignore: true, profile: post}]"), nil, []string{".rules[0].ignore"}},
		{"bad glob", acct(", password_file: " + pw + ", rules: [{filename: '[', ignore: true}]"), nil, []string{".rules[0].filename"}},
		{"duplicate name", minimal + "mail:\n  accounts:\n    - {name: a, url: 'imap://h', username: u, profile: post, password_file: " + pw + "}\n    - {name: a, url: 'imap://h', username: u, profile: post, password_file: " + pw + "}\n", nil, []string{"mail.accounts[1] (a).name", "duplicate"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), tc.env)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestMailAccountDefaults(t *testing.T) {
	yes := true
	tests := []struct {
		url               string
		starttls          *bool
		addr              string
		implicit, upgrade bool
	}{
		{"imap://mail.kreis.example", nil, "mail.kreis.example:143", false, true},
		{"imap://127.0.0.1:1143", nil, "127.0.0.1:1143", false, false},
		{"imap://localhost:1143", &yes, "localhost:1143", false, true},
		{"imaps://mail.kreis.example", nil, "mail.kreis.example:993", true, false},
	}
	for _, tc := range tests {
		a := MailAccount{URL: tc.url, StartTLS: tc.starttls}.WithDefaults()
		addr, implicit, upgrade, err := a.Endpoint()
		if err != nil || addr != tc.addr || implicit != tc.implicit || upgrade != tc.upgrade {
			t.Errorf("%s: got %s %v %v %v, want %s %v %v", tc.url, addr, implicit, upgrade, err, tc.addr, tc.implicit, tc.upgrade)
		}
		if a.Folder != "INBOX" || a.ProcessedFolder != "Verarbeitet" || a.ErrorFolder != "Fehler" || a.PollInterval != time.Minute {
			t.Errorf("defaults: %+v", a)
		}
	}
}

func TestMailPasswordFromEnvIsNotAnUnknownVariable(t *testing.T) {
	y := minimal + "mail: {accounts: [{name: r, url: 'imap://h', username: u, profile: post, password_env: EINGANG_IMAP_R}]}\n"
	cfg, err := Parse([]byte(y), []string{"EINGANG_IMAP_R=pw"})
	if err != nil {
		t.Fatal(err)
	}
	pw, err := cfg.Mail.Accounts[0].ReadPassword(func(k string) string {
		if k == "EINGANG_IMAP_R" {
			return "pw"
		}
		return ""
	})
	if err != nil || pw != "pw" {
		t.Fatalf("ReadPassword = %q, %v", pw, err)
	}
}
