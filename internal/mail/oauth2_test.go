package mail

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/testenv"
	"golang.org/x/oauth2"
)

// fakeIdP is a token endpoint (client credentials grant) and the token
// introspection Dovecot asks, as Microsoft's identity platform and the
// mail server divide the work.
type fakeIdP struct {
	mu       sync.Mutex
	user     string
	issued   map[string]bool
	requests int
	srv      *httptest.Server
}

func newFakeIdP(t *testing.T, user string) *fakeIdP {
	t.Helper()
	f := &fakeIdP{user: user, issued: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		if !ok {
			r.ParseForm()
			id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
		}
		if r.PostFormValue("grant_type") != "client_credentials" || id != "eingang-client" || secret != "s3cret-client" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}`)
			return
		}
		f.mu.Lock()
		f.requests++
		tok := fmt.Sprintf("tok-%d", f.requests)
		f.issued[tok] = true
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
	})
	mux.HandleFunc("GET /tokeninfo", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		ok := f.issued[r.URL.Query().Get("access_token")]
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"active":false}`)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"email": f.user, "active": true})
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// OAuth2 login against Dovecot: a token from the fake token endpoint by
// client credentials, XOAUTH2 and OAUTHBEARER, the token reused while it
// is valid; a wrong client secret fails with the endpoint's reason and
// never shows the secret.
func TestOAuth2Login(t *testing.T) {
	const user = "rechnung@kreis.example"
	idp := newFakeIdP(t, user)
	d := testenv.StartDovecotOAuth2(t, idp.srv.URL+"/tokeninfo?access_token=")
	dir := t.TempDir()
	login := func(mech, secret string) error {
		acct := config.MailAccount{Name: "rechnung", URL: d.URL(), Username: user, Profile: "rechnung",
			OAuth2: &config.MailOAuth2{TokenURL: idp.srv.URL + "/token", ClientID: "eingang-client", ClientSecretEnv: "MAIL_SECRET",
				Scopes: []string{"https://outlook.office365.com/.default"}, Mechanism: mech}}
		_, tok, err := Credentials(context.Background(), acct.WithDefaults(), func(string) string { return secret })
		if err != nil {
			return err
		}
		p := New(Options{Account: acct.WithDefaults(), Token: tok, ClaimDir: filepath.Join(dir, "claims"), WorkDir: filepath.Join(dir, "mail"),
			Handler: &recorder{}, Lease: &memLease{}})
		if _, err := p.Check(context.Background()); err != nil {
			return err
		}
		// A second login with the same source reuses its token.
		_, err = p.Check(context.Background())
		return err
	}
	for _, mech := range []string{config.MechanismXOAuth2, config.MechanismOAuthBearer, ""} {
		before := idp.requests
		if err := login(mech, "s3cret-client"); err != nil {
			t.Fatalf("%q login: %v", mech, err)
		}
		if n := idp.requests - before; n != 1 {
			t.Errorf("%q: %d token requests for two logins, want 1", mech, n)
		}
	}
	err := login(config.MechanismXOAuth2, "falsch-client")
	if err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("wrong client secret: %v", err)
	}
	if strings.Contains(err.Error(), "falsch-client") {
		t.Errorf("the client secret is in the error: %v", err)
	}
	// A token the server does not accept (revoked) is refused by Dovecot.
	idp.mu.Lock()
	clear(idp.issued)
	idp.mu.Unlock()
	acct := config.MailAccount{Name: "rechnung", URL: d.URL(), Username: user, Profile: "rechnung",
		OAuth2: &config.MailOAuth2{TokenURL: idp.srv.URL + "/token", ClientID: "eingang-client", ClientSecretEnv: "X"}}
	p := New(Options{Account: acct.WithDefaults(), Token: staticToken("tok-revoked"), Handler: &recorder{}, Lease: &memLease{}})
	if _, err := p.Check(context.Background()); err == nil {
		t.Error("a revoked token logged in")
	}
}

type staticToken string

func (s staticToken) Token() (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: string(s), TokenType: "Bearer"}, nil
}
