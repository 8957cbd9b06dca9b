package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
)

// Dovecot is a dovecot IMAP server started for one test: private
// configuration in a temporary folder, one passwd-file user, maildir,
// plain login on a free loopback port.
type Dovecot struct {
	Addr     string
	User     string
	Password string
	// TLSAddr is the implicit-TLS (imaps) listener and CAFile the PEM of
	// the private CA that signed the server's certificate; both are set by
	// StartDovecotTLS only. The plain listener then offers STARTTLS.
	TLSAddr string
	CAFile  string
	dir     string
	conf    string
	port    int
	cmd     *exec.Cmd
}

// URL is the account's imap:// URL.
func (d *Dovecot) URL() string { return "imap://" + d.Addr }

// Dir is the server's private folder (config, log, mail).
func (d *Dovecot) Dir() string { return d.dir }

// StartDovecot starts dovecot and stops it when the test ends. It skips
// only outside CI when dovecot is not installed (make test installs
// dovecot-imapd); in CI a missing dovecot fails the test.
func StartDovecot(t testing.TB) *Dovecot {
	t.Helper()
	return startDovecot(t, dovecotOptions{})
}

// StartDovecotOAuth2 is StartDovecot that also takes SASL XOAUTH2 and
// OAUTHBEARER logins, checking each token with a GET of tokenInfoURL plus
// the token (Dovecot's oauth2 passdb, tokeninfo mode). The endpoint must
// answer {"email": USER, "active": true} for a valid token.
func StartDovecotOAuth2(t testing.TB, tokenInfoURL string) *Dovecot {
	t.Helper()
	return startDovecot(t, dovecotOptions{tokenInfoURL: tokenInfoURL})
}

type dovecotOptions struct {
	tls          bool
	tokenInfoURL string
}

// StartDovecotTLS is StartDovecot with TLS: a certificate for 127.0.0.1
// signed by a private CA (Dovecot.CAFile), STARTTLS on Addr and implicit
// TLS on TLSAddr.
func StartDovecotTLS(t testing.TB) *Dovecot {
	t.Helper()
	return startDovecot(t, dovecotOptions{tls: true})
}

func startDovecot(t testing.TB, opt dovecotOptions) *Dovecot {
	t.Helper()
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		if _, err2 := os.Stat("/usr/sbin/dovecot"); err2 == nil {
			bin = "/usr/sbin/dovecot"
		} else if os.Getenv("CI") != "" {
			t.Fatalf("dovecot not installed (make test installs dovecot-imapd): %v", err)
		} else {
			t.Skipf("dovecot not installed (make test installs dovecot-imapd): %v", err)
		}
	}
	// Not t.TempDir: its parents are private to the test's user, and
	// dovecot's own users must reach the folder.
	dir, err := os.MkdirTemp("", "eingang-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	internal, login, mailUID := "dovecot", "dovenull", "dovecot"
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		internal, login, mailUID = u.Username, u.Username, u.Uid
	}
	d := &Dovecot{User: "rechnung@kreis.example", Password: "geheim-imap", dir: dir, port: FreePort(t)}
	d.Addr = fmt.Sprintf("127.0.0.1:%d", d.port)
	mail := filepath.Join(dir, "mail")
	if err := os.MkdirAll(mail, 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chown", mailUID+":"+mailUID, mail).CombinedOutput(); err != nil {
			t.Fatalf("chown %s: %v: %s", mail, err, out)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "passwd"), []byte(d.User+":{PLAIN}"+d.Password+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d.conf = filepath.Join(dir, "dovecot.conf")
	sslConf, tlsPort := "ssl = no", 0
	if opt.tls {
		tlsPort = FreePort(t)
		d.TLSAddr = fmt.Sprintf("127.0.0.1:%d", tlsPort)
		d.CAFile = filepath.Join(dir, "ca.pem")
		certFile, keyFile := filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key")
		writeTestCerts(t, d.CAFile, certFile, keyFile)
		sslConf = "ssl = yes\nssl_cert = <" + certFile + "\nssl_key = <" + keyFile + "\nssl_min_protocol = TLSv1.2"
	}
	mechs, oauthPassdb := "plain login", ""
	if opt.tokenInfoURL != "" {
		mechs = "plain login xoauth2 oauthbearer"
		ext := filepath.Join(dir, "oauth2.conf.ext")
		oconf := "tokeninfo_url = " + opt.tokenInfoURL + "\nusername_attribute = email\nactive_attribute = active\nactive_value = true\n"
		if err := os.WriteFile(ext, []byte(oconf), 0o644); err != nil {
			t.Fatal(err)
		}
		oauthPassdb = "passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = " + ext + "\n}\n"
	}
	conf := strings.NewReplacer("@MECHS@", mechs, "@OAUTH2@", oauthPassdb, "@DIR@", dir, "@PORT@", fmt.Sprint(d.port), "@TLSPORT@", fmt.Sprint(tlsPort), "@SSL@", sslConf,
		"@INTERNAL@", internal, "@LOGIN@", login, "@UID@", mailUID).Replace(dovecotConf)
	if err := os.WriteFile(d.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	d.cmd = exec.Command(bin, "-F", "-c", d.conf)
	d.start(t, bin)
	t.Cleanup(d.Stop)
	return d
}

func (d *Dovecot) start(t testing.TB, bin string) {
	t.Helper()
	d.cmd = exec.Command(bin, "-F", "-c", d.conf)
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", d.Addr, 200*time.Millisecond)
		if err == nil {
			buf := make([]byte, 64)
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			n, _ := c.Read(buf)
			c.Close()
			if strings.HasPrefix(string(buf[:n]), "* OK") {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(d.dir, "dovecot.log"))
	t.Fatalf("dovecot on %s did not come up; log:\n%s", d.Addr, log)
}

// Stop stops the server (to simulate an outage); t.Cleanup also stops it.
func (d *Dovecot) Stop() {
	if d.cmd != nil && d.cmd.Process != nil && d.cmd.ProcessState == nil {
		_ = d.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = d.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = d.cmd.Process.Kill()
			<-done
		}
	}
}

// Restart stops and starts the server on the same port with the same
// mailboxes.
func (d *Dovecot) Restart(t testing.TB) {
	t.Helper()
	d.Stop()
	d.start(t, d.cmd.Path)
}

const dovecotConf = `
base_dir = @DIR@/run
state_dir = @DIR@/state
log_path = @DIR@/dovecot.log
protocols = imap
listen = 127.0.0.1
@SSL@
disable_plaintext_auth = no
auth_mechanisms = @MECHS@
default_internal_user = @INTERNAL@
default_login_user = @LOGIN@
first_valid_uid = 0
mail_location = maildir:@DIR@/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u @DIR@/passwd
}
@OAUTH2@
userdb {
  driver = static
  args = uid=@UID@ gid=@UID@ home=@DIR@/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = @PORT@
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = @TLSPORT@
  }
}
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
protocol imap {
  mail_max_userip_connections = 100
}
`

// Append puts mails into folder (created if missing).
func (d *Dovecot) Append(t testing.TB, folder string, mails ...string) {
	t.Helper()
	c := d.login(t)
	defer c.Logout()
	_ = c.Create(folder)
	for _, m := range mails {
		if err := c.Append(folder, nil, time.Now(), strings.NewReader(m)); err != nil {
			t.Fatalf("append to %s: %v", folder, err)
		}
	}
}

// Count returns the number of mails in each folder (0 for one that does
// not exist).
func (d *Dovecot) Count(t testing.TB, folders ...string) map[string]uint32 {
	t.Helper()
	c := d.login(t)
	defer c.Logout()
	out := map[string]uint32{}
	for _, f := range folders {
		if st, err := c.Status(f, []imap.StatusItem{imap.StatusMessages}); err == nil {
			out[f] = st.Messages
		} else {
			out[f] = 0
		}
	}
	return out
}

func (d *Dovecot) login(t testing.TB) *client.Client {
	t.Helper()
	c, err := client.Dial(d.Addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(d.User, d.Password); err != nil {
		t.Fatal(err)
	}
	return c
}
