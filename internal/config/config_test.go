package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const minimal = `
targets:
  archive: {type: archive, dir: var/archive}
profiles:
  - {name: post, folder: var/inbox/post, kind: post, target: archive}
`

func TestShippedConfigsAreValid(t *testing.T) {
	for _, f := range []string{"demo.yaml", "eingang.example.yaml"} {
		t.Run(f, func(t *testing.T) {
			path := filepath.Join("..", "..", "config", f)
			cfg, err := Load(path, nil)
			if err != nil {
				t.Fatalf("Load(%s): %v", f, err)
			}
			if len(cfg.Profiles) == 0 {
				t.Fatal("no profiles")
			}
		})
	}
}

func TestDemoContract(t *testing.T) {
	cfg, err := Load(filepath.Join("..", "..", "config", "demo.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"post": "var/inbox/post", "rechnung": "var/inbox/rechnung"}
	for name, folder := range want {
		p, ok := cfg.Profile(name)
		if !ok || filepath.Clean(p.Folder) != folder {
			t.Errorf("profile %s: folder %q, want %q", name, p.Folder, folder)
		}
	}
	if cfg.HTTP.Addr != "127.0.0.1:8080" || len(cfg.HTTP.Users) != 0 {
		t.Errorf("http: %+v, want 127.0.0.1:8080 without users", cfg.HTTP)
	}
	if !cfg.Redis.Embedded() {
		t.Error("demo must use the embedded Redis")
	}
	if cfg.Paths.Done != "var/done" || cfg.Paths.Error != "var/error" || cfg.Targets["archive"].Dir != "var/archive" {
		t.Errorf("paths: %+v archive %q", cfg.Paths, cfg.Targets["archive"].Dir)
	}
	ex, err := Load(filepath.Join("..", "..", "config", "eingang.example.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.HTTP.Users) == 0 {
		t.Error("the example config must protect API and UI with a password")
	}
}

func TestValidationNamesTheKey(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  []string
		want []string // substrings of the error, each naming a key
	}{
		{"unknown key", minimal + "htpp: {addr: x}\n", nil, []string{"htpp"}},
		{"bad addr", minimal + "http: {addr: localhost}\n", nil, []string{"http.addr"}},
		{"public without users", minimal + "http: {addr: 0.0.0.0:8080}\n", nil, []string{"http.users"}},
		{"plain password", minimal + "http: {users: [{name: a, bcrypt_hash: secret}]}\n", nil, []string{"http.users[0].bcrypt_hash"}},
		{"trusted header without proxies", minimal + "http: {trusted_header: X-Remote-User}\n", nil, []string{"http.trusted_header", "http.trusted_proxies"}},
		{"trusted header public without proxies", minimal + "http: {addr: 0.0.0.0:8080, users: [{name: a, bcrypt_hash: $2a$x}], trusted_header: X-Remote-User}\n", nil, []string{"http.trusted_header", "non-loopback"}},
		{"bad trusted header", minimal + "http: {trusted_header: 'X User', trusted_proxies: [127.0.0.1]}\n", nil, []string{"http.trusted_header"}},
		{"bad trusted proxy", minimal + "http: {trusted_header: X-Remote-User, trusted_proxies: [proxy.local]}\n", nil, []string{"http.trusted_proxies[0]"}},
		{"bad redis url", minimal + "redis: {url: http://x}\n", nil, []string{"redis.url"}},
		{"bad duration", minimal + "intake: {rescan_interval: 1ms}\n", nil, []string{"intake.rescan_interval"}},
		{"bad after_success", minimal + "intake: {after_success: keep}\n", nil, []string{"intake.after_success"}},
		{"empty soffice path", minimal + "intake: {soffice: {path: ''}}\n", nil, []string{"intake.soffice.path"}},
		{"tiny soffice timeout", minimal + "intake: {soffice: {timeout: 10ms}}\n", nil, []string{"intake.soffice.timeout"}},
		{"soffice timeout from env", minimal, []string{"EINGANG_INTAKE_SOFFICE_TIMEOUT=0s"}, []string{"intake.soffice.timeout"}},
		{"bad language", minimal + "ocr: {languages: 'deu eng'}\n", nil, []string{"ocr.languages"}},
		{"bad log level", minimal + "log: {level: loud}\n", nil, []string{"log.level"}},
		{"unknown target", `
targets: {archive: {type: archive, dir: a}}
profiles: [{name: post, folder: in, kind: post, target: dms}]
`, nil, []string{"profiles[0] (post).target", `unknown target "dms"`}},
		{"bad kind and name", `
targets: {archive: {type: archive, dir: a}}
profiles: [{name: Post!, folder: in, kind: letters, target: archive}]
`, nil, []string{"profiles[0] (Post!).name", "profiles[0] (Post!).kind"}},
		{"folder inside work", `
paths: {work: var/work}
targets: {archive: {type: archive, dir: a}}
profiles: [{name: post, folder: var/work/in, kind: post, target: archive}]
`, nil, []string{"profiles[0] (post).folder", "paths.work"}},
		{"duplicate folder", `
targets: {archive: {type: archive, dir: a}}
profiles:
  - {name: a, folder: in, kind: post, target: archive}
  - {name: b, folder: ./in, kind: post, target: archive}
`, nil, []string{"profiles[1] (b).folder"}},
		{"archive without dir", `
targets: {archive: {type: archive}}
profiles: [{name: post, folder: in, kind: post, target: archive}]
`, nil, []string{"targets.archive.dir"}},
		{"unknown target type", `
targets: {x: {type: sharepoint}}
profiles: [{name: post, folder: in, kind: post, target: x}]
`, nil, []string{"targets.x.type"}},
		{"env names key", minimal, []string{"EINGANG_INTAKE_STABILITY_DELAY=soon"}, []string{"intake.stability_delay", "EINGANG_INTAKE_STABILITY_DELAY"}},
		{"env typo", minimal, []string{"EINGANG_HTTP_ADRESS=1"}, []string{"EINGANG_HTTP_ADRESS"}},
		{"no profiles", "targets: {archive: {type: archive, dir: a}}\n", nil, []string{"profiles: must define"}},
		{"sign key file missing", minimal, []string{"EINGANG_SIGN_PKCS12=/nonexistent.p12"}, []string{"sign.pkcs12", "/nonexistent.p12"}},
		{"sign password file missing", minimal + "sign: {pkcs12: config.go, password_file: /nonexistent.pw}\n", nil, []string{"sign.password_file"}},
		{"sign env typo", minimal, []string{"EINGANG_SIGN_PKCS21=/x.p12"}, []string{"EINGANG_SIGN_PKCS21"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), tc.env)
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

func TestValidationCollectsAllProblems(t *testing.T) {
	_, err := Parse([]byte(minimal+"log: {level: x, format: y}\n"), nil)
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 2 {
		t.Fatalf("want 2 problems in a ValidationError, got %v", err)
	}
}

func TestEnvOverrides(t *testing.T) {
	env := []string{
		"EINGANG_HTTP_ADDR=127.0.0.1:9999",
		"EINGANG_INTAKE_STABILITY_DELAY=750ms",
		"EINGANG_HTTP_MONITORING_READ_ONLY=true",
		"EINGANG_PROFILES_0_FOLDER=/srv/scan/post",
		"EINGANG_PROFILES_0_METADATA_OFFICE=Bürgeramt",
		"EINGANG_PROFILES_1_NAME=rechnung",
		"EINGANG_PROFILES_1_FOLDER=/srv/scan/rechnung",
		"EINGANG_PROFILES_1_KIND=rechnung",
		"EINGANG_PROFILES_1_TARGET=dms",
		"EINGANG_TARGETS_DMS_TYPE=archive",
		"EINGANG_TARGETS_DMS_DIR=/srv/archive",
		"EINGANG_INTAKE_IGNORE_PATTERNS=*.lock, *.bak",
		"EINGANG_TARGETS_ARCHIVE_OPTIONS_BASE_URL=https://dms.example",
		"EINGANG_D3_API_KEY=not-a-config-key", // secrets are read elsewhere
		"EINGANG_CONFIG=/etc/eingang/eingang.yaml",
		"OTHER_VAR=1",
	}
	cfg, err := Parse([]byte(minimal), env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Addr != "127.0.0.1:9999" {
		t.Errorf("http.addr = %q", cfg.HTTP.Addr)
	}
	if cfg.Intake.StabilityDelay != 750*time.Millisecond {
		t.Errorf("intake.stability_delay = %s", cfg.Intake.StabilityDelay)
	}
	if !cfg.HTTP.MonitoringReadOnly {
		t.Error("http.monitoring_read_only not set")
	}
	if cfg.Profiles[0].Folder != "/srv/scan/post" || cfg.Profiles[0].Metadata["office"] != "Bürgeramt" {
		t.Errorf("profiles[0] = %+v", cfg.Profiles[0])
	}
	if len(cfg.Profiles) != 2 || cfg.Profiles[1].Target != "dms" || cfg.Targets["dms"].Dir != "/srv/archive" {
		t.Errorf("profiles = %+v targets = %+v", cfg.Profiles, cfg.Targets)
	}
	if got := strings.Join(cfg.Intake.IgnorePatterns, "|"); got != "*.lock|*.bak" {
		t.Errorf("ignore_patterns = %q", got)
	}
	var opts map[string]string
	node := cfg.Targets["archive"].Options
	if err := node.Decode(&opts); err != nil || opts["base_url"] != "https://dms.example" {
		t.Errorf("options = %v (%v)", opts, err)
	}
}

func TestEmptyFileUsesDefaultsButNeedsProfiles(t *testing.T) {
	_, err := Parse(nil, nil)
	if err == nil || !strings.Contains(err.Error(), "profiles") {
		t.Fatalf("want a profiles error, got %v", err)
	}
	cfg, err := Parse([]byte(minimal), nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := Default(); cfg.Intake.RescanInterval != d.Intake.RescanInterval || cfg.Workers.RetryWindow != 24*time.Hour {
		t.Errorf("defaults not applied: %+v", cfg.Intake)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), nil)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("want ErrNotExist, got %v", err)
	}
}

func TestUserRoles(t *testing.T) {
	tests := []struct {
		roles []string
		role  string
		want  bool
	}{
		{nil, RoleViewer, true},
		{nil, RoleOperator, true},
		{nil, RoleClerk, false},
		{[]string{RoleClerk}, RoleClerk, true},
		{[]string{RoleClerk}, RoleViewer, false},
		{[]string{RoleAdmin}, RoleUpload, true},
	}
	for _, tt := range tests {
		if got := (User{Roles: tt.roles}).HasRole(tt.role); got != tt.want {
			t.Errorf("User{Roles: %v}.HasRole(%q) = %v, want %v", tt.roles, tt.role, got, tt.want)
		}
	}
}

func TestSignEnvOverrides(t *testing.T) {
	key := filepath.Join(t.TempDir(), "seal.p12")
	if err := os.WriteFile(key, []byte("not parsed at config time"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"EINGANG_SIGN_PKCS12=" + key,
		"EINGANG_SIGN_TSA_URL=https://tsa.example/tsr",
		"EINGANG_SIGN_PASSWORD=secret", // the default password_env: a secret, not a key
	}
	cfg, err := Parse([]byte(minimal), env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Sign.PKCS12 != key || cfg.Sign.TSAURL != "https://tsa.example/tsr" {
		t.Errorf("sign = %+v, overrides not applied", cfg.Sign)
	}

	// A custom password_env variable is a secret too, not an unknown key.
	if _, err := Parse([]byte(minimal+"sign: {password_env: EINGANG_SIGN_PIN}\n"), append(env, "EINGANG_SIGN_PIN=1234")); err != nil {
		t.Errorf("custom password_env refused: %v", err)
	}
}

// TestHTTPListenerOfRoles: a role's listener may be switched off, and one
// that serves only health and metrics needs no users on a public address;
// one that serves the API still does.
func TestHTTPListenerOfRoles(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		env     []string
		wantErr string // "" = valid
		wantAPI bool
	}{
		{"default serves the API", minimal, nil, "", true},
		{"listener off", minimal + "http: {addr: ''}\n", nil, "", true},
		{"probes only on a public address", minimal + "http: {addr: 0.0.0.0:8080, api: false}\n", nil, "", false},
		{"api off from env", minimal + "http: {addr: 0.0.0.0:8080}\n", []string{"EINGANG_HTTP_API=false"}, "", false},
		{"api on a public address needs users", minimal + "http: {addr: 0.0.0.0:8080, api: true}\n", nil, "http.users", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tt.yaml), tt.env)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.HTTP.API != tt.wantAPI {
				t.Errorf("http.api = %v, want %v", cfg.HTTP.API, tt.wantAPI)
			}
		})
	}
}

// A trusted header with the proxy's address is accepted, also on a public
// address, and can be set from the environment.
func TestTrustedHeaderWithProxies(t *testing.T) {
	cfg, err := Parse([]byte(minimal+"http: {addr: 0.0.0.0:8080, users: [{name: a, bcrypt_hash: $2a$x, roles: [clerk]}], trusted_proxies: [10.0.0.5, 192.168.0.0/24, '::1']}\n"),
		[]string{"EINGANG_HTTP_TRUSTED_HEADER=X-Remote-User"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.TrustedHeader != "X-Remote-User" || len(cfg.HTTP.TrustedProxies) != 3 {
		t.Errorf("http: %+v", cfg.HTTP)
	}
	if def, err := Parse([]byte(minimal), nil); err != nil || def.HTTP.TrustedHeader != "" {
		t.Errorf("the trusted header is not off by default: %v", err)
	}
}
