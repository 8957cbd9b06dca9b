package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/testenv"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeConfig(t *testing.T, extra string) (string, string) {
	t.Helper()
	root := t.TempDir()
	cfg := filepath.Join(root, "eingang.yaml")
	body := fmt.Sprintf(`
paths: {work: %[1]s/work, done: %[1]s/done, error: %[1]s/error}
journal: {dsn: %[1]s/journal.db}
targets: {archive: {type: archive, dir: %[1]s/archive}}
profiles:
  - {name: post, folder: %[1]s/inbox/post, create: true, kind: post, target: archive}
  - {name: rechnung, folder: %[1]s/inbox/rechnung, create: true, kind: rechnung, target: archive}
`, root) + extra
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg, root
}

func TestHelpEverywhere(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			args := []string{c.name, "--help"}
			if c.name == "dms-sim" {
				args = []string{c.name, "d3", "--help"}
			}
			code, out, errs := runCLI(t, args...)
			if code != 0 || (out+errs) == "" {
				t.Errorf("%v: exit %d, output %q", args, code, out+errs)
			}
		})
	}
	if code, _, _ := runCLI(t, "bogus"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, "eingang ") {
		t.Errorf("version: %d %q", code, out)
	}
}

func TestDoctor(t *testing.T) {
	redis := testenv.StartRedis(t)
	cfg, _ := writeConfig(t, "redis: {url: \""+redis.URL()+"\"}\n")
	code, out, errs := runCLI(t, "doctor", "--config", cfg)
	if code != 0 {
		t.Fatalf("doctor exit %d:\n%s%s", code, out, errs)
	}
	for _, want := range []string{"ok    redis", "ok    tesseract with languages deu", "ok    target archive", "all checks passed"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
	// Redis down and a missing language: non-zero exit and a readable list.
	redis.Stop()
	cfg2, _ := writeConfig(t, "redis: {url: \""+redis.URL()+"\"}\nocr: {languages: deu+klingon}\n")
	code, out, _ = runCLI(t, "doctor", "--config", cfg2)
	if code != 1 || !strings.Contains(out, "FAIL  redis") || !strings.Contains(out, "FAIL  tesseract") || !strings.Contains(out, "2 checks failed") {
		t.Errorf("doctor with failures: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "doctor", "--config", filepath.Join(t.TempDir(), "missing.yaml"))
	if code != 1 || !strings.Contains(out, "FAIL  configuration") {
		t.Errorf("doctor without config: exit %d\n%s", code, out)
	}
}

func TestSubmit(t *testing.T) {
	cfg, root := writeConfig(t, "")
	src := filepath.Join(t.TempDir(), "Brief.pdf")
	os.WriteFile(src, []byte("%PDF-1.4\n%%EOF\n"), 0o644)
	code, out, errs := runCLI(t, "submit", "--config", cfg, "--profile", "rechnung", src)
	if code != 0 {
		t.Fatalf("submit: %d %s", code, errs)
	}
	id := sha256File(t, src)
	if !strings.HasPrefix(out, id+"\t") {
		t.Errorf("submit printed %q, want the id %s", out, id)
	}
	if b, err := os.ReadFile(filepath.Join(root, "inbox", "rechnung", "Brief.pdf")); err != nil || string(b) != "%PDF-1.4\n%%EOF\n" {
		t.Errorf("file not in the hot folder: %v", err)
	}
	if _, err := os.Stat(src); err != nil {
		t.Error("submit removed the source")
	}
	leftovers, _ := filepath.Glob(filepath.Join(root, "inbox", "rechnung", ".*.tmp"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
	// Without create: true a missing folder is a mistake, as for serve.
	cfgNo, rootNo := writeConfig(t, "")
	body, _ := os.ReadFile(cfgNo)
	os.WriteFile(cfgNo, []byte(strings.ReplaceAll(string(body), "create: true, ", "")), 0o644)
	code, _, errs = runCLI(t, "submit", "--config", cfgNo, "--profile", "rechnung", src)
	if _, err := os.Stat(filepath.Join(rootNo, "inbox", "rechnung")); code != 1 || !strings.Contains(errs, "does not exist") || err == nil {
		t.Errorf("submit into a missing folder without create: exit %d, %q, folder created: %v", code, errs, err == nil)
	}
	if code, _, _ := runCLI(t, "submit", "--config", cfg, "--profile", "nope", src); code != 2 {
		t.Errorf("unknown profile: exit %d", code)
	}
	if code, _, _ := runCLI(t, "submit", "--config", cfg, filepath.Join(root, "missing.pdf")); code != 1 {
		t.Errorf("missing file: exit %d", code)
	}
}

func TestWatchAndWorkNeedRedis(t *testing.T) {
	cfg, _ := writeConfig(t, "")
	for _, c := range []string{"watch", "work"} {
		code, _, errs := runCLI(t, c, "--config", cfg)
		if code != 1 || !strings.Contains(errs, "redis.url") {
			t.Errorf("%s with embedded redis: exit %d %q", c, code, errs)
		}
	}
}
