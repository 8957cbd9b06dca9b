package fsutil

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestWriteFile(t *testing.T) {
	umask := syscall.Umask(0)
	syscall.Umask(umask)
	tests := []struct {
		name     string
		existing []byte
		data     []byte
		perm     os.FileMode
	}{
		{"new file", nil, []byte("hallo"), 0o640},
		{"replaces a file", []byte("old content, longer than the new"), []byte("neu"), 0o644},
		{"empty content", []byte("x"), nil, 0o600},
		{"long name", nil, []byte("y"), 0o640},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			name := "out.json"
			if tt.name == "long name" {
				name = strings.Repeat("n", 250) + ".pdf"
			}
			path := filepath.Join(dir, name)
			if tt.existing != nil {
				if err := os.WriteFile(path, tt.existing, 0o666); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteFile(path, tt.data, tt.perm); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.data) {
				t.Errorf("content %q, want %q", got, tt.data)
			}
			st, _ := os.Stat(path)
			if want := tt.perm &^ os.FileMode(umask); st.Mode().Perm() != want {
				t.Errorf("mode %v, want %v", st.Mode().Perm(), want)
			}
			onlyTarget(t, dir, name)
		})
	}
}

func TestFailingWriterLeavesNothing(t *testing.T) {
	boom := errors.New("boom")
	for _, existing := range []bool{false, true} {
		dir := t.TempDir()
		path := filepath.Join(dir, "doc.pdf")
		if existing {
			os.WriteFile(path, []byte("before"), 0o640)
		}
		err := WriteWith(path, 0o640, func(w io.Writer) error {
			io.WriteString(w, "half a file")
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want the writer's", err)
		}
		if existing {
			if b, _ := os.ReadFile(path); string(b) != "before" {
				t.Errorf("target changed to %q", b)
			}
			onlyTarget(t, dir, "doc.pdf")
		} else {
			onlyTarget(t, dir, "")
		}
	}
}

func TestCreateAbortAndCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mail.eml")
	f, err := Create(path, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, "discarded")
	f.Abort()
	f.Abort()
	onlyTarget(t, dir, "")

	f, err = Create(path, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	io.WriteString(f, "kept")
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("target visible before Commit: %v", err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err == nil {
		t.Error("second Commit succeeded")
	}
	f.Abort() // after Commit: must not remove anything
	if b, _ := os.ReadFile(path); string(b) != "kept" {
		t.Errorf("content %q", b)
	}
	onlyTarget(t, dir, "mail.eml")
}

func TestCreateInMissingFolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "x")
	if err := WriteFile(path, []byte("x"), 0o640); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want not exist", err)
	}
}

// onlyTarget checks that dir holds name and nothing else (nothing at all
// for name "").
func onlyTarget(t *testing.T, dir, name string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	want := 0
	if name != "" {
		want = 1
	}
	if len(names) != want || (want == 1 && names[0] != name) {
		t.Errorf("folder holds %q, want only %q", names, name)
	}
}
