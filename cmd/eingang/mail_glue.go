package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/eingang/eingang/internal/intake"
	"github.com/eingang/eingang/internal/mail"
	"github.com/eingang/eingang/workers"
)

// mailPollers builds one poller per configured mail account; a password
// that cannot be read stops the start. The returned close releases the
// lease connection.
func mailPollers(a *app, h intake.Handler) ([]*mail.Poller, func(), error) {
	if len(a.cfg.Mail.Accounts) == 0 {
		return nil, func() {}, nil
	}
	lease, err := workers.NewLease(a.redis)
	if err != nil {
		return nil, nil, err
	}
	var names []string
	for _, acct := range a.cfg.Mail.Accounts {
		names = append(names, acct.Name)
	}
	obs := a.metrics.NewMailMetrics(names)
	var out []*mail.Poller
	for i, acct := range a.cfg.Mail.Accounts {
		// The token source lives as long as the poller; its requests have
		// their own timeout (mail.TokenSource).
		pw, tok, err := mail.Credentials(context.Background(), acct, os.Getenv)
		if err != nil {
			lease.Close()
			return nil, nil, fmt.Errorf("mail.accounts[%d] (%s).%w", i, acct.Name, err)
		}
		out = append(out, mail.New(mail.Options{
			Account: acct, Password: pw, Token: tok,
			ClaimDir: a.pipe.ClaimDir(), WorkDir: filepath.Join(a.cfg.Paths.Work, "mail"),
			MaxFileSize: a.cfg.Intake.MaxFileSize,
			Handler:     h, Journal: a.journal, Lease: lease, Observer: obs,
			Logger: a.log.With("component", "mail"),
		}))
	}
	return out, func() { lease.Close() }, nil
}

// runMailPollers starts the pollers; wg waits for them.
func runMailPollers(ctx context.Context, a *app, pollers []*mail.Poller, wg *sync.WaitGroup) {
	for _, p := range pollers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Run(ctx); err != nil {
				a.log.Error("mail poller stopped", "err", err)
			}
		}()
	}
}
