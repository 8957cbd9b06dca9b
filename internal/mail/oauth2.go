package mail

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/emersion/go-sasl"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/eingang/eingang/internal/config"
)

// TokenSource returns the access tokens an OAuth2 account logs in with:
// the client credentials grant at the account's token endpoint, cached
// until shortly before the token expires. ctx may carry the HTTP client
// for the token endpoint (oauth2.HTTPClient); without one, requests time
// out after tokenTimeout, so a hanging endpoint cannot stop the poller.
func TokenSource(ctx context.Context, o config.MailOAuth2, clientSecret string) oauth2.TokenSource {
	if _, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); !ok {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Timeout: tokenTimeout})
	}
	cc := clientcredentials.Config{ClientID: o.ClientID, ClientSecret: clientSecret, TokenURL: o.TokenURL, Scopes: o.Scopes}
	return cc.TokenSource(ctx)
}

// tokenTimeout bounds one request to the token endpoint.
const tokenTimeout = 30 * time.Second

// saslClient is the SASL client of an OAuth2 login.
func saslClient(mechanism, user, token string) sasl.Client {
	if mechanism == config.MechanismOAuthBearer {
		return sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: user, Token: token})
	}
	return &xoauth2Client{user: user, token: token}
}

// xoauth2Client is Google's and Microsoft's XOAUTH2 mechanism, which
// go-sasl does not carry: one initial response, and on failure the server
// sends a JSON error as a challenge that the client answers empty.
type xoauth2Client struct{ user, token string }

func (c *xoauth2Client) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + c.user + "\x01auth=Bearer " + c.token + "\x01\x01"), nil
}

func (c *xoauth2Client) Next(challenge []byte) ([]byte, error) {
	// The challenge is the server's error report; an empty answer ends
	// the exchange with the server's NO.
	return []byte{}, nil
}

// oauth2Login authenticates c with a fresh token.
func (p *Poller) oauth2Login(c interface{ Authenticate(sasl.Client) error }) error {
	o := p.o.Account.OAuth2
	if p.o.Token == nil {
		return fmt.Errorf("oauth2: no token source configured for account %s", p.o.Account.Name)
	}
	tok, err := p.o.Token.Token()
	if err != nil {
		// The token endpoint's answer, never the client secret.
		return fmt.Errorf("oauth2 token from %s: %w", o.TokenURL, err)
	}
	return c.Authenticate(saslClient(o.Mechanism, p.o.Account.Username, tok.AccessToken))
}

// Credentials reads what acct logs in with: the password, or for an
// OAuth2 account the client secret, turned into a token source. ctx is
// the token source's context (see TokenSource). Errors name the key.
func Credentials(ctx context.Context, acct config.MailAccount, getenv func(string) string) (password string, token oauth2.TokenSource, err error) {
	if o := acct.OAuth2; o != nil {
		secret, err := o.ReadClientSecret(getenv)
		if err != nil {
			return "", nil, fmt.Errorf("oauth2.%w", err)
		}
		return "", TokenSource(ctx, *o, secret), nil
	}
	pw, err := acct.ReadPassword(getenv)
	return pw, nil, err
}
