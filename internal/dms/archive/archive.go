// Package archive is the local archive target: the embedded default that
// needs no DMS. Under its directory it writes YYYY/MM/<name>.pdf,
// <name>.txt (the text, pages separated by form feeds, for full-text
// indexing), <name>.json (metadata) and <name>.<attachment>, where <name>
// is <date received>_<source name without extension>_<first 12 hex digits
// of the id>: people browsing the folder find their file by its name and
// day, and the short id keeps two files of the same name apart.
package archive

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/fsutil"
)

// Target writes documents into a folder tree.
type Target struct {
	name string
	dir  string
	now  func() time.Time
}

// New returns an archive target named name that writes below dir.
func New(name, dir string) *Target {
	return &Target{name: name, dir: dir, now: time.Now}
}

// Name returns the target's configured name.
func (t *Target) Name() string { return t.name }

// Ping checks that the archive folder exists and is writable.
func (t *Target) Ping(ctx context.Context) error {
	if err := os.MkdirAll(t.dir, 0o770); err != nil {
		return err
	}
	f, err := os.CreateTemp(t.dir, ".ping-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// Metadata is the content of <id>.json.
type Metadata struct {
	ID          string            `json:"id"`
	SHA256      string            `json:"sha256"`
	SourceName  string            `json:"source_name"`
	Profile     string            `json:"profile"`
	Kind        string            `json:"kind,omitempty"`
	Route       string            `json:"route,omitempty"`
	Pages       int               `json:"pages"`
	Received    time.Time         `json:"received"`
	Archived    time.Time         `json:"archived"`
	Fields      map[string]string `json:"fields,omitempty"`
	Channel     string            `json:"channel,omitempty"`
	Origin      *dms.Origin       `json:"origin,omitempty"`
	Attachments []string          `json:"attachments,omitempty"`
}

var hexID = regexp.MustCompile(`^[0-9a-f]{64}$`)

// shortID is how many hex digits of the id a file name carries: 48 bits,
// so that two documents of one month with the same name and day do not
// meet by chance; Deliver still compares the whole id.
const shortID = 12

// maxStem bounds the source name's part of a file name, so that with date,
// id and the longest attachment suffix it stays below the 255 bytes file
// systems allow (a rune may take 4 bytes).
const maxStem = 50

// FileName is the name (without extension) under which a document is
// archived: <YYYY-MM-DD>_<source name without extension>_<short id>.
// Runs of white space become one space; characters Windows shares refuse
// (\ / : * ? " < > |) and control characters become "_".
func FileName(received time.Time, sourceName, id string) string {
	stem := strings.TrimSuffix(filepath.Base(sourceName), filepath.Ext(sourceName))
	stem = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r) || strings.ContainsRune(`\/:*?"<>|`, r):
			return '_'
		}
		return r
	}, stem)
	stem = strings.Join(strings.Fields(stem), " ")
	if r := []rune(stem); len(r) > maxStem {
		stem = string(r[:maxStem])
	}
	// Windows drops trailing dots and spaces, which would make two names
	// one; a leading dot would hide the file.
	stem = strings.Trim(stem, ". ")
	if stem == "" {
		stem = "dokument"
	}
	return received.Format("2006-01-02") + "_" + stem + "_" + id[:shortID]
}

// Deliver stores doc. The folder is chosen from doc.Received, so delivering
// the same document again finds the earlier copy and writes nothing. The
// JSON file is written last: its presence means the delivery is complete.
func (t *Target) Deliver(ctx context.Context, doc *dms.Document) (dms.Receipt, error) {
	if !hexID.MatchString(doc.ID) {
		return dms.Receipt{}, &dms.RejectedError{Target: t.name, Reason: "document id is not a SHA-256 hex string"}
	}
	when := doc.Received
	if when.IsZero() {
		when = t.now()
	}
	month := filepath.Join(when.Format("2006"), when.Format("01"))
	dir := filepath.Join(t.dir, month)
	receipt := func(name string) dms.Receipt {
		return dms.Receipt{Target: t.name, Ref: filepath.ToSlash(filepath.Join(month, name)), URL: "file://" + absPath(filepath.Join(dir, name)+".pdf")}
	}
	if name, ok := delivered(dir, doc.ID); ok {
		rec := receipt(name)
		rec.Existing = true
		return rec, nil
	}
	name := FileName(when, doc.SourceName, doc.ID)
	base := filepath.Join(dir, name)
	rec := receipt(name)
	if err := os.MkdirAll(dir, 0o770); err != nil {
		return dms.Receipt{}, fmt.Errorf("archive: %w", err)
	}
	if err := copyFileAtomic(doc.PDFPath, base+".pdf"); err != nil {
		return dms.Receipt{}, fmt.Errorf("archive: %w", err)
	}
	if err := writeAtomic(base+".txt", []byte(doc.Text)); err != nil {
		return dms.Receipt{}, fmt.Errorf("archive: %w", err)
	}
	meta := Metadata{
		ID: doc.ID, SHA256: doc.ID, SourceName: doc.SourceName, Profile: doc.Profile, Kind: doc.Kind, Route: doc.Route,
		Pages: doc.Pages, Received: doc.Received.UTC(), Archived: t.now().UTC(), Fields: doc.Metadata,
		Channel: doc.Channel,
	}
	if doc.Origin != (dms.Origin{}) {
		o := doc.Origin
		meta.Origin = &o
	}
	for _, a := range doc.Attachments {
		att := name + "." + filepath.Base(a.Name)
		if err := copyFileAtomic(a.Path, filepath.Join(dir, att)); err != nil {
			return dms.Receipt{}, fmt.Errorf("archive: attachment %s: %w", a.Name, err)
		}
		meta.Attachments = append(meta.Attachments, att)
	}
	b, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return dms.Receipt{}, fmt.Errorf("archive: %w", err)
	}
	if err := writeAtomic(base+".json", b); err != nil {
		return dms.Receipt{}, fmt.Errorf("archive: %w", err)
	}
	return rec, nil
}

// delivered finds a complete earlier delivery of the document with id in
// dir and returns its file name. The name is looked up rather than
// recomputed: a document dropped again after a failure may come under
// another source name, and archives written before names carried the
// source are named <id>.json.
func delivered(dir, id string) (string, bool) {
	if _, err := os.Stat(filepath.Join(dir, id+".json")); err == nil {
		return id, true
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*_"+id[:shortID]+".json"))
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			continue
		}
		var meta Metadata
		if json.Unmarshal(b, &meta) == nil && meta.ID == id {
			return strings.TrimSuffix(filepath.Base(m), ".json"), true
		}
	}
	return "", false
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return filepath.ToSlash(a)
	}
	return p
}

func copyFileAtomic(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return fsutil.WriteWith(dst, 0o640, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}

func writeAtomic(path string, data []byte) error {
	return fsutil.WriteFile(path, data, 0o640)
}
