// Package archive is the local archive target: the embedded default that
// needs no DMS. It writes YYYY/MM/<id>.pdf, <id>.txt (the text, for
// full-text indexing) and <id>.json (metadata) under its directory.
package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/eingang/eingang/internal/dms"
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
	Attachments []string          `json:"attachments,omitempty"`
}

var hexID = regexp.MustCompile(`^[0-9a-f]{64}$`)

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
	dir := filepath.Join(t.dir, when.Format("2006"), when.Format("01"))
	base := filepath.Join(dir, doc.ID)
	rec := dms.Receipt{Target: t.name, Ref: filepath.ToSlash(filepath.Join(when.Format("2006"), when.Format("01"), doc.ID)), URL: "file://" + absPath(base+".pdf")}
	if _, err := os.Stat(base + ".json"); err == nil {
		rec.Existing = true
		return rec, nil
	}
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
	}
	for _, a := range doc.Attachments {
		name := doc.ID + "." + filepath.Base(a.Name)
		if err := copyFileAtomic(a.Path, filepath.Join(dir, name)); err != nil {
			return dms.Receipt{}, fmt.Errorf("archive: attachment %s: %w", a.Name, err)
		}
		meta.Attachments = append(meta.Attachments, name)
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
	tmp := dst + ".tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, dst)
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o640); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	return nil
}
