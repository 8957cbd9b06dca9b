package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/testenv"
)

// doctor reports a missing profile folder instead of creating it: an
// error without create: true, a note with it.
func TestDoctorReportsMissingFolder(t *testing.T) {
	redis := testenv.StartRedis(t)
	for _, c := range []struct {
		name     string
		create   bool
		wantCode int
		want     string
	}{
		{"without create", false, 1, "FAIL  profile rechnung: folder "},
		{"with create", true, 0, "note  profile rechnung: folder "},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			cfg := serveConfig(t, root, "127.0.0.1:0", redis.URL(), "inbox/rechnug", c.create)
			code, out, errs := runCLI(t, "doctor", "--config", cfg)
			if code != c.wantCode || !strings.Contains(out, c.want) {
				t.Errorf("doctor: exit %d (want %d), output lacks %q:\n%s%s", code, c.wantCode, c.want, out, errs)
			}
			if !c.create && !strings.Contains(out, "does not exist") {
				t.Errorf("doctor does not say the folder is missing:\n%s", out)
			}
			if _, err := os.Stat(filepath.Join(root, "inbox", "rechnug")); !os.IsNotExist(err) {
				t.Errorf("doctor created the folder (stat: %v)", err)
			}
		})
	}
}

func TestDoctorSummary(t *testing.T) {
	for failed, want := range map[int]string{0: "all checks passed", 1: "1 check failed", 2: "2 checks failed", 5: "5 checks failed"} {
		if got := doctorSummary(failed); got != want {
			t.Errorf("doctorSummary(%d) = %q, want %q", failed, got, want)
		}
	}
}

// doctor on the demo configuration, run as a new user would before or
// without `make run`: the d.3 key is missing, and doctor says that `make
// run` provides it (and the d.3 fake), and creates nothing.
func TestDoctorOnDemoConfig(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "config"), 0o755); err != nil {
		t.Fatal(err)
	}
	demo, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "config", "demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config", "demo.yaml"), demo, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binPath, "doctor", "--config", "config/demo.yaml")
	cmd.Dir = dir
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "EINGANG_") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	b, _ := cmd.CombinedOutput()
	out := string(b)
	if cmd.ProcessState.ExitCode() != 1 {
		t.Errorf("exit %d, want 1 (the d.3 key is missing)\n%s", cmd.ProcessState.ExitCode(), out)
	}
	for _, want := range []string{"FAIL  target d3 reachable", "EINGANG_D3_API_KEY", "'make run'", "dms-sim d3", "\n1 check failed\n",
		"note  profile post: folder var/inbox/post"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
	// Nothing at all: hot folders, paths, journal and archive are serve's.
	if _, err := os.Stat(filepath.Join(dir, "var")); !os.IsNotExist(err) {
		t.Errorf("doctor created var/ (stat: %v)", err)
	}
}
