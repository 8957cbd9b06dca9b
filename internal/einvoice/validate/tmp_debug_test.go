package validate

import (
	"context"
	"os"
	"testing"

	"github.com/eingang/eingang/internal/einvoice"
)

func TestTmpDebug(t *testing.T) {
	for _, f := range []string{os.Getenv("DBG")} {
		data, _ := os.ReadFile(f)
		doc, err := einvoice.Parse(context.Background(), data)
		if err != nil {
			t.Fatal(err)
		}
		rep := Validate(doc)
		for _, x := range rep.Findings {
			t.Log(x.Rule, x.Severity, x.Location)
		}
		os.Stdout.Write(doc.XML[:min(len(doc.XML), 6000)])
	}
}
