package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/httpapi"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/journal/sqlite"
	"github.com/eingang/eingang/internal/pipeline"
	"github.com/eingang/eingang/internal/upload"
)

type nopQueue struct{}

func (nopQueue) Enqueue(context.Context, pipeline.Task) error { return nil }

// submit --url uploads from another machine: credentials from the
// environment, the id and state printed, a refusal reported with the
// server's reason.
func TestSubmitURL(t *testing.T) {
	root := t.TempDir()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
paths: {work: %[1]s/work, done: %[1]s/done, error: %[1]s/error}
targets: {archive: {type: archive, dir: %[1]s/archive}}
profiles: [{name: rechnung, folder: %[1]s/inbox, kind: rechnung, target: archive}]
`, root)), nil)
	if err != nil {
		t.Fatal(err)
	}
	j, err := sqlite.Open(context.Background(), filepath.Join(root, "j.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	p := pipeline.New(pipeline.Options{Config: cfg, Journal: j})
	hash, _ := bcrypt.GenerateFromPassword([]byte("geheim"), bcrypt.MinCost)
	srv := httptest.NewServer(httpapi.New(httpapi.Options{
		Users:     []config.User{{Name: "scanner2", BcryptHash: string(hash), Roles: []string{config.RoleUpload}}},
		Documents: j, Uploads: upload.New(cfg, j, p.Intake(nopQueue{}), p.ClaimDir()), Logger: slog.New(slog.DiscardHandler),
	}))
	defer srv.Close()
	file := filepath.Join(root, "Brief.pdf")
	if err := os.WriteFile(file, []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("EINGANG_USER", "scanner2")
	t.Setenv("EINGANG_PASSWORD", "geheim")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"submit", "--url", srv.URL, "--profile", "rechnung", file}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	f := strings.Split(strings.TrimSpace(out.String()), "\t")
	if len(f) != 3 || len(f[0]) != 64 || f[1] != file || f[2] != journal.StateReceived {
		t.Fatalf("output %q", out.String())
	}
	if d, err := j.Get(context.Background(), f[0]); err != nil || d.Origin["user"] != "scanner2" || d.SourceName != "Brief.pdf" {
		t.Errorf("document %+v, %v", d, err)
	}

	t.Setenv("EINGANG_PASSWORD", "falsch")
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"submit", "--url", srv.URL, "--profile", "rechnung", file}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "401") || strings.Contains(errb.String(), "falsch") {
		t.Errorf("wrong password: exit %d, stderr %q", code, errb.String())
	}
	if code := run(context.Background(), []string{"submit", "--url", srv.URL, file}, &out, &errb); code != 2 {
		t.Errorf("without --profile: exit %d", code)
	}
}
