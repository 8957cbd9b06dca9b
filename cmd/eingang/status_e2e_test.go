package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/testenv"
)

// statusInstance is an eingang serve with a clerk (poststelle) and a
// viewer (leser), a strict profile whose invalid e-invoices fail and a
// lenient one whose invalid e-invoices are delivered for review.
func statusInstance(t *testing.T) *instance {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("geheim"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	cfg := filepath.Join(root, "eingang.yaml")
	err = os.WriteFile(cfg, []byte(fmt.Sprintf(`
paths: {work: %[1]s/work, done: %[1]s/done, error: %[1]s/error}
http:
  addr: "%[2]s"
  users:
    - {name: poststelle, bcrypt_hash: "%[3]s", roles: [viewer, clerk]}
    - {name: leser, bcrypt_hash: "%[3]s", roles: [viewer]}
journal: {dsn: %[1]s/journal.db}
intake: {stability_delay: 1s, rescan_interval: 1s}
workers: {concurrency: 2, shutdown_timeout: 5s}
targets: {archive: {type: archive, dir: %[1]s/archive}}
classification:
  routes: {kaemmerei: {office: Kämmerei, location: Rechnungseingang}}
  kind_routes: {Rechnung: kaemmerei}
profiles:
  - {name: rechnung, folder: %[1]s/inbox/rechnung, create: true, kind: rechnung, target: archive, invalid_einvoice: error}
  - {name: pruefen, folder: %[1]s/inbox/pruefen, create: true, kind: rechnung, target: archive}
`, root, addr, hash)), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return &instance{t: t, root: root, cfg: cfg, addr: addr}
}

// authGet fetches path as user and decodes JSON into v when given.
func authGet(t *testing.T, in *instance, path, user string, v any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+in.addr+path, nil)
	req.SetBasicAuth(user, "geheim")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil && resp.StatusCode == 200 {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// browser starts a headless Chromium driven over DevTools that sends user's
// basic authentication with every request.
func browser(t *testing.T, bin, user string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1000), chromedp.Flag("disable-quic", true), chromedp.Flag("lang", "de-DE"))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelT(); cancel(); cancelA() })
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":geheim"))
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": auth}})
		return err
	})); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium not installed (make test installs it)")
	}
	t.Skip("chromium not installed")
	return ""
}

// TestStatusPageActionsInChromium: a running eingang serve after a good
// e-invoice, a broken one (refused by its profile) and one to review were
// dropped. Headless Chromium shows the German states and the clerk's
// reason, every control has a label and is reached with Tab, the clerk
// retries the failed document with a click (it runs again and fails again,
// journaled with the clerk's name) and marks the review item as checked
// with the keyboard; the viewer sees no buttons and is refused the action.
func TestStatusPageActionsInChromium(t *testing.T) {
	bin := chromiumPath(t)
	// eingang refuses unknown EINGANG_ variables; the screenshot folder is
	// the test's, not the server's.
	shotDir, hasShotDir := os.LookupEnv("EINGANG_SCREENSHOTS")
	if hasShotDir {
		os.Unsetenv("EINGANG_SCREENSHOTS")
		t.Cleanup(func() { os.Setenv("EINGANG_SCREENSHOTS", shotDir) })
	}
	in := statusInstance(t)
	in.start()
	good := einvoices(t, func(e manifestEntry) bool { return e.Expect == "valid" && strings.HasPrefix(e.Kind, "ubl") }, 1)[0]
	bad := einvoices(t, func(e manifestEntry) bool { return e.Expect == "invalid" && strings.HasSuffix(e.File, ".xml") }, 2)
	strict := filepath.Join(in.root, "inbox", "rechnung")
	lenient := filepath.Join(in.root, "inbox", "pruefen")
	copyFile(t, good.File, filepath.Join(strict, "gut.xml"))
	copyFile(t, bad[0].File, filepath.Join(strict, "kaputt.xml"))
	copyFile(t, bad[1].File, filepath.Join(lenient, "pruefen.xml"))

	var docs map[string]journal.Document
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var res struct{ Documents []journal.Document }
		authGet(t, in, "/api/v1/documents", "leser", &res)
		docs = map[string]journal.Document{}
		for _, d := range res.Documents {
			if d.Terminal() {
				docs[d.SourceName] = d
			}
		}
		if len(docs) == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("documents not finished: %+v", res.Documents)
		}
		time.Sleep(250 * time.Millisecond)
	}
	failed, review := docs["kaputt.xml"], docs["pruefen.xml"]
	if failed.State != journal.StateFailed || review.Fields["needs_review"] != "true" || docs["gut.xml"].State != journal.StateDelivered {
		t.Fatalf("unexpected states: %+v", docs)
	}
	base := "http://" + in.addr

	ctx := browser(t, bin, "poststelle")
	html := page(t, ctx, base+"/", chromedp.CSS("table"))
	for _, want := range []string{`lang="de"`, "gut.xml", `class="delivered">zugestellt<`, `class="failed">Fehler<`, `class="review">zur Prüfung<`,
		"Die E-Rechnung ist laut Prüfung nach XRechnung/EN 16931 ungültig", "Zum Inhalt springen", "<caption>Dokumente 1–3</caption>"} {
		if !strings.Contains(html, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("status page:\n%s", html)
	}
	// The delivered invoice links its archived PDF and validation report.
	gut := page(t, ctx, base+"/status/doc/"+docs["gut.xml"].ID, chromedp.CSS("h1"))
	for _, kind := range []string{"pdf", "report"} {
		link := "/status/doc/" + docs["gut.xml"].ID + "/" + kind
		if !strings.Contains(gut, `href="`+link+`"`) {
			t.Errorf("document page lacks the link %s", link)
			continue
		}
		req, _ := http.NewRequest("GET", base+link, nil)
		req.SetBasicAuth("leser", "geheim")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ct := resp.Header.Get("Content-Type")
		if resp.StatusCode != 200 || (kind == "pdf" && (ct != "application/pdf" || !strings.HasPrefix(string(b), "%PDF-"))) || (kind == "report" && !strings.Contains(ct, "xml") && !strings.Contains(ct, "json")) {
			t.Errorf("GET %s: %d %s %.20q", link, resp.StatusCode, ct, b)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("table"))); err != nil {
		t.Fatal(err)
	}
	// Every control has a label; Tab reaches each of them, the skip link
	// first, with a visible focus.
	unlabelled, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('input:not([type=hidden]),select,textarea,button')]
		.filter(e => e.tagName !== 'BUTTON' ? !(e.labels && e.labels.length) : !e.textContent.trim()).map(e => e.outerHTML)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(unlabelled) > 0 {
		t.Errorf("controls without a label: %v", unlabelled)
	}
	tabbed := tabThrough(t, ctx, 20)
	joined := strings.Join(tabbed, " | ")
	if !strings.HasPrefix(joined, "A:Zum Inhalt springen:solid") {
		t.Errorf("first Tab stop is not the visible skip link: %s", joined)
	}
	for _, want := range []string{"SELECT#state:solid", "SELECT#profile", "SELECT#channel", "INPUT#day", "INPUT#q", "BUTTON:Anzeigen:solid", "A:gut.xml"} {
		if !strings.Contains(joined, want) {
			t.Errorf("Tab does not reach %s: %s", want, joined)
		}
	}
	shot := filepath.Join(t.TempDir(), "status-actions.png")
	if shotDir != "" {
		shot = filepath.Join(shotDir, "status-actions.png")
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil || len(png) < 10_000 {
		t.Errorf("screenshot: %v (%d bytes)", err, len(png))
	}
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Error(err)
	}

	// The viewer: no buttons, and the action refused.
	vctx := browser(t, bin, "leser")
	vhtml := page(t, vctx, base+"/status/doc/"+failed.ID, chromedp.CSS("h1"))
	if strings.Contains(vhtml, "Erneut verarbeiten") || strings.Contains(vhtml, "<form") {
		t.Error("the viewer is offered the retry")
	}
	if err := chromedp.Do(vctx,
		chromedp.Evaluate[chromedp.Void](`(() => { const f = document.createElement('form'); f.method = 'post'; f.action = location.pathname + '/retry'; document.body.append(f); f.submit(); })()`),
		chromedp.WaitVisible(chromedp.Search(`//body[contains(., "Berechtigung")]`))); err != nil {
		t.Fatalf("viewer's forged retry: %v", err)
	}
	req, _ := http.NewRequest("POST", base+"/status/doc/"+failed.ID+"/retry", strings.NewReader(url.Values{"csrf": {"x"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("leser", "geheim")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer's retry: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// The clerk retries with a click.
	events := len(eventsOf(t, in, failed.ID))
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/status/doc/"+failed.ID), chromedp.WaitVisible(chromedp.CSS("h1")),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Erneut verarbeiten"]`)), chromedp.WaitVisible(chromedp.CSS(".notice"))); err != nil {
		t.Fatalf("retry: %v", err)
	}
	notice, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".notice")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(notice, "Das Dokument wird erneut verarbeitet") {
		t.Errorf("confirmation %q", notice)
	}
	if docShot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
		t.Error(err)
	} else if err := os.WriteFile(filepath.Join(filepath.Dir(shot), "status-doc.png"), docShot, 0o644); err != nil {
		t.Error(err)
	}
	var again []journal.Event
	deadline = time.Now().Add(time.Minute)
	for {
		var d journal.Document
		authGet(t, in, "/api/v1/documents/"+failed.ID, "leser", &d)
		again = d.Events
		if d.State == journal.StateFailed && len(again) > events+2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the retried document did not run again: %+v", d)
		}
		time.Sleep(250 * time.Millisecond)
	}
	var byClerk, redropped bool
	for _, e := range again[events:] {
		byClerk = byClerk || (e.Step == "action" && e.Outcome == "retry" && strings.Contains(e.Detail, "user=poststelle"))
		redropped = redropped || strings.Contains(e.Detail, "dropped again after failure")
	}
	if !byClerk || !redropped {
		t.Errorf("events after the retry lack the clerk's action or the new run: %+v", again[events:])
	}
	if _, err := os.Stat(filepath.Join(in.root, "error", "kaputt.xml.error.txt")); err != nil {
		t.Errorf("failed again, but no reason file: %v", err)
	}

	// The clerk marks the review item as checked with the keyboard.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/status/doc/"+review.ID), chromedp.WaitVisible(chromedp.CSS("h1")),
		chromedp.Focus(chromedp.Search(`//button[normalize-space()="Als geprüft markieren"]`)), chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(".notice"))); err != nil {
		t.Fatalf("mark as checked: %v", err)
	}
	state, err := chromedp.Run(ctx, chromedp.Text(chromedp.Search(`//th[.="Status"]/following-sibling::td`)))
	if err != nil {
		t.Fatal(err)
	}
	if state != "geprüft" {
		t.Errorf("state after check: %q", state)
	}
	var d journal.Document
	authGet(t, in, "/api/v1/documents/"+review.ID, "leser", &d)
	if d.Fields["review_checked_by"] != "poststelle" {
		t.Errorf("fields after check: %v", d.Fields)
	}
}

// page loads url, waits for sel and returns the document's HTML.
func page(t *testing.T, ctx context.Context, url string, sel chromedp.CSS) string {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(sel)); err != nil {
		t.Fatalf("load %s: %v", url, err)
	}
	html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		t.Fatal(err)
	}
	return html
}

func eventsOf(t *testing.T, in *instance, id string) []journal.Event {
	t.Helper()
	var d journal.Document
	if code := authGet(t, in, "/api/v1/documents/"+id, "leser", &d); code != 200 {
		t.Fatalf("GET document: %d", code)
	}
	return d.Events
}

// tabThrough presses Tab n times and returns each focused element as
// TAG#id:text:outline-style.
func tabThrough(t *testing.T, ctx context.Context, n int) []string {
	t.Helper()
	var out []string
	for range n {
		if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
			t.Fatal(err)
		}
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const e = document.activeElement;
			return e.tagName + (e.id ? '#' + e.id : '') + (['A','BUTTON'].includes(e.tagName) ? ':' + e.textContent.trim() : '') + ':' + getComputedStyle(e).outlineStyle; })()`))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}
