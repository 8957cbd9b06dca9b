package httpapi

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// cssRule is one rule of the pages' style sheet with the colours it sets.
type cssRule struct {
	selector          string
	color, background string
	border            string
}

var (
	ruleRE  = regexp.MustCompile(`([^{}]+)\{([^{}]*)\}`)
	hexRE   = regexp.MustCompile(`#[0-9a-fA-F]{6}\b`)
	declsRE = regexp.MustCompile(`([a-z-]+)\s*:\s*([^;]+)`)
)

func parseCSS(t *testing.T, css string) []cssRule {
	t.Helper()
	var rules []cssRule
	for _, m := range ruleRE.FindAllStringSubmatch(css, -1) {
		r := cssRule{selector: strings.TrimSpace(m[1])}
		for _, d := range declsRE.FindAllStringSubmatch(m[2], -1) {
			hex := hexRE.FindString(d[2])
			if strings.Contains(d[2], "#") && hex == "" {
				t.Errorf("%s: colour %q is not #rrggbb; the contrast test cannot check it", r.selector, d[2])
			}
			switch d[1] {
			case "color":
				r.color = hex
			case "background", "background-color":
				r.background = hex
			case "border", "border-left", "border-bottom":
				r.border = hex
			}
		}
		rules = append(rules, r)
	}
	return rules
}

// luminance is the relative luminance of an sRGB colour (WCAG 2.1).
func luminance(hex string) float64 {
	v, _ := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	ch := func(c uint64) float64 {
		s := float64(c) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(v>>16&0xff) + 0.7152*ch(v>>8&0xff) + 0.0722*ch(v&0xff)
}

func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func TestContrastFormula(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{{"#000000", "#ffffff", 21}, {"#ffffff", "#ffffff", 1}, {"#767676", "#ffffff", 4.54}} {
		if got := contrast(tc.a, tc.b); math.Abs(got-tc.want) > 0.01 {
			t.Errorf("contrast(%s, %s) = %.2f, want %.2f", tc.a, tc.b, got, tc.want)
		}
	}
}

// Every text colour of the style sheet on the background it is used on
// has a contrast of at least 4.5:1 (WCAG 2.1 AA, 1.4.3), borders of form
// controls at least 3:1 (1.4.11). A rule without its own background sits
// on the page's, a rule without its own colour shows the page's text.
func TestStyleContrast(t *testing.T) {
	b, err := templateFS.ReadFile("templates/style.html")
	if err != nil {
		t.Fatal(err)
	}
	css := string(b)
	start, end := strings.Index(css, "<style>"), strings.Index(css, "</style>")
	if start < 0 || end < start {
		t.Fatal("no <style> in style.html")
	}
	rules := parseCSS(t, css[start+len("<style>"):end])
	var page cssRule
	for _, r := range rules {
		if r.selector == "body" {
			page = r
		}
	}
	if page.color == "" || page.background == "" {
		t.Fatal("body sets no colour and background")
	}
	pairs := 0
	for _, r := range rules {
		fg, bg := r.color, r.background
		if fg == "" && bg == "" {
			if r.border != "" && (strings.Contains(r.selector, "input") || strings.Contains(r.selector, "button")) {
				if c := contrast(r.border, page.background); c < 3 {
					t.Errorf("%s: border %s on %s has contrast %.2f < 3", r.selector, r.border, page.background, c)
				}
			}
			continue
		}
		if fg == "" {
			fg = page.color
		}
		if bg == "" {
			bg = page.background
		}
		pairs++
		c := contrast(fg, bg)
		t.Logf("%-28s %s on %s: %.2f:1", r.selector, fg, bg, c)
		if c < 4.5 {
			t.Errorf("%s: text %s on %s has contrast %.2f < 4.5", r.selector, fg, bg, c)
		}
		if r.border != "" && strings.Contains(r.selector, "input") {
			if c := contrast(r.border, page.background); c < 3 {
				t.Errorf("%s: border %s has contrast %.2f < 3", r.selector, r.border, c)
			}
		}
	}
	if pairs < 8 {
		t.Errorf("only %d colour pairs found; is the style sheet parsed?", pairs)
	}
}

// The rule of the test holds: a colour that fails is found.
func TestStyleContrastFindsLowContrast(t *testing.T) {
	rules := parseCSS(t, `body{color:#1a1a1a;background:#ffffff}.pale{color:#aaaaaa}`)
	if c := contrast(rules[1].color, rules[0].background); c >= 4.5 {
		t.Errorf("#aaaaaa on white: %.2f", c)
	}
}
