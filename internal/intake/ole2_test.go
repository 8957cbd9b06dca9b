package intake

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf16"
)

// cfb builds a minimal version-3 compound file by hand: the header,
// sector 0 holding the FAT and sector 1 the directory (a root entry and up
// to three streams). edit may damage the header, FAT or directory before
// the file is assembled.
func cfb(streams []string, edit func(hdr, fat, dir []byte)) []byte {
	le := binary.LittleEndian
	hdr := make([]byte, 512)
	copy(hdr, ole2Magic)
	le.PutUint16(hdr[0x18:], 0x3E)
	le.PutUint16(hdr[0x1A:], 3)
	le.PutUint16(hdr[0x1C:], 0xFFFE)
	le.PutUint16(hdr[0x1E:], 9)
	le.PutUint16(hdr[0x20:], 6)
	le.PutUint32(hdr[0x2C:], 1) // one FAT sector
	le.PutUint32(hdr[0x30:], 1) // directory in sector 1
	le.PutUint32(hdr[0x38:], 4096)
	le.PutUint32(hdr[0x3C:], ole2EndOfChain)
	le.PutUint32(hdr[0x44:], ole2EndOfChain)
	for i := 0; i < 109; i++ {
		le.PutUint32(hdr[0x4C+4*i:], ole2FreeSect)
	}
	le.PutUint32(hdr[0x4C:], 0)
	fat := make([]byte, 512)
	for i := 0; i < 128; i++ {
		le.PutUint32(fat[4*i:], ole2FreeSect)
	}
	le.PutUint32(fat[0:], 0xFFFFFFFD) // FAT sector
	le.PutUint32(fat[4:], ole2EndOfChain)
	dir := make([]byte, 512)
	entry := func(i int, name string, typ byte) {
		e := dir[i*128:]
		u := utf16.Encode([]rune(name))
		for j, c := range u {
			le.PutUint16(e[2*j:], c)
		}
		le.PutUint16(e[0x40:], uint16(2*len(u)+2))
		e[0x42] = typ
	}
	entry(0, "Root Entry", 5)
	for i, s := range streams {
		entry(i+1, s, 2)
	}
	if edit != nil {
		edit(hdr, fat, dir)
	}
	return append(append(hdr, fat...), dir...)
}

func TestOLE2(t *testing.T) {
	le := binary.LittleEndian
	word, err := os.ReadFile(filepath.Join("testdata", "brief.doc"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		data    []byte
		want    Format
		wantErr error
	}{
		{"soffice.doc", word, FormatDOC, nil},
		{"minimal.doc", cfb([]string{"WordDocument", "1Table"}, nil), FormatDOC, nil},
		{"mail.msg", cfb([]string{"__substg1.0_0037001F", "__properties_version1.0"}, nil), "", ErrUnsupported},
		{"cut.doc", word[:len(word)/2], FormatDOC, ErrIncomplete},
		{"header-only.doc", word[:512], FormatDOC, ErrIncomplete},
		{"short.doc", word[:300], FormatDOC, ErrIncomplete},
		{"dir-loop.doc", cfb([]string{"x"}, func(_, fat, _ []byte) { le.PutUint32(fat[4:], 1) }), FormatDOC, ErrIncomplete},
		{"dir-outside.doc", cfb([]string{"x"}, func(hdr, _, _ []byte) { le.PutUint32(hdr[0x30:], 1<<30) }), FormatDOC, ErrIncomplete},
		{"huge-fat.doc", cfb([]string{"x"}, func(hdr, _, _ []byte) { le.PutUint32(hdr[0x2C:], 1<<31) }), FormatDOC, ErrIncomplete},
		{"difat-loop.doc", cfb([]string{"x"}, func(hdr, _, _ []byte) {
			le.PutUint32(hdr[0x2C:], 200) // more than the header's 109 …
			le.PutUint32(hdr[0x44:], 0)   // … and a DIFAT chain that points at the FAT
		}), FormatDOC, ErrIncomplete},
		{"bad-shift.doc", cfb(nil, func(hdr, _, _ []byte) { le.PutUint16(hdr[0x1E:], 30) }), FormatDOC, ErrIncomplete},
		{"no-bom.doc", cfb(nil, func(hdr, _, _ []byte) { hdr[0x1C] = 0 }), FormatDOC, ErrIncomplete},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, dir, tc.name, tc.data)
			got, err := Detect(p)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Detect = %q, %v; want error %v", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Detect = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// FuzzOLE2 feeds damaged compound files to the directory reader: it must
// return (a name list or an error) quickly, never panic or hang.
func FuzzOLE2(f *testing.F) {
	if word, err := os.ReadFile(filepath.Join("testdata", "brief.doc")); err == nil {
		f.Add(word)
		f.Add(word[:1024])
	}
	f.Add(cfb([]string{"WordDocument"}, nil))
	f.Add(cfb([]string{"a", "b", "c"}, func(_, fat, _ []byte) { binary.LittleEndian.PutUint32(fat[4:], 1) }))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 8 {
			// Every input reaches the directory reader; the fuzzer's
			// own slice must not be changed.
			data = append(append([]byte(nil), ole2Magic...), data[8:]...)
		}
		start := time.Now()
		names, err := ole2Streams(bytes.NewReader(data), int64(len(data)))
		if err != nil && !errors.Is(err, ErrIncomplete) {
			t.Fatalf("error %v is not ErrIncomplete", err)
		}
		if len(names) > ole2MaxDirEntries+16 {
			t.Fatalf("%d names", len(names))
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("took %s", d)
		}
	})
}
