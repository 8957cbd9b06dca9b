package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func cmdVersion(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintln(stdout, "Usage: eingang version\n\nPrints the version, the Go version and the VCS revision.")
		return 0
	}
	rev := ""
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				rev = s.Value
			}
		}
	}
	fmt.Fprintf(stdout, "eingang %s (%s", version, runtime.Version())
	if rev != "" {
		fmt.Fprintf(stdout, ", revision %.12s", rev)
	}
	fmt.Fprintln(stdout, ")")
	return 0
}
