package mail

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
	"golang.org/x/oauth2"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/einvoice/visual"
	"github.com/eingang/eingang/internal/fsutil"
	"github.com/eingang/eingang/internal/intake"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/netconf"
)

// Journal is what the poller needs from the journal.
type Journal interface {
	Get(ctx context.Context, id string) (*journal.Document, error)
	MailboxState(ctx context.Context, account, folder string) (uidValidity, lastUID uint32, err error)
	SetMailboxState(ctx context.Context, account, folder string, uidValidity, lastUID uint32) error
}

// Lease keeps one poller per mailbox: Acquire takes the key for holder or
// renews it for ttl; it reports false while another holder has it. The
// lease ends by itself when its holder stops renewing (dies).
type Lease interface {
	Acquire(ctx context.Context, key, holder string, ttl time.Duration) (bool, error)
	Release(ctx context.Context, key, holder string) error
}

// Observer receives per-account figures for metrics.
type Observer interface {
	MailSeen(account string)
	MailImported(account string)
	MailFailed(account string)
	MailPolled(account string, at time.Time)
}

// Options are a poller's settings and dependencies.
type Options struct {
	Account  config.MailAccount
	Password string
	// ClaimDir is the work area's claims folder (pipeline.ClaimDir); WorkDir
	// holds mails being read.
	ClaimDir, WorkDir string
	MaxFileSize       int64
	Handler           intake.Handler
	Journal           Journal
	Lease             Lease
	Observer          Observer
	Logger            *slog.Logger
	// BatchSize is how many UIDs one FETCH asks for (default 50).
	BatchSize int
	// TLS, when set, is used for imaps:// and STARTTLS (tests).
	TLS *tls.Config
	// Token gives the access token of an account with oauth2 (see
	// TokenSource); Password is then unused.
	Token oauth2.TokenSource
}

// Poller reads one mailbox.
type Poller struct {
	o      Options
	holder string
	log    *slog.Logger
}

// New returns a poller for one account.
func New(o Options) *Poller {
	o.Account = o.Account.WithDefaults()
	if o.BatchSize <= 0 {
		o.BatchSize = 50
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	host, _ := os.Hostname()
	return &Poller{o: o, holder: fmt.Sprintf("%s/%d/%x", host, os.Getpid(), b), log: o.Logger.With("account", o.Account.Name)}
}

type nopObserver struct{}

func (nopObserver) MailSeen(string)              {}
func (nopObserver) MailImported(string)          {}
func (nopObserver) MailFailed(string)            {}
func (nopObserver) MailPolled(string, time.Time) {}

// LeaseTTL is how long a lease outlives its holder's last renewal.
const LeaseTTL = 30 * time.Second

func (p *Poller) leaseKey() string { return "eingang:mail:lease:" + p.o.Account.Name }

// Run polls until ctx ends: every poll_interval, and as soon as the
// server's IDLE reports new mail. Errors are logged and retried at the
// next interval; one bad mail never stops the account.
func (p *Poller) Run(ctx context.Context) error {
	defer func() {
		if p.o.Lease != nil {
			_ = p.o.Lease.Release(context.WithoutCancel(ctx), p.leaseKey(), p.holder)
		}
	}()
	for ctx.Err() == nil {
		held := p.hold(ctx)
		var c *client.Client
		if held {
			var err error
			c, err = p.Poll(ctx)
			if err != nil && ctx.Err() == nil {
				p.log.Warn("mail poll failed; retrying at the next interval", "err", err)
			}
		}
		p.wait(ctx, c)
		if c != nil {
			_ = c.Logout()
		}
	}
	return nil
}

// hold takes or renews the lease; without a Lease every poller polls.
func (p *Poller) hold(ctx context.Context) bool {
	if p.o.Lease == nil {
		return true
	}
	ok, err := p.o.Lease.Acquire(ctx, p.leaseKey(), p.holder, LeaseTTL)
	if err != nil {
		p.log.Warn("mailbox lease unavailable; not polling", "err", err)
		return false
	}
	return ok
}

// wait sleeps until the next poll: poll_interval, or earlier when c (still
// logged in, the folder selected) reports new mail through IDLE. The
// lease is renewed meanwhile.
func (p *Poller) wait(ctx context.Context, c *client.Client) {
	timer := time.NewTimer(p.o.Account.PollInterval)
	defer timer.Stop()
	renew := time.NewTicker(LeaseTTL / 3)
	defer renew.Stop()
	var updates chan client.Update
	var idleDone chan error
	stop := make(chan struct{})
	if c != nil {
		if ok, _ := c.Support("IDLE"); ok {
			updates = make(chan client.Update, 16)
			c.Updates = updates
			idleDone = make(chan error, 1)
			go func() { idleDone <- c.Idle(stop, &client.IdleOptions{LogoutTimeout: 0, PollInterval: 0}) }()
		}
	}
	defer func() {
		if idleDone != nil {
			close(stop)
			select {
			case <-idleDone:
			case <-time.After(5 * time.Second):
			}
			c.Updates = nil
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
			return
		case <-renew.C:
			if p.o.Lease != nil && !p.hold(ctx) {
				return
			}
		case u := <-updates:
			if mu, ok := u.(*client.MailboxUpdate); ok && mu.Mailbox != nil && mu.Mailbox.Messages > 0 {
				return
			}
		case <-idleDone:
			idleDone = nil
			return
		}
	}
}

// Dial connects and logs in (TLS as the account says).
func (p *Poller) Dial(ctx context.Context) (*client.Client, error) {
	addr, implicit, starttls, err := p.o.Account.Endpoint()
	if err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(addr)
	tc := p.o.TLS
	if tc == nil {
		if tc, err = netconf.TLS(p.o.Account.CAFile, "", ""); err != nil {
			return nil, err
		}
		tc.ServerName = host
	}
	d := &net.Dialer{Timeout: 30 * time.Second}
	var c *client.Client
	if implicit {
		c, err = client.DialWithDialerTLS(d, addr, tc)
	} else {
		c, err = client.DialWithDialer(d, addr)
	}
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", addr, err)
	}
	c.Timeout = 5 * time.Minute
	if starttls {
		if err := c.StartTLS(tc); err != nil {
			c.Terminate()
			return nil, fmt.Errorf("STARTTLS %s: %w", addr, err)
		}
	}
	if p.o.Account.OAuth2 != nil {
		if err := p.oauth2Login(c); err != nil {
			c.Terminate()
			return nil, fmt.Errorf("oauth2 login at %s as the configured username: %w", addr, err)
		}
	} else if err := c.Login(p.o.Account.Username, p.o.Password); err != nil {
		c.Terminate()
		// The server's answer, never the password.
		return nil, fmt.Errorf("login at %s as the configured username: %w", addr, err)
	}
	return c, nil
}

// Check logs in and checks that the folders exist or can be created
// (eingang doctor); it changes nothing but creating missing folders is
// left to the poller.
func (p *Poller) Check(ctx context.Context) ([]string, error) {
	c, err := p.Dial(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Logout()
	have, err := p.folders(c)
	if err != nil {
		return nil, err
	}
	a := p.o.Account
	if !have[a.Folder] && !strings.EqualFold(a.Folder, "INBOX") {
		return nil, fmt.Errorf("folder %q does not exist", a.Folder)
	}
	var notes []string
	for _, f := range []string{a.ProcessedFolder, a.ErrorFolder} {
		if !have[f] {
			notes = append(notes, fmt.Sprintf("folder %q is missing and will be created", f))
		}
	}
	return notes, nil
}

func (p *Poller) folders(c *client.Client) (map[string]bool, error) {
	ch := make(chan *imap.MailboxInfo, 32)
	done := make(chan error, 1)
	go func() { done <- c.List("", "*", ch) }()
	have := map[string]bool{}
	for m := range ch {
		have[m.Name] = true
	}
	if err := <-done; err != nil {
		return nil, fmt.Errorf("LIST: %w", err)
	}
	return have, nil
}

// Poll reads the new mails of the folder once and returns the client,
// still logged in with the folder selected (for IDLE), or nil on error.
func (p *Poller) Poll(ctx context.Context) (*client.Client, error) {
	a := p.o.Account
	c, err := p.Dial(ctx)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = c.Logout()
		}
	}()
	have, err := p.folders(c)
	if err != nil {
		return nil, err
	}
	for _, f := range []string{a.ProcessedFolder, a.ErrorFolder} {
		if !have[f] {
			if err := c.Create(f); err != nil {
				return nil, fmt.Errorf("create folder %q: %w", f, err)
			}
			p.log.Info("mail folder created", "folder", f)
		}
	}
	mbox, err := c.Select(a.Folder, false)
	if err != nil {
		return nil, fmt.Errorf("select %q: %w", a.Folder, err)
	}
	validity, last, err := p.o.Journal.MailboxState(ctx, a.Name, a.Folder)
	if err != nil {
		return nil, err
	}
	if validity != mbox.UidValidity {
		if validity != 0 {
			// UIDs of before mean nothing now: read everything again; the
			// content hash keeps what was imported from coming twice.
			p.log.Warn("UIDVALIDITY changed, reading the folder again", "folder", a.Folder, "old", validity, "new", mbox.UidValidity)
		}
		validity, last = mbox.UidValidity, 0
		if err := p.o.Journal.SetMailboxState(ctx, a.Name, a.Folder, validity, last); err != nil {
			return nil, err
		}
	}
	uids, err := p.newUIDs(c, last)
	if err != nil {
		return nil, err
	}
	// last advances over a contiguous run of handled mails only: a mail
	// that could not be handled now stays in the folder and is read again
	// at the next poll, together with everything after it.
	stuck := false
	for i := 0; i < len(uids); i += p.o.BatchSize {
		batch := uids[i:min(i+p.o.BatchSize, len(uids))]
		sizes, err := p.sizes(c, batch)
		if err != nil {
			return nil, err
		}
		for _, uid := range batch {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if p.o.Lease != nil && !p.hold(ctx) {
				return nil, errors.New("mailbox lease lost to another poller")
			}
			p.o.Observer.MailSeen(a.Name)
			err := p.handle(ctx, c, validity, uid, sizes[uid])
			if err != nil {
				if isConnErr(err) {
					return nil, err
				}
				p.log.Warn("mail not handled now; it stays in the folder and is read again", "uid", uid, "err", err)
				stuck = true
				continue
			}
			if !stuck {
				last = uid
				if err := p.o.Journal.SetMailboxState(ctx, a.Name, a.Folder, validity, last); err != nil {
					return nil, err
				}
			}
		}
	}
	p.o.Observer.MailPolled(a.Name, time.Now())
	ok = true
	return c, nil
}

func isConnErr(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed)
}

func (p *Poller) newUIDs(c *client.Client, last uint32) ([]uint32, error) {
	crit := imap.NewSearchCriteria()
	crit.Uid = new(imap.SeqSet)
	crit.Uid.AddRange(last+1, 0)
	found, err := c.UidSearch(crit)
	if err != nil {
		return nil, fmt.Errorf("UID SEARCH: %w", err)
	}
	// "n:*" always includes the highest UID, even one below n.
	var uids []uint32
	for _, u := range found {
		if u > last {
			uids = append(uids, u)
		}
	}
	sort.Slice(uids, func(i, j int) bool { return uids[i] < uids[j] })
	return uids, nil
}

func (p *Poller) sizes(c *client.Client, batch []uint32) (map[uint32]uint32, error) {
	set := new(imap.SeqSet)
	set.AddNum(batch...)
	ch := make(chan *imap.Message, len(batch))
	if err := c.UidFetch(set, []imap.FetchItem{imap.FetchUid, imap.FetchRFC822Size}, ch); err != nil {
		return nil, fmt.Errorf("UID FETCH sizes: %w", err)
	}
	out := map[uint32]uint32{}
	for m := range ch {
		out[m.Uid] = m.Size
	}
	return out, nil
}

// chunk is how much of a mail one FETCH returns: bodies reach the disk in
// pieces, never whole in memory.
const chunk = 4 << 20

// download writes the mail (or only its header) to path.
func (p *Poller) download(c *client.Client, uid uint32, size uint32, headerOnly bool, path string) error {
	f, err := fsutil.Create(path, 0o640)
	if err != nil {
		return err
	}
	defer f.Abort()
	set := new(imap.SeqSet)
	set.AddNum(uid)
	var written int64
	for {
		sec := &imap.BodySectionName{Peek: true}
		if headerOnly {
			sec.Specifier = imap.HeaderSpecifier
		} else {
			sec.Partial = []int{int(written), chunk}
		}
		ch := make(chan *imap.Message, 1)
		if err := c.UidFetch(set, []imap.FetchItem{sec.FetchItem()}, ch); err != nil {
			return fmt.Errorf("UID FETCH body: %w", err)
		}
		var n int64
		got := false
		for m := range ch {
			for _, lit := range m.Body {
				if lit == nil {
					continue
				}
				got = true
				k, err := io.Copy(f, lit)
				if err != nil {
					return err
				}
				n += k
			}
		}
		if !got {
			return fmt.Errorf("mail %d vanished from the folder", uid)
		}
		written += n
		if headerOnly || n < chunk || written >= int64(size) {
			break
		}
	}
	return f.Commit()
}

// handle imports one mail and moves it: to processed_folder when every
// document from it is registered, to error_folder (journaled with the
// reason) when it has nothing usable or cannot be read. An error leaves the
// mail where it is.
func (p *Poller) handle(ctx context.Context, c *client.Client, validity, uid, size uint32) error {
	a := p.o.Account
	dir := filepath.Join(p.o.WorkDir, a.Name)
	if err := os.MkdirAll(dir, 0o770); err != nil {
		return err
	}
	base := fmt.Sprintf("%d_%d", validity, uid)
	emlPath := filepath.Join(dir, base+".eml")
	stage := filepath.Join(dir, base+".d")
	defer os.RemoveAll(stage)
	defer os.Remove(emlPath)
	tooBig := p.o.MaxFileSize > 0 && int64(size) > p.o.MaxFileSize
	if err := p.download(c, uid, size, tooBig, emlPath); err != nil {
		return err
	}
	hdr, herr := ReadHeaderFile(emlPath)
	origin := hdr.Origin(a.Name)
	var problem error
	switch {
	case tooBig:
		problem = fmt.Errorf("%w: mail of %d bytes, more than the configured maximum of %d", intake.ErrTooLarge, size, p.o.MaxFileSize)
	case herr != nil:
		problem = fmt.Errorf("%w: %v", intake.ErrIncomplete, herr)
	}
	var files []string
	if problem == nil {
		files, problem = p.unpack(emlPath, stage)
	}
	if errors.Is(problem, intake.ErrMailNothingUsable) && a.MailBody == config.MailBodyPDF {
		// The mail is the letter: its header and text become the document.
		var f string
		if f, problem = p.letterPDF(ctx, emlPath, stage, hdr.Subject); problem == nil {
			files = []string{f}
		}
	}
	if problem != nil {
		if err := p.reject(ctx, emlPath, origin, problem); err != nil {
			return err
		}
		p.o.Observer.MailFailed(a.Name)
		return p.move(c, uid, a.ErrorFolder)
	}
	imported := 0
	for _, f := range files {
		name := filepath.Base(f)
		dec := Decide(a, hdr.From, hdr.Subject, name)
		if dec.Ignore {
			p.log.Info("attachment ignored by rule", "uid", uid, "rule", dec.Rule)
			continue
		}
		if err := p.register(ctx, f, dec, origin); err != nil {
			return err
		}
		imported++
	}
	p.log.Info("mail imported", "uid", uid, "documents", imported, "ignored", len(files)-imported)
	p.o.Observer.MailImported(a.Name)
	return p.move(c, uid, a.ProcessedFolder)
}

func (p *Poller) move(c *client.Client, uid uint32, folder string) error {
	set := new(imap.SeqSet)
	set.AddNum(uid)
	if err := c.UidMove(set, folder); err != nil {
		return fmt.Errorf("move mail %d to %q: %w", uid, folder, err)
	}
	return nil
}

// unpack writes the mail's documents into stage: its attachments of a
// supported type (intake.UnpackEML) and the files of ZIP attachments.
func (p *Poller) unpack(emlPath, stage string) ([]string, error) {
	lim := intake.ArchiveLimits{MaxFileBytes: p.o.MaxFileSize}
	if err := os.MkdirAll(stage, 0o770); err != nil {
		return nil, err
	}
	const src = "mail"
	names, err := intake.UnpackEML(emlPath, src, stage, lim)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		path := filepath.Join(stage, n)
		f, err := intake.Detect(path)
		if f == intake.FormatZIP {
			if err != nil {
				return nil, err
			}
			zdir := path + ".zip.d"
			if err := os.MkdirAll(zdir, 0o770); err != nil {
				return nil, err
			}
			members, err := intake.UnpackZIP(path, strings.TrimPrefix(n, src+intake.ArchiveSeparator), zdir, lim)
			if err != nil {
				return nil, err
			}
			for _, m := range members {
				out = append(out, filepath.Join(zdir, m))
			}
			continue
		}
		// Drop the "mail__" prefix: the clerk knows the attachment's name.
		plain := filepath.Join(stage, strings.TrimPrefix(n, src+intake.ArchiveSeparator))
		if _, err := os.Lstat(plain); err != nil {
			if err := os.Rename(path, plain); err == nil {
				path = plain
			}
		}
		out = append(out, path)
	}
	return out, nil
}

// register claims a staged file and hands it to the handler, unless this
// very mail registered its content before (a re-read after a crash).
func (p *Poller) register(ctx context.Context, path string, dec Decision, origin map[string]string) error {
	id, err := hashFile(path)
	if err != nil {
		return err
	}
	if d, err := p.o.Journal.Get(ctx, id); err == nil {
		if d.Origin["account"] == origin["account"] && d.Origin["message_id"] == origin["message_id"] {
			return nil
		}
	} else if !errors.Is(err, journal.ErrNotFound) {
		return err
	}
	c, err := intake.ClaimFileAs(path, filepath.Join(p.o.ClaimDir, dec.Profile), dec.Profile,
		intake.ClaimMeta{Channel: config.ChannelMail, Origin: origin, Metadata: dec.Metadata})
	if err != nil {
		return err
	}
	if _, err := intake.Detect(c.Path); err != nil {
		c.Problem = err
	}
	return p.o.Handler.HandleClaim(ctx, c)
}

// reject journals a mail that yields no document, with the reason; the
// saved mail goes to the error folder of eingang with its reason file.
func (p *Poller) reject(ctx context.Context, emlPath string, origin map[string]string, problem error) error {
	name := "Mail.eml"
	if s := safeName(origin["subject"]); s != "" {
		name = s + ".eml"
	}
	named := filepath.Join(filepath.Dir(emlPath), name)
	if err := os.Rename(emlPath, named); err != nil {
		return err
	}
	c, err := intake.ClaimFileAs(named, filepath.Join(p.o.ClaimDir, p.o.Account.Profile), p.o.Account.Profile,
		intake.ClaimMeta{Channel: config.ChannelMail, Origin: origin})
	if err != nil {
		return err
	}
	c.Problem = problem
	p.log.Warn("mail goes to the error folder", "reason", intake.RejectReason(problem))
	return p.o.Handler.HandleClaim(ctx, c)
}

func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`<>:"/\|?*`, r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(s))
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80])
	}
	return strings.TrimLeft(s, ".")
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// letterPDF renders a mail without usable attachments as a PDF letter in
// stage (mail_body: pdf) with the mail embedded as its source. The PDF is
// the same bytes whenever the same mail is read again, so a re-read after
// a crash is a duplicate, not a second document.
func (p *Poller) letterPDF(ctx context.Context, emlPath, stage, subject string) (string, error) {
	l, err := intake.ReadLetter(emlPath)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(l.Body) == "" {
		return "", fmt.Errorf("%w (and no text to render: mail_body is pdf)", intake.ErrMailNothingUsable)
	}
	eml, err := os.ReadFile(emlPath)
	if err != nil {
		return "", err
	}
	date := ""
	if !l.Date.IsZero() {
		date = l.Date.Local().Format("02.01.2006 15:04")
	}
	title := strings.TrimSpace(l.Subject)
	if title == "" {
		title = "E-Mail ohne Betreff"
	}
	pdf, err := visual.RenderLetter(ctx, visual.Letter{
		Title:  title,
		Fields: [][2]string{{"Von", l.From}, {"An", l.To}, {"Datum", date}, {"Betreff", l.Subject}},
		Body:   l.Body, Footer: "E-Mail an das Postfach " + p.o.Account.Name + ", als PDF erzeugt von eingang; die Mail selbst ist angehängt.",
		Created: l.Date, Original: eml, OriginalName: "mail.eml", OriginalMIME: "message/rfc822",
	})
	if err != nil {
		return "", err
	}
	name := safeName(subject)
	if name == "" {
		name = "E-Mail"
	}
	if err := os.MkdirAll(stage, 0o770); err != nil {
		return "", err
	}
	path := filepath.Join(stage, name+".pdf")
	return path, fsutil.WriteFile(path, pdf, 0o640)
}
