package netconf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIsLoopback(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"localhost", true},
		{"LOCALHOST", true},
		{"127.0.0.1", true},
		{"127.0.0.2", true},
		{"::1", true},
		{"[::1]", true},
		{"127.0.0.1:8080", true},
		{"[::1]:8080", true},
		{"localhost:993", true},
		{":8080", false},
		{"", false},
		{"0.0.0.0:8080", false},
		{"10.0.0.1", false},
		{"dms.kreis.example", false},
		{"localhost.kreis.example", false},
		{"127.0.0.1.nip.io", false},
	}
	for _, tt := range tests {
		if got := IsLoopback(tt.host); got != tt.want {
			t.Errorf("IsLoopback(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}

func TestSecretRead(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := map[string]string{"EINGANG_KEY": "from-env"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name    string
		s       Secret
		want    string
		wantErr string
	}{
		{"file, line ending dropped", Secret{Key: "api_key", File: write("k", "s3cret\r\n")}, "s3cret", ""},
		{"inner and leading spaces stay", Secret{Key: "password", File: write("p", " a b\n")}, " a b", ""},
		{"env", Secret{Key: "api_key", Env: "EINGANG_KEY"}, "from-env", ""},
		{"file wins", Secret{Key: "api_key", File: write("k2", "file"), Env: "EINGANG_KEY"}, "file", ""},
		{"empty file", Secret{Key: "password", File: write("e", "\n")}, "", "password_file: "},
		{"missing file", Secret{Key: "password", File: filepath.Join(dir, "nope")}, "", "password_file: "},
		{"unset env", Secret{Key: "api_key", Env: "UNSET"}, "", "api_key_env: environment variable UNSET"},
		{"nothing named", Secret{Key: "password"}, "", "password_file or password_env must be set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.s.Read(getenv)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "from-env") {
					t.Errorf("error %q reveals a secret", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Read = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestTLS(t *testing.T) {
	cfg, err := TLS("", "", "")
	if err != nil || cfg.MinVersion == 0 || cfg.RootCAs != nil {
		t.Fatalf("TLS() = %+v, %v", cfg, err)
	}
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	os.WriteFile(notPEM, []byte("not a certificate"), 0o600)
	if _, err := TLS(notPEM, "", ""); err == nil || !strings.Contains(err.Error(), "ca_file: ") {
		t.Errorf("bad CA: err = %v", err)
	}
	if _, err := TLS(filepath.Join(dir, "missing.pem"), "", ""); err == nil || !strings.Contains(err.Error(), "ca_file: ") {
		t.Errorf("missing CA: err = %v", err)
	}
	if _, err := TLS("", notPEM, notPEM); err == nil || !strings.Contains(err.Error(), "client_cert_file: ") {
		t.Errorf("bad client cert: err = %v", err)
	}
}
