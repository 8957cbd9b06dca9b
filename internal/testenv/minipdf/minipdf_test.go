package minipdf

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"
)

// TestAssembleOffsets checks that every xref entry points at its object
// and startxref at the table.
func TestAssembleOffsets(t *testing.T) {
	for _, h := range []string{Header, BinaryHeader} {
		pdf := ImagePage(h, "<< /Extra true >>")
		if !bytes.HasPrefix(pdf, []byte(h)) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
			t.Fatalf("header or trailer wrong:\n%s", pdf)
		}
		x := bytes.LastIndex(pdf, []byte("startxref\n"))
		sx, err := strconv.Atoi(string(bytes.Fields(pdf[x+len("startxref\n"):])[0]))
		if err != nil || !bytes.HasPrefix(pdf[sx:], []byte("xref\n0 7\n")) {
			t.Fatalf("startxref %d (%v) does not point at the table", sx, err)
		}
		lines := bytes.Split(pdf[sx:], []byte("\n"))[3:9]
		for i, l := range lines {
			off, err := strconv.Atoi(string(l[:10]))
			if err != nil || !bytes.HasPrefix(pdf[off:], fmt.Appendf(nil, "%d 0 obj\n", i+1)) {
				t.Errorf("object %d: entry %q does not point at it", i+1, l)
			}
		}
	}
}
