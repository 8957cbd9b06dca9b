package main

import (
	"context"
	"fmt"
	"io"
)

// cmdOCR is a placeholder until its capability lands; it says so instead of
// pretending to work.
func cmdOCR(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "eingang: this command is not available in this build yet")
	return 2
}
