package office

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func needSoffice(t *testing.T) {
	t.Helper()
	for _, b := range []string{"soffice", "pdftotext"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Skipf("%s not installed (scripts/deps.sh)", b)
		}
	}
}

func TestConvert(t *testing.T) {
	needSoffice(t)
	c := New("", time.Minute, nil)
	tests := []struct{ name, file string }{
		{"docx", "brief.docx"},
		{"odt", "brief.odt"},
		{"doc", "brief.doc"},
		{"rtf", "brief.rtf"},
		// The name does not matter: the format is detected by content.
		{"misnamed", "brief.docx"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "eingang-"+tc.name+".bin")
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(in, data, 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "document.pdf")
			if err := c.Convert(context.Background(), in, out); err != nil {
				t.Fatal(err)
			}
			text, err := exec.Command("pdftotext", out, "-").Output()
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"Rechnung Nummer 4711", "Büromaterial Müller GmbH"} {
				if !strings.Contains(string(text), want) {
					t.Errorf("PDF text %q lacks %q", text, want)
				}
			}
			if _, err := os.Stat(out + ".part"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("temporary %s.part left behind", out)
			}
		})
	}
}

func TestConvertErrors(t *testing.T) {
	needSoffice(t)
	dir := t.TempDir()
	junk := filepath.Join(dir, "kaputt.docx")
	if err := os.WriteFile(junk, []byte("PK\x03\x04 this is no zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		binary string
		in     string
		want   error
	}{
		{"missing binary", filepath.Join(dir, "no-soffice"), filepath.Join("testdata", "brief.rtf"), ErrNoLibreOffice},
		{"missing binary in PATH", "soffice-not-installed-here", filepath.Join("testdata", "brief.rtf"), ErrNoLibreOffice},
		{"damaged document", "", junk, ErrConversionFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "document.pdf")
			err := New(tc.binary, time.Minute, nil).Convert(context.Background(), tc.in, out)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Convert = %v, want %v", err, tc.want)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s exists after a failed conversion", out)
			}
			perm, clerk, ok := Explain(err)
			if !ok || !perm || clerk == "" {
				t.Errorf("Explain(%v) = %v, %q, %v; want a permanent clerk sentence", err, perm, clerk, ok)
			}
		})
	}
}

// TestConvertTimeout kills soffice mid-start: ErrTimeout comes back and no
// process of the conversion survives (they all carry the private profile
// path, which lies under TempDir, on their command line).
func TestConvertTimeout(t *testing.T) {
	needSoffice(t)
	c := New("", 300*time.Millisecond, nil)
	c.TempDir = t.TempDir()
	out := filepath.Join(t.TempDir(), "document.pdf")
	err := c.Convert(context.Background(), filepath.Join("testdata", "brief.docx"), out)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Convert = %v, want ErrTimeout", err)
	}
	if perm, _, ok := Explain(err); !ok || perm {
		t.Errorf("Explain(ErrTimeout): permanent=%v ok=%v, want transient", perm, ok)
	}
	if pids := processesMentioning(t, c.TempDir); len(pids) > 0 {
		t.Errorf("processes %v of the killed conversion survive", pids)
	}
}

// TestConvertTimeoutKillsGroup uses a stand-in for soffice that starts a
// child and waits: the child is in the process group and must die too.
func TestConvertTimeoutKillsGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	script := filepath.Join(dir, "soffice")
	body := "#!/bin/sh\nsleep 60 &\necho $! > " + pidFile + "\nwait\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	c := New(script, 500*time.Millisecond, nil)
	err := c.Convert(context.Background(), filepath.Join("testdata", "brief.rtf"), filepath.Join(dir, "out.pdf"))
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Convert = %v, want ErrTimeout", err)
	}
	pid, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	// A killed child is reaped by init; until then it is a zombie.
	deadline := time.Now().Add(2 * time.Second)
	for {
		st, err := os.ReadFile("/proc/" + strings.TrimSpace(string(pid)) + "/stat")
		if err != nil || strings.Contains(string(st), ") Z ") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("child %s of the killed conversion still runs", strings.TrimSpace(string(pid)))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestConvertOneAtATime(t *testing.T) {
	c := New("/bin/true", time.Minute, nil)
	c.sem <- struct{}{} // a conversion is running
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := c.Convert(ctx, filepath.Join("testdata", "brief.rtf"), filepath.Join(t.TempDir(), "x.pdf"))
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Convert while another runs = %v, want ErrTimeout after waiting", err)
	}
}

func processesMentioning(t *testing.T, s string) []string {
	t.Helper()
	var pids []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmd), s) {
			pids = append(pids, e.Name())
		}
	}
	return pids
}
