package intake

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

type zipEntry struct {
	name string
	data []byte
	mod  func(*zip.FileHeader)
}

func writeZIP(t *testing.T, path string, entries ...zipEntry) {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.mod != nil {
			e.mod(h)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestUnpackZIP(t *testing.T) {
	src := t.TempDir()
	pdf := []byte("%PDF-1.4 …")
	tests := []struct {
		name    string
		source  string
		entries []zipEntry
		lim     ArchiveLimits
		want    []string
		wantErr error
	}{
		{"files, folders skipped, names flattened", "Rechnungen.zip", []zipEntry{
			{name: "Januar/"}, {name: "Januar/RE-1.pdf", data: pdf}, {name: "RE-2.pdf", data: pdf},
			{name: "__MACOSX/._RE-2.pdf", data: pdf}, {name: ".DS_Store", data: pdf},
		}, ArchiveLimits{}, []string{"Rechnungen.zip__RE-1.pdf", "Rechnungen.zip__RE-2.pdf"}, nil},
		{"traversal stays inside", "x.zip", []zipEntry{{name: "../../etc/passwd", data: pdf}, {name: `..\win\boot.ini`, data: pdf}},
			ArchiveLimits{}, []string{"x.zip__boot.ini", "x.zip__passwd"}, nil},
		{"same base name twice", "x.zip", []zipEntry{{name: "a/scan.pdf", data: pdf}, {name: "b/scan.pdf", data: []byte("%PDF-1.7")}},
			ArchiveLimits{}, []string{"x.zip__scan (2).pdf", "x.zip__scan.pdf"}, nil},
		{"long names are cut", strings.Repeat("ä", 120) + ".zip", []zipEntry{{name: strings.Repeat("b", 150) + ".pdf", data: pdf}},
			ArchiveLimits{}, []string{(strings.Repeat("ä", 120) + ".zip__" + strings.Repeat("b", 150))[:196] + ".pdf"}, nil},
		{"encrypted member", "x.zip", []zipEntry{{name: "geheim.pdf", data: pdf, mod: func(h *zip.FileHeader) { h.Flags |= 1 }}},
			ArchiveLimits{}, nil, ErrArchiveEncrypted},
		{"bomb", "x.zip", []zipEntry{{name: "zero.bin", data: make([]byte, 4<<20)}},
			ArchiveLimits{MaxFileBytes: 1 << 20}, nil, ErrArchiveTooBig},
		{"too many files", "x.zip", []zipEntry{{name: "1.pdf", data: pdf}, {name: "2.pdf", data: pdf}, {name: "3.pdf", data: pdf}},
			ArchiveLimits{MaxFiles: 2}, nil, ErrArchiveTooBig},
		{"only folders", "x.zip", []zipEntry{{name: "leer/"}}, ArchiveLimits{}, nil, ErrArchiveEmpty},
		{"third level", "a.zip__b.zip__c.zip", []zipEntry{{name: "d.pdf", data: pdf}}, ArchiveLimits{}, nil, ErrArchiveNested},
		{"second level", "a.zip__b.zip", []zipEntry{{name: "c.pdf", data: pdf}}, ArchiveLimits{}, []string{"a.zip__b.zip__c.pdf"}, nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zipPath := filepath.Join(src, string(rune('a'+i))+".zip")
			writeZIP(t, zipPath, tt.entries...)
			dir := t.TempDir()
			names, err := UnpackZIP(zipPath, tt.source, dir, tt.lim)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			sort.Strings(names)
			if len(names) != len(tt.want) || (len(names) > 0 && names[0] != tt.want[0]) {
				t.Errorf("names %q, want %q", names, tt.want)
			}
			files, _ := os.ReadDir(dir)
			var got []string
			for _, f := range files {
				got = append(got, f.Name())
			}
			sort.Strings(got)
			if len(got) != len(tt.want) {
				t.Errorf("folder holds %q, want %q (no partial files)", got, tt.want)
			}
			for i := range got {
				if i < len(tt.want) && got[i] != tt.want[i] {
					t.Errorf("folder holds %q, want %q", got, tt.want)
				}
			}
		})
	}
}

// TestUnpackZIPAgain: an unpacking interrupted and repeated (asynq runs a
// step at least once) leaves each member once and does not rewrite what
// the watcher may already have claimed.
func TestUnpackZIPAgain(t *testing.T) {
	zipPath := filepath.Join(t.TempDir(), "r.zip")
	writeZIP(t, zipPath, zipEntry{name: "1.pdf", data: []byte("%PDF-1")}, zipEntry{name: "2.pdf", data: []byte("%PDF-2")})
	dir := t.TempDir()
	if _, err := UnpackZIP(zipPath, "r.zip", dir, ArchiveLimits{}); err != nil {
		t.Fatal(err)
	}
	// The watcher took the first member away meanwhile; the second is
	// still there, changed by nobody.
	os.Remove(filepath.Join(dir, "r.zip__1.pdf"))
	os.WriteFile(filepath.Join(dir, "r.zip__2.pdf"), []byte("marker"), 0o644)
	names, err := UnpackZIP(zipPath, "r.zip", dir, ArchiveLimits{})
	if err != nil || len(names) != 2 {
		t.Fatalf("again: %q, %v", names, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "r.zip__2.pdf")); string(b) != "marker" {
		t.Errorf("an existing member was rewritten")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "r.zip__1.pdf")); string(b) != "%PDF-1" {
		t.Errorf("a member was not written again: %q", b)
	}
}

func FuzzUnpackZIP(f *testing.F) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("a/b.pdf")
	w.Write([]byte("%PDF-1.4"))
	zw.Close()
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "in.zip")
		os.WriteFile(p, data, 0o644)
		out := filepath.Join(dir, "out")
		os.Mkdir(out, 0o755)
		names, err := UnpackZIP(p, "in.zip", out, ArchiveLimits{MaxFiles: 20, MaxFileBytes: 1 << 20, MaxTotal: 4 << 20})
		if err != nil {
			return
		}
		for _, n := range names {
			if filepath.Dir(filepath.Join(out, n)) != out {
				t.Fatalf("member %q escapes the folder", n)
			}
		}
	})
}
