package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eingang/eingang/internal/einvoice/einvoicetest"
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
			}
			if tt.name == "xml" && (!strings.Contains(out.String(), "<rep:accept") || !strings.Contains(out.String(), "<rep:reject")) {
				t.Errorf("xml output: %s", out.String())
			}
		})
	}
}
