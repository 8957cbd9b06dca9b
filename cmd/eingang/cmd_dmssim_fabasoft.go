package main

import (
	"context"
	"fmt"
	"io"
)

// fabasoftSim is a placeholder until the fabasoft fake lands.
func fabasoftSim(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "eingang dms-sim: the fabasoft fake is not available in this build yet")
	return 2
}
