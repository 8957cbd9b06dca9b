package main

import (
	"context"
	"fmt"
	"io"
)

// d3Sim is a placeholder until the d3 fake lands.
func d3Sim(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "eingang dms-sim: the d3 fake is not available in this build yet")
	return 2
}
