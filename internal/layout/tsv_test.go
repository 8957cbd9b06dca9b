package layout

import (
	"errors"
	"strings"
	"testing"
)

const sampleTSV = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n" +
	"1\t1\t0\t0\t0\t0\t0\t0\t2479\t3508\t-1\t\n" +
	"2\t1\t1\t0\t0\t0\t215\t420\t1531\t58\t-1\t\n" +
	"4\t1\t1\t1\t1\t0\t215\t420\t1531\t58\t-1\t\n" +
	"5\t1\t1\t1\t1\t1\t215\t420\t561\t58\t91.388687\tHandelsrechnung\n" +
	"5\t1\t1\t1\t1\t2\t814\t428\t99\t39\t96.316154\tNr.\n" +
	"5\t1\t1\t1\t1\t3\t968\t428\t215\t42\t96.316154\t471102\n" +
	"5\t1\t1\t1\t1\t4\t1000\t428\t215\t42\t95\t \n" +
	"5\t1\t2\t1\t1\t1\t215\t600\t100\t40\t90\tEUR\n"

func TestParseTSV(t *testing.T) {
	doc, err := ParseTSV(strings.NewReader(sampleTSV), 300)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Pages) != 1 {
		t.Fatalf("pages = %d, want 1", len(doc.Pages))
	}
	p := doc.Pages[0]
	if p.Width != 2479 || p.Height != 3508 || p.DPI != 300 || p.Number != 1 {
		t.Errorf("page = %+v", p)
	}
	if got, want := p.Text(), "Handelsrechnung Nr. 471102\n\nEUR"; got != want {
		t.Errorf("Text() = %q, want %q", got, want)
	}
	w := p.Words[2]
	if w.X0 != 968 || w.Y0 != 428 || w.X1 != 1183 || w.Y1 != 470 || w.Block != 1 || w.Line != 1 {
		t.Errorf("word = %+v", w)
	}
}

func TestParseTSVErrors(t *testing.T) {
	tests := []struct{ name, in string }{
		{"few columns", "5\t1\t1\n"},
		{"not a number", "5\tx\t1\t1\t1\t1\t1\t1\t1\t1\t90\ta\n"},
		{"bad level", "9\t1\t1\t1\t1\t1\t1\t1\t1\t1\t90\ta\n"},
		{"negative", "5\t1\t1\t1\t1\t1\t-1\t1\t1\t1\t90\ta\n"},
		{"bad conf", "5\t1\t1\t1\t1\t1\t1\t1\t1\t1\tzz\ta\n"},
		{"huge line", strings.Repeat("x", maxTSVLine+10) + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTSV(strings.NewReader(tt.in), 0)
			if !errors.Is(err, ErrBadTSV) {
				t.Errorf("err = %v, want ErrBadTSV", err)
			}
		})
	}
}

func FuzzParseTSV(f *testing.F) {
	f.Add(sampleTSV)
	f.Add("")
	f.Add("5\t1\t1\t1\t1\t1\t1\t1\t1\t1\t-1\t\n")
	f.Fuzz(func(t *testing.T, in string) {
		doc, err := ParseTSV(strings.NewReader(in), 300)
		if err != nil {
			return
		}
		for i, p := range doc.Pages {
			if p.Number != i+1 {
				t.Fatalf("page %d numbered %d", i, p.Number)
			}
			for _, w := range p.Words {
				if w.Text == "" || w.X1 < w.X0 || w.Y1 < w.Y0 {
					t.Fatalf("bad word %+v", w)
				}
			}
		}
	})
}
