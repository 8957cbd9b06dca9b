package d3_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/eingang/eingang/internal/dms/d3"
	"github.com/eingang/eingang/internal/dms/d3/d3fake"
)

func TestValidateNamesKeys(t *testing.T) {
	valid := testConfig("https://tenant.d-velop.cloud", "repo1")
	if err := valid.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	tests := []struct {
		name string
		edit func(*d3.Config)
		want string
	}{
		{"no base", func(c *d3.Config) { c.BaseURL = "" }, "base_url: must be set"},
		{"http remote", func(c *d3.Config) { c.BaseURL = "http://d3.example.org" }, "base_url: must be https"},
		{"relative base", func(c *d3.Config) { c.BaseURL = "d3.example.org" }, "base_url: must be an absolute"},
		{"no repo", func(c *d3.Config) { c.Repository = "" }, "repository: must be set"},
		{"repo with slash", func(c *d3.Config) { c.Repository = "a/b" }, "repository: must be a plain"},
		{"bad auth", func(c *d3.Config) { c.Auth = "basic" }, "auth: must be api_key or session"},
		{"no key source", func(c *d3.Config) { c.APIKeyEnv = "" }, "api_key_file: api_key_file or api_key_env"},
		{"missing ca", func(c *d3.Config) { c.CAFile = "/nonexistent/ca.pem" }, "ca_file: cannot read"},
		{"zero timeout", func(c *d3.Config) { c.Timeout = 0 }, "timeout: must be positive"},
		{"tiny chunk", func(c *d3.Config) { c.ChunkSize = 10 }, "chunk_size: must be at least"},
		{"no hash", func(c *d3.Config) { c.HashProperty = "" }, "hash_property: must be set"},
		{"no categories", func(c *d3.Config) { c.Categories = nil }, "categories: at least one"},
		{"empty category", func(c *d3.Config) { c.Categories[1].Category = "" }, "categories[1].category: must be set"},
		{"bad template", func(c *d3.Config) { c.Categories[0].Properties["12"] = "{{.Metadata" }, "categories[0].properties.12:"},
		{"hash mapped", func(c *d3.Config) { c.Categories[0].Properties["200"] = "x" }, "categories[0].properties.200: is the hash_property"},
		{"no process key", func(c *d3.Config) { c.Process.Key = "" }, "process.key: must be set"},
		{"bad method", func(c *d3.Config) { c.Process.Method = "post" }, "process.method:"},
		{"bad path", func(c *d3.Config) { c.Process.Path = "process" }, "process.path: must start with /"},
		{"bad status", func(c *d3.Config) { c.Process.SuccessStatus = 302 }, "process.success_status:"},
		{"bad body", func(c *d3.Config) { c.Process.Body = "{{" }, "process.body:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testConfig("https://tenant.d-velop.cloud", "repo1")
			tt.edit(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestDecodeConfigYAML(t *testing.T) {
	src := `
base_url: https://stadt.example.org/
repository: dee1f3d3
auth: session
api_key_env: D3_KEY
hash_property: "200"
timeout: 30s
categories:
  - kinds: [rechnung]
    category: DRECH
    start_process: true
    properties:
      "12": "{{.Metadata.invoice_number}}"
  - category: DPOST
process:
  key: rechnungsworkflow
  instance_property: "201"
`
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	c, err := d3.DecodeConfig(n.Content[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Auth != "session" || c.Timeout.Seconds() != 30 || c.ChunkSize != 8<<20 ||
		c.Process.Method != "POST" || c.Process.SuccessStatus != 201 || c.Process.Body != d3.DefaultProcessBody ||
		len(c.Categories) != 2 || c.Categories[0].Properties["12"] == "" {
		t.Errorf("decoded %+v", c)
	}
}

func TestSecretIsRedacted(t *testing.T) {
	s := d3.Secret("top-secret-key")
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("x", "key", s)
	js, _ := json.Marshal(map[string]any{"k": s})
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %s %#v %+v", s, s, s, s), logBuf.String(), string(js)} {
		if strings.Contains(out, "top-secret") {
			t.Errorf("secret leaked: %s", out)
		}
	}
	if s.Reveal() != "top-secret-key" {
		t.Error("Reveal lost the value")
	}
}

func TestCredentialNeverLogged(t *testing.T) {
	var logBuf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnv(t, d3fake.Options{APIKey: "k3y-that-must-not-leak"}, func(c *d3.Config) { c.Auth = "session" }, d3.WithLogger(logger))
	e.fake.Inject(d3fake.Fault{Op: d3fake.OpSearch, Kind: d3fake.FaultUnauthorized})
	e.fake.Inject(d3fake.Fault{Op: d3fake.OpCreate, Status: 400, Reason: "kaputt"})
	_, err := e.client.Deliver(context.Background(), newDoc(t, "post", 10))
	if err == nil {
		t.Fatal("expected the injected 400")
	}
	all := logBuf.String() + err.Error() + fmt.Sprintf("%+v", e.client)
	if strings.Contains(all, "k3y-that-must-not-leak") || strings.Contains(all, "s/") && strings.Contains(all, "+==") {
		t.Errorf("credential or session leaked:\n%s", all)
	}
}

func TestAPIKeyFromFile(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := testConfig("https://tenant.d-velop.cloud", "repo1")
	c.APIKeyEnv, c.APIKeyFile = "", empty
	if _, err := d3.New("d3", c); err == nil || !strings.Contains(err.Error(), "api_key_file") {
		t.Errorf("empty key file: %v", err)
	}
	c.APIKeyFile = filepath.Join(dir, "missing")
	if _, err := d3.New("d3", c); err == nil || !strings.Contains(err.Error(), "api_key_file") {
		t.Errorf("missing key file: %v", err)
	}
	c = testConfig("https://tenant.d-velop.cloud", "repo1")
	_, err := d3.New("d3", c, d3.WithGetenv(func(string) string { return "" }))
	if err == nil || !strings.Contains(err.Error(), "api_key_env") {
		t.Errorf("unset env: %v", err)
	}
	if err := (d3.Config{}).Validate(); err == nil || errors.Unwrap(err) == nil && !strings.Contains(err.Error(), "\n") {
		t.Errorf("zero config should list several problems: %v", err)
	}
}

func TestDemoOptionsAgainstFake(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "demo-options.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		t.Fatal(err)
	}
	demo, err := d3.DecodeConfig(n.Content[0])
	if err != nil {
		t.Fatal(err)
	}
	if demo.Repository != d3fake.DefaultOptions().Repo || demo.Process.Key != d3fake.DefaultOptions().Process.Key {
		t.Fatalf("demo options out of sync with d3fake.DefaultOptions")
	}
	e := newEnv(t, d3fake.Options{}, func(c *d3.Config) {
		base := c.BaseURL
		*c = demo
		c.BaseURL, c.APIKeyEnv = base, testKeyEnv
	})
	for _, kind := range []string{"rechnung", "post"} {
		if _, err := e.client.Deliver(context.Background(), newDoc(t, kind, 100)); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
	}
	if e.fake.Creates() != 2 || e.fake.ProcessStarts() != 1 {
		t.Errorf("creates %d starts %d", e.fake.Creates(), e.fake.ProcessStarts())
	}
}
