package intake

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/eingang/eingang/internal/fsutil"
)

// Errors of unpacking an archive. Each describes the archive itself, so
// retrying will not help.
var (
	ErrArchiveEncrypted = errors.New("archive member is encrypted")
	ErrArchiveTooBig    = errors.New("archive exceeds the unpacking limits")
	ErrArchiveNested    = errors.New("archive nested too deeply")
	ErrArchiveEmpty     = errors.New("archive holds no files")
)

// ArchiveLimits bound what one archive may unpack to: a small file can
// claim gigabytes (a ZIP bomb), so sizes are counted as the bytes are
// inflated, not taken from the headers.
type ArchiveLimits struct {
	MaxFiles     int   // members written (default 200)
	MaxFileBytes int64 // per member (default 500 MiB)
	MaxTotal     int64 // all members together (default 1 GiB)
	// MaxDepth is how many archives may enclose one another (default 2:
	// an archive in an archive is unpacked, a third level is refused).
	MaxDepth int
}

func (l ArchiveLimits) withDefaults() ArchiveLimits {
	if l.MaxFiles <= 0 {
		l.MaxFiles = 200
	}
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = 500 << 20
	}
	if l.MaxTotal <= 0 {
		l.MaxTotal = 1 << 30
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = 2
	}
	return l
}

// ArchiveSeparator joins an archive's name and a member's name in the
// member's file name ("Rechnungen.zip__RE-4711.pdf"), so that a clerk can
// tell where a document came from, and nesting can be counted.
const ArchiveSeparator = "__"

// UnpackZIP writes the files of the ZIP archive at src into dir, each named
// <sourceName>__<member base name>, where a watcher picks them up as new
// files. Every member is written under a temporary name and renamed, so a
// watcher never sees half a file; a name already taken is left alone,
// because an earlier, interrupted run of the same unpacking wrote it
// (identical content: the journal records it as a duplicate anyway).
// Folders, hidden files and macOS resource forks are skipped. It returns
// the names written or found.
func UnpackZIP(src, sourceName, dir string, lim ArchiveLimits) ([]string, error) {
	lim = lim.withDefaults()
	if strings.Count(strings.ToLower(sourceName), ".zip"+ArchiveSeparator)+1 > lim.MaxDepth {
		return nil, fmt.Errorf("%w: %s", ErrArchiveNested, sourceName)
	}
	zr, err := zip.OpenReader(src)
	if err != nil {
		return nil, fmt.Errorf("%w: zip: %v", ErrIncomplete, err)
	}
	defer zr.Close()
	var members []*zip.File
	for _, f := range zr.File {
		base := path.Base(strings.ReplaceAll(f.Name, `\`, "/"))
		switch {
		case f.FileInfo().IsDir(), strings.HasPrefix(f.Name, "__MACOSX/"), strings.HasPrefix(base, "."), base == "/":
			continue
		}
		if f.Flags&0x1 != 0 {
			return nil, fmt.Errorf("%w: %s", ErrArchiveEncrypted, f.Name)
		}
		members = append(members, f)
	}
	if len(members) == 0 {
		return nil, ErrArchiveEmpty
	}
	if len(members) > lim.MaxFiles {
		return nil, fmt.Errorf("%w: %d files, limit %d", ErrArchiveTooBig, len(members), lim.MaxFiles)
	}
	var total int64
	var names []string
	used := map[string]bool{}
	for _, f := range members {
		name := memberName(sourceName, f.Name, used)
		names = append(names, name)
		dst := filepath.Join(dir, name)
		if _, err := os.Lstat(dst); err == nil {
			continue
		}
		n, err := writeMember(f, dst, min(lim.MaxFileBytes, lim.MaxTotal-total))
		total += n
		if err != nil {
			return nil, err
		}
	}
	return names, nil
}

// memberName is the file name a member gets: the archive's name, the
// separator and the member's base name, made safe for Windows shares and
// unique within the archive.
func memberName(archive, member string, used map[string]bool) string {
	base := path.Base(strings.ReplaceAll(member, `\`, "/"))
	if !utf8.ValidString(base) {
		// ZIP names without the UTF-8 flag are CP437; rather than guess,
		// keep what is printable ASCII.
		base = strings.Map(func(r rune) rune {
			if r < 0x20 || r > 0x7e {
				return '_'
			}
			return r
		}, base)
	}
	base = strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`<>:"/\|?*`, r) {
			return '_'
		}
		return r
	}, base)
	name := archive + ArchiveSeparator + base
	ext := filepath.Ext(name)
	if len(ext) > 16 {
		ext = ""
	}
	stem := strings.TrimSuffix(name, ext)
	// File systems stop at 255 bytes; leave room for " (n)" (fsutil's temporary
	// name is bounded by itself).
	if len(stem)+len(ext) > 200 {
		cut := 200 - len(ext)
		for cut > 0 && !utf8.RuneStart(stem[cut]) {
			cut--
		}
		stem = stem[:cut]
		name = stem + ext
	}
	for i := 2; used[name]; i++ {
		name = fmt.Sprintf("%s (%d)%s", stem, i, ext)
	}
	used[name] = true
	return name
}

// writeMember inflates f into dst through a temporary name, refusing more
// than limit bytes, and returns the bytes written.
func writeMember(f *zip.File, dst string, limit int64) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, fmt.Errorf("%w: zip member %s: %v", ErrIncomplete, f.Name, err)
	}
	defer rc.Close()
	out, err := fsutil.Create(dst, 0o640)
	if err != nil {
		return 0, err
	}
	defer out.Abort()
	n, err := io.Copy(out, io.LimitReader(rc, limit+1))
	switch {
	case err != nil && (errors.Is(err, zip.ErrChecksum) || errors.Is(err, zip.ErrFormat) || errors.Is(err, io.ErrUnexpectedEOF)):
		return n, fmt.Errorf("%w: zip member %s: %v", ErrIncomplete, f.Name, err)
	case err != nil:
		return n, err
	case n > limit:
		return n, fmt.Errorf("%w: member %s is larger than %d bytes", ErrArchiveTooBig, f.Name, limit)
	}
	return n, out.Commit()
}
