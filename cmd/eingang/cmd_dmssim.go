package main

import (
	"context"
	"fmt"
	"io"
)

// cmdDMSSim runs one of the DMS fakes as a standalone server for demos.
func cmdDMSSim(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stderr, "Usage: eingang dms-sim d3|fabasoft --addr 127.0.0.1:PORT [flags]")
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	switch args[0] {
	case "d3":
		return d3Sim(ctx, args[1:], stdout, stderr)
	case "fabasoft":
		return fabasoftSim(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "eingang dms-sim: unknown system %q (want d3 or fabasoft)\n", args[0])
	return 2
}
