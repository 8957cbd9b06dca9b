package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/eingang/eingang/internal/dms/fabasoft/fabasoftfake"
)

// fabasoftSim serves the Fabasoft FSCGOVXML fake until ctx is done.
func fabasoftSim(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dms-sim fabasoft", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8091", "listen address (host:port)")
	user := fs.String("user", "eingang", "Basic-auth user name the fake accepts")
	password := fs.String("password", "geheim", "Basic-auth password the fake accepts (demo only)")
	maxContent := fs.Int64("max-content-bytes", 100<<20, "largest accepted content object")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: eingang dms-sim fabasoft [--addr 127.0.0.1:PORT] [--user U] [--password P]")
		fmt.Fprintln(stderr, "\nServes an in-memory fake of the Fabasoft eGov-Suite FSCGOVXML SOAP web service.")
		fs.PrintDefaults()
	}
	if err := parseArgs(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "eingang dms-sim fabasoft: unexpected argument %q\n", fs.Arg(0))
		return 2
	}

	fake := fabasoftfake.New(fabasoftfake.Options{Username: *user, Password: *password, MaxContentBytes: *maxContent})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "eingang dms-sim fabasoft: %v\n", err)
		return 1
	}
	mux := http.NewServeMux()
	mux.Handle(fabasoftfake.Path, fake)
	mux.Handle(fabasoftfake.ControlPath, fake.ControlHandler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	base := "http://" + ln.Addr().String() + "/fsc"
	fmt.Fprintf(stdout, "Fabasoft FSCGOVXML fake listening\n")
	fmt.Fprintf(stdout, "  endpoint:  %s%s?WEBSVC=%s\n", "http://"+ln.Addr().String(), fabasoftfake.Path, fabasoftfake.WebService)
	fmt.Fprintf(stdout, "  base_url:  %s\n", base)
	fmt.Fprintf(stdout, "  user:      %s\n", *user)
	fmt.Fprintf(stdout, "  password:  %s   (demo credentials of the fake)\n", *password)
	fmt.Fprintf(stdout, "  Akte:      %s\n", fake.Akte())
	fmt.Fprintf(stdout, "  container: %s   (Vorgang for Eingänge)\n", fake.Vorgang())
	fmt.Fprintf(stdout, "  dept:      any non-empty reference, e.g. FSCBAI@1.1:Department\n")
	fmt.Fprintf(stdout, "  control:   GET %[1]s%[2]sstate, POST %[1]s%[2]soutage?for=2m, POST %[1]s%[2]sfault?op=…&status=503\n", "http://"+ln.Addr().String(), fabasoftfake.ControlPath)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "eingang dms-sim fabasoft: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(shutdownCtx)
	fmt.Fprintf(stdout, "stopped: %d documents created, %d workflows started\n", fake.Creates(), fake.WorkflowStarts())
	return 0
}
