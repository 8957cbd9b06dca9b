package upload_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
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

type queue struct{ tasks []pipeline.Task }

func (q *queue) Enqueue(_ context.Context, t pipeline.Task) error {
	q.tasks = append(q.tasks, t)
	return nil
}

type stack struct {
	root string
	j    *sqlite.Journal
	q    *queue
	rcv  *upload.Receiver
	srv  *httptest.Server
}

// newStack is the real intake behind the real HTTP API: journal, pipeline
// intake, receiver, basic auth with roles.
func newStack(t *testing.T, maxFile int64) *stack {
	t.Helper()
	root := t.TempDir()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
paths: {work: %[1]s/work, done: %[1]s/done, error: %[1]s/error}
intake: {max_file_size: %[2]d}
targets: {archive: {type: archive, dir: %[1]s/archive}}
profiles: [{name: rechnung, folder: %[1]s/inbox, kind: rechnung, target: archive}]
`, root, maxFile)), nil)
	if err != nil {
		t.Fatal(err)
	}
	j, err := sqlite.Open(context.Background(), filepath.Join(root, "j.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	q := &queue{}
	p := pipeline.New(pipeline.Options{Config: cfg, Journal: j})
	rcv := upload.New(cfg, j, p.Intake(q), p.ClaimDir())
	hash, _ := bcrypt.GenerateFromPassword([]byte("geheim"), bcrypt.MinCost)
	h := string(hash)
	srv := httptest.NewServer(httpapi.New(httpapi.Options{
		Users: []config.User{
			{Name: "lieferportal", BcryptHash: h, Roles: []string{config.RoleUpload}},
			{Name: "leser", BcryptHash: h, Roles: []string{config.RoleViewer}},
			{Name: "alt", BcryptHash: h}, // no roles: viewer and operator, as before roles existed
		},
		Documents: j, Uploads: rcv, Logger: slog.New(slog.DiscardHandler),
	}))
	t.Cleanup(srv.Close)
	return &stack{root: root, j: j, q: q, rcv: rcv, srv: srv}
}

func (s *stack) post(t *testing.T, user, query string, body io.Reader, header map[string]string) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest("POST", s.srv.URL+"/api/v1/documents"+query, body)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if user != "" {
		req.SetBasicAuth(user, "geheim")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]string{}
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func multipartBody(t *testing.T, name string, content []byte) (io.Reader, map[string]string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("note", "ignored")
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	return &b, map[string]string{"Content-Type": mw.FormDataContentType()}
}

const pdf = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

func TestUploadThroughTheAPI(t *testing.T) {
	s := newStack(t, 10<<20)
	body, hdr := multipartBody(t, "Rechnung 4711.pdf", []byte(pdf))

	// Only the upload role may post.
	if code, _ := s.post(t, "", "?profile=rechnung", strings.NewReader(pdf), nil); code != http.StatusUnauthorized {
		t.Errorf("anonymous: %d, want 401", code)
	}
	for _, u := range []string{"leser", "alt"} {
		if code, _ := s.post(t, u, "?profile=rechnung", strings.NewReader(pdf), nil); code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", u, code)
		}
	}

	code, res := s.post(t, "lieferportal", "?profile=rechnung", body, hdr)
	if code != http.StatusAccepted || res["state"] != journal.StateReceived || res["id"] == "" {
		t.Fatalf("upload: %d %v", code, res)
	}
	d, err := s.j.Get(context.Background(), res["id"])
	if err != nil {
		t.Fatal(err)
	}
	if d.Channel != config.ChannelUpload || d.Origin["user"] != "lieferportal" || d.SourceName != "Rechnung 4711.pdf" || d.Profile != "rechnung" {
		t.Errorf("document %+v", d)
	}
	if len(s.q.tasks) != 1 || s.q.tasks[0].ID != d.ID {
		t.Errorf("queued %v", s.q.tasks)
	}
	// The same content again, raw this time: same id, 200, nothing queued.
	code, again := s.post(t, "lieferportal", "?profile=rechnung", strings.NewReader(pdf),
		map[string]string{"Content-Type": "application/pdf", "Content-Disposition": `attachment; filename="kopie.pdf"`})
	if code != http.StatusOK || again["id"] != d.ID {
		t.Errorf("repeat: %d %v, want 200 with id %s", code, again, d.ID)
	}
	if len(s.q.tasks) != 1 {
		t.Errorf("repeat queued again: %v", s.q.tasks)
	}

	// A broken file becomes a failed document with the German reason.
	code, bad := s.post(t, "lieferportal", "?profile=rechnung", strings.NewReader("%PDF-1.4\nkaputt"),
		map[string]string{"Content-Disposition": `attachment; filename="../../kaputt.pdf"`})
	if code != http.StatusAccepted || bad["state"] != journal.StateFailed {
		t.Fatalf("broken: %d %v", code, bad)
	}
	fd, _ := s.j.Get(context.Background(), bad["id"])
	if fd == nil || !strings.Contains(fd.Error, "beschädigt") || fd.SourceName != "kaputt.pdf" {
		t.Errorf("failed document %+v", fd)
	}
	if _, err := os.Stat(filepath.Join(s.root, "error", "kaputt.pdf.error.txt")); err != nil {
		t.Errorf("no reason file: %v", err)
	}
	// The documents API shows the reason to whoever uploaded it.
	req, _ := http.NewRequest("GET", s.srv.URL+"/api/v1/documents/"+bad["id"], nil)
	req.SetBasicAuth("leser", "geheim")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var apiDoc journal.Document
	json.NewDecoder(resp.Body).Decode(&apiDoc)
	resp.Body.Close()
	if apiDoc.State != journal.StateFailed || !strings.Contains(apiDoc.Error, "beschädigt") || apiDoc.Channel != config.ChannelUpload {
		t.Errorf("API shows %+v", apiDoc)
	}

	for _, tt := range []struct {
		name, query string
		body        string
		want        int
	}{
		{"no profile", "", pdf, http.StatusBadRequest},
		{"unknown profile", "?profile=bauamt", pdf, http.StatusBadRequest},
		{"empty", "?profile=rechnung", "", http.StatusBadRequest},
	} {
		if code, res := s.post(t, "lieferportal", tt.query, strings.NewReader(tt.body), nil); code != tt.want {
			t.Errorf("%s: %d %v, want %d", tt.name, code, res, tt.want)
		}
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("other", "x")
	mw.Close()
	mh := map[string]string{"Content-Type": mw.FormDataContentType()}
	if code, res := s.post(t, "lieferportal", "?profile=rechnung", &b, mh); code != http.StatusBadRequest || !strings.Contains(res["error"], `"file"`) {
		t.Errorf("multipart without file: %d %v", code, res)
	}
	assertNoStagedFiles(t, s)
}

func TestUploadTooLarge(t *testing.T) {
	s := newStack(t, 1024)
	code, res := s.post(t, "lieferportal", "?profile=rechnung", bytes.NewReader(bytes.Repeat([]byte("x"), 1025)), nil)
	if code != http.StatusRequestEntityTooLarge {
		t.Errorf("%d %v, want 413", code, res)
	}
	assertNoStagedFiles(t, s)
}

func assertNoStagedFiles(t *testing.T, s *stack) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(s.root, "work", "uploads", "*"))
	if len(left) != 0 {
		t.Errorf("staged files left behind: %v", left)
	}
}

// zeros is a reader of n bytes that holds none of them.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > z.n {
		p = p[:z.n]
	}
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}

// A 1 GB upload is streamed: the heap stays small while it is received.
func TestUploadOneGigabyteStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 1 GB")
	}
	const size = 1 << 30
	s := newStack(t, size)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	peak := uint64(0)
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			default:
			}
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			runtime.Gosched()
		}
	}()
	body := io.MultiReader(strings.NewReader("%PDF-1.4\n"), &zeros{n: size - 9})
	code, res := s.post(t, "lieferportal", "?profile=rechnung", body, map[string]string{"Content-Disposition": `attachment; filename="gross.pdf"`})
	close(done)
	<-stopped
	if code != http.StatusAccepted {
		t.Fatalf("%d %v", code, res)
	}
	fi, err := os.Stat(filepath.Join(s.root, "error", "gross.pdf"))
	if err != nil {
		// Not a readable PDF: it ends in the error folder, whole.
		t.Fatalf("the uploaded file is not where it ended: %v (%v)", err, res)
	}
	if fi.Size() != size {
		t.Errorf("stored %d bytes, sent %d", fi.Size(), size)
	}
	if grow := int64(peak) - int64(before.HeapInuse); grow > 64<<20 {
		t.Errorf("heap grew by %d MB while receiving 1 GB", grow>>20)
	}
	t.Logf("heap in use: %d MB before, %d MB peak", before.HeapInuse>>20, peak>>20)
}
