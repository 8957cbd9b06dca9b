// Command pdfvalidate runs pdfcpu's validator (relaxed mode, as
// `pdfcpu validate` does by default) on each file given and exits 1 if any
// fails. It stands in for the pdfcpu CLI, whose module would pull its
// command-line dependencies into eingang's go.mod.
package main

import (
	"fmt"
	"os"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

func main() {
	api.DisableConfigDir()
	rc := 0
	for _, f := range os.Args[1:] {
		if err := api.ValidateFile(f, model.NewDefaultConfiguration()); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", f, err)
			rc = 1
		}
	}
	os.Exit(rc)
}
