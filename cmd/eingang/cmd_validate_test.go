package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/einvoice/einvoicetest"
	"github.com/eingang/eingang/internal/testenv"
)

func TestCmdValidate(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.xml", einvoicetest.UBL(einvoicetest.Options{Lines: 3, ID: "CLI-1"}))
	// Drop the Leitweg-ID: BR-DE-15 (error) must reject it.
	bad := write("bad.xml", bytes.Replace(einvoicetest.UBL(einvoicetest.Options{Lines: 3}),
		[]byte("<cbc:BuyerReference>04011000-1234512345-06</cbc:BuyerReference>"), nil, 1))
	broken := write("broken.xml", []byte("<Invoice"))
	plain := write("letter.txt", []byte("Sehr geehrte Damen und Herren"))

	tests := []struct {
		name string
		args []string
		code int
	}{
		{"accepted", []string{"--format", "json", good}, 0},
		{"rejected", []string{"--format", "json", good, bad}, 1},
		{"not an invoice is rejected", []string{"--format", "json", plain}, 1},
		{"unreadable wins", []string{"--format", "json", bad, broken}, 2},
		{"missing file", []string{"--format", "json", filepath.Join(dir, "nope.xml")}, 2},
		{"text", []string{good}, 0},
		{"xml", []string{"--format", "xml", good, bad}, 1},
		{"bad format", []string{"--format", "yaml", good}, 2},
		{"no files", nil, 2},
		{"help", []string{"--help"}, 0},
		{"visual", []string{"--visual", dir, good}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := cmdValidate(context.Background(), tt.args, &out, &errb)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out.String(), errb.String())
			}
			if len(tt.args) > 1 && tt.args[1] == "json" {
				sc := bufio.NewScanner(&out)
				sc.Buffer(nil, 1<<20)
				n := 0
				for sc.Scan() {
					var obj struct {
						File     string `json:"file"`
						Accepted *bool  `json:"accepted"`
						Findings []struct {
							Rule     string `json:"rule"`
							Severity string `json:"severity"`
						} `json:"findings"`
						Invoice map[string]string `json:"invoice"`
					}
					if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
						t.Fatalf("line %d: %v", n, err)
					}
					if obj.File != tt.args[2+n] || obj.Accepted == nil || obj.Findings == nil || obj.Invoice == nil {
						t.Errorf("object %d incomplete: %s", n, sc.Text())
					}
					if obj.File == good && (!*obj.Accepted || obj.Invoice["invoice_number"] != "CLI-1" || obj.Invoice["grand_total"] == "") {
						t.Errorf("good file: %s", sc.Text())
					}
					if obj.File == bad {
						found := false
						for _, f := range obj.Findings {
							found = found || (f.Rule == "BR-DE-15" && f.Severity != "")
						}
						if *obj.Accepted || !found {
							t.Errorf("bad file not rejected with BR-DE-15: %s", sc.Text())
						}
					}
					n++
				}
				if n != len(tt.args)-2 {
					t.Errorf("%d objects for %d files", n, len(tt.args)-2)
				}
			}
			if tt.name == "visual" {
				pdf, err := os.ReadFile(filepath.Join(dir, "good.pdf"))
				if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
					t.Errorf("no visual written: %v", err)
				}
				// The readable copy names the file it was made from.
				if txt, err := exec.Command("pdftotext", filepath.Join(dir, "good.pdf"), "-").Output(); err == nil && !strings.Contains(string(txt), filepath.Base(good)) {
					t.Errorf("visual does not name %s:\n%s", filepath.Base(good), txt)
				}
			}
			if tt.name == "xml" && (!strings.Contains(out.String(), "<rep:accept") || !strings.Contains(out.String(), "<rep:reject")) {
				t.Errorf("xml output: %s", out.String())
			}
		})
	}
}

// validateJSON runs eingang validate --format json on one file and decodes
// its one line.
func validateJSON(t *testing.T, file string) (int, validateLine) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cmdValidate(context.Background(), []string{"--format", "json", file}, &out, &errb)
	var obj validateLine
	if err := json.Unmarshal(out.Bytes(), &obj); err != nil {
		t.Fatalf("json output %q: %v (stderr %s)", out.String(), err, errb.String())
	}
	return code, obj
}

// validateLine is what a test reads back from one line of --format json.
type validateLine struct {
	File     string `json:"file"`
	Accepted bool   `json:"accepted"`
	Findings []struct {
		Rule      string `json:"rule"`
		MessageDE string `json:"message_de"`
	} `json:"findings"`
	Invoice map[string]string `json:"invoice"`
}

// TestValidateUnreadableFiles: a file that cannot be read is reported as
// FILE-UNREADABLE (not as an XML problem) and exits 2 as the usage text
// and the README say; XML that was read but is broken keeps
// XML-WELLFORMED; readable non-invoices are rejected (exit 1).
func TestValidateUnreadableFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	corpus := testenv.Corpus(t, "einvoice")
	tests := []struct {
		name, file string
		code       int
		rule       string
		de         string // part of the German message
	}{
		{"missing file", filepath.Join(dir, "fehlt.xml"), 2, "FILE-UNREADABLE", "gibt es nicht"},
		{"directory", dir, 2, "FILE-UNREADABLE", "konnte nicht gelesen werden"},
		// 15 bytes of a PDF header, from the Mustang test files.
		{"truncated PDF", filepath.Join(corpus, "files/mustang/Mustang-CLI/src/test/resources/corrupt-factur-x-waytoosmall.pdf"), 2, "FILE-UNREADABLE", "PDF-Datei ist beschädigt"},
		{"PDF without body", write("kaputt.pdf", []byte("%PDF-1.4\nkaputt\n%%EOF\n")), 2, "FILE-UNREADABLE", "PDF-Datei ist beschädigt"},
		{"broken XML", write("kaputt.xml", []byte("<Invoice")), 2, "XML-WELLFORMED", "wohlgeformtes XML"},
		{"text file", write("brief.txt", []byte("Sehr geehrte Damen und Herren")), 1, "KOSIT-NO-SCENARIO", "keine E-Rechnung"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, obj := validateJSON(t, tt.file)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			if len(obj.Findings) != 1 || obj.Findings[0].Rule != tt.rule || !strings.Contains(obj.Findings[0].MessageDE, tt.de) {
				t.Errorf("findings %+v, want one %s saying %q", obj.Findings, tt.rule, tt.de)
			}
			var out, errb bytes.Buffer
			if code := cmdValidate(context.Background(), []string{tt.file}, &out, &errb); code != tt.code {
				t.Errorf("text: exit %d, want %d", code, tt.code)
			}
			if !strings.Contains(out.String(), "] "+tt.rule+"\n") || (tt.code == 2) != strings.Contains(out.String(), "NICHT LESBAR") {
				t.Errorf("text output:\n%s", out.String())
			}
		})
	}
}

// TestValidateTextDates: the text report shows dates as German readers
// write them and leaves out empty ones; the JSON keeps the ISO dates and
// every element of the XML, empty or not.
func TestValidateTextDates(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ubl := einvoicetest.UBL(einvoicetest.Options{Lines: 2, ID: "RE-1"})
	replace := func(b []byte, pairs ...string) []byte {
		t.Helper()
		for i := 0; i < len(pairs); i += 2 {
			if !bytes.Contains(b, []byte(pairs[i])) {
				t.Fatalf("generated invoice lacks %s", pairs[i])
			}
			b = bytes.Replace(b, []byte(pairs[i]), []byte(pairs[i+1]), 1)
		}
		return b
	}
	// The generator writes issue date 2024-06-03 and due date 2024-07-03
	// (UBL), 20240603 in CII format 102.
	tests := []struct {
		name      string
		file      string
		want      []string // lines of the text output
		notWant   []string
		jsonDates map[string]string // invoice fields in the JSON output
	}{
		{"UBL", write("ubl.xml", ubl),
			[]string{"Rechnung / invoice:         RE-1 vom 03.06.2024\n", "  issue_date:      03.06.2024\n", "  due_date:        03.07.2024\n"},
			[]string{"2024-06-03", "2024-07-03"},
			map[string]string{"issue_date": "2024-06-03", "due_date": "2024-07-03"}},
		{"CII", write("cii.xml", einvoicetest.CII(einvoicetest.Options{Lines: 2, ID: "RE-2"})),
			[]string{"Rechnung / invoice:         RE-2 vom 03.06.2024\n", "  issue_date:      03.06.2024\n"},
			[]string{"20240603", "2024-06-03"},
			map[string]string{"issue_date": "2024-06-03"}},
		{"empty dates and order reference", write("leer.xml", replace(ubl,
			"<cbc:IssueDate>2024-06-03</cbc:IssueDate>", "<cbc:IssueDate></cbc:IssueDate>",
			"<cbc:DueDate>2024-07-03</cbc:DueDate>", "<cbc:DueDate/>",
			"<cbc:ID>BST-4711</cbc:ID>", "<cbc:ID> </cbc:ID>")),
			[]string{"Rechnung / invoice:         RE-1\n"},
			[]string{"vom", "issue_date:", "due_date:", "order_reference:"},
			map[string]string{"issue_date": "", "due_date": "", "order_reference": " "}},
		{"impossible date shown as written", write("falsch.xml", replace(ubl,
			"<cbc:IssueDate>2024-06-03</cbc:IssueDate>", "<cbc:IssueDate>2024-02-30</cbc:IssueDate>")),
			[]string{"Rechnung / invoice:         RE-1 vom 2024-02-30\n", "  issue_date:      2024-02-30\n"},
			nil,
			map[string]string{"issue_date": "2024-02-30"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			cmdValidate(context.Background(), []string{tt.file}, &out, &errb)
			text := out.String()
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("text output lacks %q:\n%s", w, text)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(text, w) {
					t.Errorf("text output has %q:\n%s", w, text)
				}
			}
			_, obj := validateJSON(t, tt.file)
			for k, v := range tt.jsonDates {
				if got, ok := obj.Invoice[k]; !ok || got != v {
					t.Errorf("json invoice[%s] = %q (present %v), want %q", k, got, ok, v)
				}
			}
		})
	}
}

// TestValidateAllRules: --rules all reports the XRechnung and Peppol rules
// on a plain EN 16931 invoice (what would be wrong if it were an
// XRechnung), but the verdict stays the EN 16931 scenario's.
func TestValidateAllRules(t *testing.T) {
	file := filepath.Join(testenv.Corpus(t, "einvoice"), "files/en16931/cii/examples/CII_example1.xml")
	run := func(rules string) (int, validateLine) {
		t.Helper()
		var out, errb bytes.Buffer
		code := cmdValidate(context.Background(), []string{"--format", "json", "--rules", rules, file}, &out, &errb)
		var obj validateLine
		if err := json.Unmarshal(out.Bytes(), &obj); err != nil {
			t.Fatalf("json output %q: %v (stderr %s)", out.String(), err, errb.String())
		}
		return code, obj
	}
	has := func(l validateLine, prefix string) bool {
		for _, f := range l.Findings {
			if strings.HasPrefix(f.Rule, prefix) {
				return true
			}
		}
		return false
	}
	code, scen := run("scenario")
	if code != 0 || !scen.Accepted || has(scen, "BR-DE-") || has(scen, "PEPPOL-") {
		t.Fatalf("scenario rules: exit %d accepted %v findings %+v", code, scen.Accepted, scen.Findings)
	}
	code, all := run("all")
	if code != 0 || !all.Accepted {
		t.Errorf("--rules all changed the verdict: exit %d accepted %v", code, all.Accepted)
	}
	if !has(all, "BR-DE-") || !has(all, "PEPPOL-EN16931-R0") {
		t.Errorf("--rules all did not report the XRechnung rules: %+v", all.Findings)
	}
	var out, errb bytes.Buffer
	if code := cmdValidate(context.Background(), []string{"--rules", "some", file}, &out, &errb); code != validateUnreadable || !strings.Contains(errb.String(), "--rules") {
		t.Errorf("--rules some: exit %d, stderr %q", code, errb.String())
	}
}
