package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/testenv"
)

func TestInterspersed(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.String("format", "text", "")
	fs.String("o", "", "")
	fs.Bool("v", false, "")
	for _, c := range []struct {
		in   []string
		want []string
	}{
		{[]string{"a.pdf", "--format", "json"}, []string{"--format", "json", "--", "a.pdf"}},
		{[]string{"--format", "json", "a.pdf"}, []string{"--format", "json", "--", "a.pdf"}},
		{[]string{"a.pdf", "-v", "b.pdf", "-o", "out.pdf"}, []string{"-v", "-o", "out.pdf", "--", "a.pdf", "b.pdf"}},
		{[]string{"a.pdf", "--format=json"}, []string{"--format=json", "--", "a.pdf"}},
		{[]string{"-v", "--", "-weird.pdf", "--format"}, []string{"-v", "--", "-weird.pdf", "--format"}},
		{[]string{"-", "-v"}, []string{"-v", "--", "-"}},
		{[]string{"a.pdf", "--nope", "b"}, []string{"--nope", "--", "a.pdf", "b"}},
		{[]string{"a.pdf", "-o"}, []string{"-o", "--", "a.pdf"}},
	} {
		if got := interspersed(fs, c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("interspersed(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestFlagsAfterArguments (issue 16): every command takes its flags after
// its arguments too; `eingang inspect FILE --format json` prints JSON.
func TestFlagsAfterArguments(t *testing.T) {
	xml := filepath.Join(testenv.Corpus(t, "einvoice"), "files/en16931/cii/examples/CII_example1.xml")
	ctx := context.Background()
	for _, c := range []struct {
		name string
		run  func(args []string, out, errb *bytes.Buffer) int
		args []string
		json bool // stdout must be JSON
	}{
		{"validate", func(a []string, o, e *bytes.Buffer) int { return cmdValidate(ctx, a, o, e) }, []string{xml, "--format", "json"}, true},
		{"inspect", func(a []string, o, e *bytes.Buffer) int { return run(ctx, append([]string{"inspect"}, a...), o, e) }, []string{xml, "--format", "json"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := c.run(c.args, &out, &errb)
			if strings.Contains(errb.String(), "Usage") || strings.Contains(errb.String(), "usage") {
				t.Fatalf("exit %d printed the usage:\n%s", code, errb.String())
			}
			if c.json {
				// validate writes one object per line, inspect one indented object.
				var v map[string]any
				if err := json.NewDecoder(&out).Decode(&v); err != nil {
					t.Errorf("exit %d, stdout not JSON: %v\n%s\nstderr %s", code, err, out.String(), errb.String())
				}
			}
		})
	}
}
