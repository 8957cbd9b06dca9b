package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/eingang/eingang/internal/dms/d3/d3fake"
)

// d3Sim runs the d.3 fake (DMS App API, identity provider, process app)
// until ctx is done.
func d3Sim(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dms-sim d3", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8093", "listen address")
	key := fs.String("api-key", "", "API key to accept (default: a random one, printed at start)")
	repo := fs.String("repo", d3fake.DefaultOptions().Repo, "repository id")
	lag := fs.Duration("search-lag", 0, "delay before a new document is findable by srm")
	noOrigin := fs.Bool("allow-missing-origin", false, "accept writes without an Origin header")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: eingang dms-sim d3 --addr 127.0.0.1:PORT [flags]")
		fmt.Fprintln(stderr, "Serves a fake d.velop d.3 (DMS App API, /identityprovider, /process) with categories DRECH and DPOST.")
		fs.PrintDefaults()
	}
	if err := parseArgs(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	if *key == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		*key = "sim-" + hex.EncodeToString(b)
	}
	opts := d3fake.DefaultOptions()
	opts.APIKey, opts.Repo, opts.SearchLag, opts.AllowMissingOrigin = *key, *repo, *lag, *noOrigin
	fake := d3fake.New(opts)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "eingang dms-sim d3: %v\n", err)
		return 1
	}
	srv := &http.Server{Handler: fake, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "d3 fake listening\nbase_url:   http://%s\napi_key:    %s\nrepository: %s\nprocess:    %s\n",
		ln.Addr(), *key, opts.Repo, opts.Process.Key)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		return 0
	case err := <-errc:
		fmt.Fprintf(stderr, "eingang dms-sim d3: %v\n", err)
		return 1
	}
}
