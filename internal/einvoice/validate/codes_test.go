package validate

import (
	"io/fs"
	"strings"
	"testing"
)

// TestCodeListsLoad: every code list file names its source version and
// holds codes without blanks or duplicates, so an update that breaks the
// format fails here rather than as wrong BR-CL findings.
func TestCodeListsLoad(t *testing.T) {
	files, err := fs.Glob(codeListFiles, "codelists/*.txt")
	if err != nil || len(files) < 16 {
		t.Fatalf("code list files: %v %v", files, err)
	}
	for _, f := range files {
		data, _ := codeListFiles.ReadFile(f)
		text := string(data)
		if !strings.Contains(text, "# Version:") || !strings.Contains(text, "# Rules:") {
			t.Errorf("%s: header must name the version and the rules", f)
		}
		seen := map[string]bool{}
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(line, "#") || line == "" {
				continue
			}
			if strings.ContainsAny(line, " \t") {
				t.Errorf("%s: %q contains a blank", f, line)
			}
			if seen[line] {
				t.Errorf("%s: %q twice", f, line)
			}
			seen[line] = true
		}
	}
	for name, list := range map[string]map[string]bool{"EUR": currencyCodes, "DE": countryCodes, "0204": easCodes, "C62": unitCodes, "380": invoiceTypeCodes} {
		if !list[name] {
			t.Errorf("%s missing from its list", name)
		}
	}
}
