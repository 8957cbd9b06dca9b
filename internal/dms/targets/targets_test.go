package targets

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/dms/d3/d3fake"
	"github.com/eingang/eingang/internal/dms/fabasoft/fabasoftfake"
)

// startFakes serves a d.3 and a Fabasoft fake on loopback and returns a
// configuration with one target of each type (and the archive) that
// reaches them, the credentials in a file and in the environment as an
// operator would set them.
func startFakes(t *testing.T) (yamlTargets string, dir string) {
	t.Helper()
	d3srv := httptest.NewServer(d3fake.New(d3fake.DefaultOptions()))
	t.Cleanup(d3srv.Close)
	faba := fabasoftfake.New(fabasoftfake.Options{})
	fabasrv := httptest.NewServer(faba)
	t.Cleanup(fabasrv.Close)
	dir = t.TempDir()
	pw := filepath.Join(dir, "fabasoft.pw")
	if err := os.WriteFile(pw, []byte(faba.Password()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TARGETS_TEST_D3_KEY", d3fake.DefaultOptions().APIKey)
	yamlTargets = fmt.Sprintf(`
targets:
  ablage: {type: archive, dir: %[1]s/archive}
  kaemmerei:
    type: d3
    options:
      base_url: %[2]s
      repository: %[3]s
      api_key_env: TARGETS_TEST_D3_KEY
      hash_property: "200"
      categories: [{category: DPOST}]
  rathaus:
    type: fabasoft
    options:
      base_url: %[4]s/fsc
      username: %[5]s
      password_file: %[6]s
      container: %[7]s
      reference_attribute: "lhmdfvpublic@2150.8800:externeid"
      workflow: {operation: none}
`, dir, d3srv.URL, d3fake.DefaultOptions().Repo, fabasrv.URL, faba.Username(), pw, faba.Vorgang())
	return yamlTargets, dir
}

func parse(t *testing.T, dir, targets string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
paths: {work: %[1]s/work, done: %[1]s/done, error: %[1]s/error}
%[2]s
profiles:
  - {name: post, folder: %[1]s/in-post, kind: post, target: ablage}
  - {name: rechnungen, folder: %[1]s/in-rechnung, kind: rechnung, target: kaemmerei}
  - {name: akten, folder: %[1]s/in-akten, kind: post, target: rathaus}
`, dir, targets)), nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Every type is built from its options, carries its configured name and
// reaches its server with the credentials it loaded.
func TestBuildAllReachesEveryTarget(t *testing.T) {
	targets, dir := startFakes(t)
	cfg := parse(t, dir, targets)
	got, err := BuildAll(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || len(cfg.Profiles) != 3 {
		t.Fatalf("built %d targets, kept %d profiles", len(got), len(cfg.Profiles))
	}
	for name, tg := range got {
		if tg.Name() != name {
			t.Errorf("target %s calls itself %q", name, tg.Name())
		}
		if p, ok := tg.(dms.Pinger); ok {
			if err := p.Ping(context.Background()); err != nil {
				t.Errorf("ping %s: %v", name, err)
			}
		} else if name != "ablage" {
			t.Errorf("target %s cannot be pinged", name)
		}
	}
}

func TestBuildErrorsNameTheKey(t *testing.T) {
	targets, dir := startFakes(t)
	tests := []struct {
		name, edit, replace, want string
	}{
		{"unset key variable", "api_key_env: TARGETS_TEST_D3_KEY", "api_key_env: TARGETS_TEST_UNSET", "targets.kaemmerei.options: api_key_env: environment variable TARGETS_TEST_UNSET"},
		{"missing password file", "password_file: ", "password_file: /nonexistent", "targets.rathaus.options: password_file: "},
		{"plain http off loopback", "base_url: http://127.0.0.1", "base_url: http://dms.kreis.example", "targets.kaemmerei.options: base_url: must be https"},
		{"misspelt key", "repository:", "repositroy:", "targets.kaemmerei.options: repository: must be set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edited := strings.Replace(targets, tt.edit, tt.replace, 1)
			if edited == targets {
				t.Fatalf("edit %q not found", tt.edit)
			}
			c, err := config.Parse([]byte(fmt.Sprintf("paths: {work: %[1]s/w, done: %[1]s/d, error: %[1]s/e}\n%[2]s\nprofiles: [{name: p, folder: %[1]s/in, kind: post, target: ablage}]\n", dir, edited)), nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = BuildAll(c, slog.New(slog.DiscardHandler))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("BuildAll: %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), d3fake.DefaultOptions().APIKey) {
				t.Errorf("error %q reveals the key", err)
			}
		})
	}
}

// An optional target that cannot be built is left out, and so are the
// profiles that deliver to it; a required one stops the start.
func TestOptionalTargetDisablesItsProfiles(t *testing.T) {
	targets, dir := startFakes(t)
	broken := strings.Replace(targets, "api_key_env: TARGETS_TEST_D3_KEY", "api_key_env: TARGETS_TEST_UNSET", 1)
	optional := strings.Replace(broken, "type: d3", "type: d3\n    optional: true", 1)
	var logs strings.Builder
	cfg := parse(t, dir, optional)
	got, err := BuildAll(cfg, slog.New(slog.NewTextHandler(io.MultiWriter(&logs), nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got["kaemmerei"]; ok || len(got) != 2 {
		t.Errorf("built %v", got)
	}
	for _, p := range cfg.Profiles {
		if p.Target == "kaemmerei" {
			t.Errorf("profile %s still delivers to the missing target", p.Name)
		}
	}
	if !strings.Contains(logs.String(), "profile disabled") {
		t.Errorf("no warning logged:\n%s", logs.String())
	}
	if _, err := BuildAll(parse(t, dir, broken), slog.New(slog.DiscardHandler)); err == nil {
		t.Error("a required target that cannot be built did not stop the start")
	}
}

func TestBuildUnknownType(t *testing.T) {
	// config.Parse refuses it already; Build must not build something else.
	_, err := Build("x", config.Target{Type: "sharepoint"})
	if err == nil || !strings.Contains(err.Error(), `targets.x.type: unknown type "sharepoint"`) {
		t.Fatalf("err = %v", err)
	}
}
