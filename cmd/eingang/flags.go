package main

import (
	"flag"
	"strings"
)

// interspersed moves every flag of args in front of the positional
// arguments, so that each command accepts flags before and after its
// arguments ("eingang inspect FILE --format json"), as git, docker and
// kubectl users expect; flag.Parse alone stops at the first argument. A
// flag that takes a value consumes the next argument unless written as
// -name=value; "--" ends the flags, and "-" alone is an argument (stdin).
// Unknown flags are kept in place among the flags for fs.Parse to report.
func interspersed(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return append(append(flags, "--"), pos...)
}

// parseArgs parses args with flags anywhere; the positional arguments are
// then fs.Args().
func parseArgs(fs *flag.FlagSet, args []string) error {
	return fs.Parse(interspersed(fs, args))
}
