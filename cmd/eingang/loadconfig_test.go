package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMissingConfigSaysWhereItLooked(t *testing.T) {
	const ways = ": name the file with --config FILE or EINGANG_CONFIG, start one from config/eingang.example.yaml, or run the demo with make run\n"
	abs := filepath.Join(t.TempDir(), "missing.yaml")
	tests := []struct {
		name string
		env  string // EINGANG_CONFIG
		args []string
		want string // the message, with WD for the working directory
	}{
		{"default path", "", []string{"serve"},
			"config: config/eingang.yaml does not exist (the default, looked for in WD)" + ways},
		{"from EINGANG_CONFIG", "etc/eingang.yaml", []string{"serve"},
			"config: etc/eingang.yaml does not exist (from EINGANG_CONFIG, looked for in WD)" + ways},
		{"from --config", "", []string{"serve", "--config", abs},
			"config: " + abs + " does not exist (from --config)" + ways},
		{"watch", "", []string{"watch"},
			"config: config/eingang.yaml does not exist (the default, looked for in WD)" + ways},
		{"submit", "", []string{"submit", "x.pdf"},
			"config: config/eingang.yaml does not exist (the default, looked for in WD)" + ways},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// A fresh working directory: no config/eingang.yaml can be found
			// by accident, so serve cannot start.
			wd := t.TempDir()
			t.Chdir(wd)
			t.Setenv("EINGANG_CONFIG", tc.env)
			code, out, errs := runCLI(t, tc.args...)
			if code != 1 {
				t.Errorf("exit %d, want 1 (stdout %q)", code, out)
			}
			if want := strings.ReplaceAll(tc.want, "WD", wd); errs != want {
				t.Errorf("stderr\n got %q\nwant %q", errs, want)
			}
		})
	}
}

func TestConfigErrorsReachTheOperator(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.MkdirAll("config", 0o755); err != nil {
		t.Fatal(err)
	}
	body := "targets: {archive: {type: archive, dir: a}}\nprofiles: [{name: post, folder: in, kind: post, target: archive}]\nintake:\n  stabilty_delay: 2s\n"
	if err := os.WriteFile("config/eingang.yaml", []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("EINGANG_CONFIG", "")
	code, _, errs := runCLI(t, "serve")
	want := "config: intake.stabilty_delay: unknown key (did you mean stability_delay?) in config/eingang.yaml line 4\n"
	if code != 1 || errs != want {
		t.Errorf("serve: exit %d, stderr %q, want 1 and %q", code, errs, want)
	}
}
