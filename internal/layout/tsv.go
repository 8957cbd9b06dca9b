package layout

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ErrBadTSV is returned by ParseTSV for input that is not Tesseract TSV
// output. It is a permanent failure: retrying the same bytes cannot help.
var ErrBadTSV = errors.New("layout: not Tesseract TSV")

// Limits that keep a hostile or corrupt TSV stream from exhausting memory.
const (
	maxTSVLine  = 64 << 10
	maxTSVPages = 10000
	maxTSVWords = 2_000_000
)

// ParseTSV reads the output of `tesseract IMAGE - tsv` (or of
// TessBaseAPI::GetTSVText) into a Document. dpi is recorded on every page
// because the TSV format does not carry it; pass 0 if it is unknown.
//
// Level-1 rows give the page size; level-5 rows are words. Rows of other
// levels carry no text and are skipped. Empty words (Tesseract emits them
// for blank regions) are dropped.
func ParseTSV(r io.Reader, dpi int) (Document, error) {
	var doc Document
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxTSVLine)
	lineNo := 0
	words := 0
	pageIdx := map[int]int{} // page_num -> index in doc.Pages
	page := func(n int) (*Page, error) {
		if i, ok := pageIdx[n]; ok {
			return &doc.Pages[i], nil
		}
		if len(doc.Pages) >= maxTSVPages {
			return nil, fmt.Errorf("%w: more than %d pages", ErrBadTSV, maxTSVPages)
		}
		doc.Pages = append(doc.Pages, Page{Number: n, DPI: dpi})
		pageIdx[n] = len(doc.Pages) - 1
		return &doc.Pages[len(doc.Pages)-1], nil
	}
	for sc.Scan() {
		lineNo++
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		if lineNo == 1 && strings.HasPrefix(line, "level\t") {
			continue
		}
		cols := strings.SplitN(line, "\t", 12)
		if len(cols) < 11 {
			return Document{}, fmt.Errorf("%w: line %d has %d columns, want 12", ErrBadTSV, lineNo, len(cols))
		}
		var n [10]int
		for i := 0; i < 10; i++ {
			v, err := strconv.Atoi(cols[i])
			if err != nil {
				return Document{}, fmt.Errorf("%w: line %d column %d: %q is not a number", ErrBadTSV, lineNo, i+1, cols[i])
			}
			n[i] = v
		}
		level, pageNum := n[0], n[1]
		if pageNum < 0 || n[6] < 0 || n[7] < 0 || n[8] < 0 || n[9] < 0 {
			return Document{}, fmt.Errorf("%w: line %d has negative numbers", ErrBadTSV, lineNo)
		}
		switch level {
		case 1:
			p, err := page(pageNum)
			if err != nil {
				return Document{}, err
			}
			p.Width, p.Height = n[8], n[9]
		case 5:
			text := ""
			if len(cols) == 12 {
				text = strings.TrimSpace(cols[11])
			}
			if text == "" {
				continue
			}
			conf, err := strconv.ParseFloat(cols[10], 64)
			if err != nil {
				return Document{}, fmt.Errorf("%w: line %d: confidence %q", ErrBadTSV, lineNo, cols[10])
			}
			if conf < 0 {
				conf = 0
			}
			if conf > 100 {
				conf = 100
			}
			if words >= maxTSVWords {
				return Document{}, fmt.Errorf("%w: more than %d words", ErrBadTSV, maxTSVWords)
			}
			words++
			p, err := page(pageNum)
			if err != nil {
				return Document{}, err
			}
			p.Words = append(p.Words, Word{
				Text: text,
				X0:   n[6], Y0: n[7], X1: n[6] + n[8], Y1: n[7] + n[9],
				Confidence: conf,
				Block:      n[2], Par: n[3], Line: n[4],
			})
		case 2, 3, 4:
		default:
			return Document{}, fmt.Errorf("%w: line %d: unknown level %d", ErrBadTSV, lineNo, level)
		}
	}
	if err := sc.Err(); err != nil {
		return Document{}, fmt.Errorf("%w: %w", ErrBadTSV, err)
	}
	// Page numbers in TSV are 1-based and dense for one image; renumber
	// so that Page.Number always matches the position.
	for i := range doc.Pages {
		doc.Pages[i].Number = i + 1
	}
	return doc, nil
}
