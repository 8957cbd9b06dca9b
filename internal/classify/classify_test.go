package classify

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMatcher(t *testing.T) {
	tests := []struct {
		algo, pattern, text string
		cs                  bool
		want                bool
	}{
		{MatchAny, "Mahnung Zahlungserinnerung", "Zweite ZAHLUNGSERINNERUNG zu Rechnung 1", false, true},
		{MatchAny, "Mahnung", "Mahnungen", false, false}, // whole words only
		{MatchAll, "Stadtwerke Rechnung", "Rechnung der Stadtwerke", false, true},
		{MatchAll, "Stadtwerke Rechnung", "Rechnung der Wasserwerke", false, false},
		{MatchAll, `"Amt für Umwelt" Bescheid`, "Bescheid vom Amt für Umwelt", false, true},
		{MatchAll, `"Amt für Umwelt" Bescheid`, "Bescheid vom Amt für Soziales und Umwelt", false, false},
		{MatchExact, "Amt für Umwelt", "Das Amt  für\nUmwelt teilt mit", false, true},
		{MatchExact, "amt für umwelt", "Amt für Umwelt", true, false},
		{MatchRegex, `Az\.?\s*63-\d+`, "Unser Az. 63-1234/2024", false, true},
		{MatchRegex, `^x$`, "y", false, false},
		{MatchFuzzy, "Stadtwerke Musterstadt", "Rechnung der Stadtwcrke Musterstaclt GmbH", false, true},
		{MatchFuzzy, "Stadtwerke Musterstadt", "Rechnung der Wasserverband Beispielheim", false, false},
		{MatchNone, "x", "x", false, false},
	}
	for _, tt := range tests {
		m, err := compileMatcher(tt.algo, tt.pattern, tt.cs)
		if err != nil {
			t.Fatalf("%s %q: %v", tt.algo, tt.pattern, err)
		}
		norm := strings.Join(strings.Fields(tt.text), " ")
		if got := m.match(norm); got != tt.want {
			t.Errorf("%s %q on %q = %v, want %v", tt.algo, tt.pattern, tt.text, got, tt.want)
		}
	}
	for _, bad := range [][2]string{{"regex", "("}, {"soundex", "x"}, {"any", "  "}, {"exact", ""}} {
		if _, err := compileMatcher(bad[0], bad[1], false); err == nil {
			t.Errorf("compileMatcher(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

func testConfig() Config {
	c := Defaults()
	c.Routes["kaemmerei"] = Route{Office: "Kämmerei", Target: "d3", Location: "Finanzen/Rechnungen", Workflow: "Rechnungsworkflow"}
	c.Routes["bauamt"] = Route{Office: "Bauamt", Target: "fabasoft", Location: "Bauakten"}
	c.Routes["ordnungsamt"] = Route{Office: "Ordnungsamt", Target: "d3", Location: "Bußgeld"}
	c.Routes["post"] = Route{Office: "Zentrale Poststelle", Target: "d3", Location: "Eingang"}
	c.Rules = []Rule{
		{Name: "bauakten", Field: "aktenzeichen", Algorithm: MatchRegex, Match: `^63-`, Route: "bauamt"},
		{Name: "az-im-text", Algorithm: MatchRegex, Match: `Az\.?\s*63-\d+`, Route: "bauamt"},
		{Name: "widerspruch-bussgeld", Algorithm: MatchAll, Match: "Widerspruch Bußgeldbescheid", Kind: KindWiderspruch, Route: "ordnungsamt"},
		{Name: "stadtwerke", Field: "sender", Algorithm: MatchFuzzy, Match: "Stadtwerke Musterstadt", Kind: KindRechnung},
		{Name: "nur-profil", Profile: "bauamt-scanner", Algorithm: MatchAny, Match: "Bauantrag", Kind: KindAntrag, Route: "bauamt"},
	}
	c.LeitwegRoutes = map[string]string{"04011000-1234512345": "kaemmerei"}
	c.KindRoutes = map[string]string{KindRechnung: "kaemmerei", KindGutschrift: "kaemmerei", KindSonstiges: "post"}
	c.ProfileDefaults = map[string]ProfileDefault{"erechnung": {Kind: KindRechnung, Route: "kaemmerei"}}
	return c
}

const invoiceText = `Stadtwerke Musterstadt GmbH
Rechnungsnummer: RE-2024-0815
Rechnungsdatum: 15.03.2024
Nettobetrag 1.000,00 €
zzgl. 19 % USt. 190,00 €
Gesamtbetrag 1.190,00 €
USt-IdNr.: DE136695976
IBAN: DE89 3704 0044 0532 0130 00`

func TestClassify(t *testing.T) {
	cl, err := New(testConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		in          Input
		kind, route string
		review      bool
	}{
		{"invoice by keywords", Input{Text: invoiceText}, KindRechnung, "kaemmerei", false},
		{"aktenzeichen field rule", Input{Text: "Sehr geehrte Damen und Herren, anbei die Unterlagen.", Fields: map[string]string{"aktenzeichen": "63-2024-17"}}, KindSonstiges, "bauamt", false},
		{"aktenzeichen in text", Input{Text: "Ihr Schreiben, Az. 63-4711. Anbei die Unterlagen."}, KindSonstiges, "bauamt", false},
		{"widerspruch rule", Input{Text: "Gegen den Bußgeldbescheid vom 1.3.2024 lege ich Widerspruch ein."}, KindWiderspruch, "ordnungsamt", false},
		{"sender fuzzy rule", Input{Text: "Abschlag März", Fields: map[string]string{"sender": "Stadtwcrke Musterstadt"}}, KindRechnung, "kaemmerei", false},
		{"sender from seller_name", Input{Text: "Abschlag März", Fields: map[string]string{"seller_name": "Stadtwerke Musterstadt GmbH"}}, KindRechnung, "kaemmerei", false},
		{"rule limited to profile", Input{Text: "Bauantrag für Garage", Profile: "other"}, KindAntrag, "review", true},
		{"profile rule", Input{Text: "Bauantrag für Garage", Profile: "bauamt-scanner"}, KindAntrag, "bauamt", false},
		{"leitweg table", Input{Text: "Leitweg-ID 04011000-1234512345-06 " + strings.Repeat("Bestellung ", 3)}, KindSonstiges, "kaemmerei", false},
		{"profile default", Input{Text: "XRechnung", Profile: "erechnung"}, KindRechnung, "kaemmerei", false},
		{"mahnung keywords", Input{Text: "2. Mahnung\nBitte zahlen Sie umgehend."}, KindMahnung, "review", true},
		{"uncertain goes to review", Input{Text: "Rechnung Nr. 12\nGesamtbetrag\nUSt"}, KindRechnung, "review", true},
		// An e-invoice's kind is a fact: a letter-like or Widerspruch-like
		// text in it must not reroute it.
		{"known kind beats text rules", Input{Text: "Gegen den Bußgeldbescheid vom 1.3.2024 lege ich Widerspruch ein.", KnownKind: "Rechnung"}, KindRechnung, "kaemmerei", false},
		{"known kind beats profile rule", Input{Text: "Bauantrag für Garage", Profile: "bauamt-scanner", KnownKind: KindRechnung}, KindRechnung, "kaemmerei", false},
		{"known kind keeps route-only rules", Input{Text: "Ihr Schreiben, Az. 63-4711. Anbei die Unterlagen.", KnownKind: KindRechnung}, KindRechnung, "bauamt", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cl.Classify(context.Background(), tt.in)
			if r.Kind != tt.kind || r.Route != tt.route || r.Review != tt.review {
				t.Errorf("got %+v, want kind %s route %s review %v", r, tt.kind, tt.route, tt.review)
			}
			if r.Reason == "" {
				t.Error("no reason")
			}
		})
	}
}

func TestValidate(t *testing.T) {
	c := testConfig()
	c.Threshold = 2
	c.Rules = append(c.Rules, Rule{Name: "x", Algorithm: "regex", Match: "(", Kind: "Rechnung"}, Rule{Name: "y", Match: "a", Route: "nowhere"}, Rule{Name: "z", Match: "a"})
	c.KindRoutes["Mahnung"] = "missing"
	err := c.Validate()
	for _, key := range []string{"threshold:", "rules[5].match:", "rules[6].route:", "rules[7]: needs kind or route", "kind_routes.Mahnung:"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error %v does not name %q", err, key)
		}
	}
	if _, err := New(c, nil); !errors.Is(err, ErrConfig) {
		t.Errorf("New: %v, want ErrConfig", err)
	}
	if err := Defaults().Validate(); err != nil {
		t.Errorf("Defaults invalid: %v", err)
	}
}

func examples() []Example {
	var ex []Example
	inv := []string{
		"Rechnung Nr. %d Gesamtbetrag 119,00 EUR USt-IdNr DE136695976 IBAN zahlbar bis",
		"Rechnungsnummer %d Nettobetrag Umsatzsteuer Bruttosumme Bankverbindung Zahlungsziel",
		"Invoice number %d total amount VAT due date bank account",
	}
	bes := []string{
		"Bescheid über die Festsetzung der Grundsteuer %d Rechtsbehelfsbelehrung Widerspruch innerhalb eines Monats",
		"Gebührenbescheid %d hiermit wird festgesetzt Rechtsbehelfsbelehrung Verwaltungsgericht",
	}
	ant := []string{
		"Antrag auf Erteilung einer Baugenehmigung %d Antragsteller Unterschrift Anlagen",
		"Hiermit beantrage ich %d einen Bewohnerparkausweis Antragsteller Kennzeichen",
	}
	for i := 0; i < 6; i++ {
		ex = append(ex, Example{Text: strings.Replace(inv[i%3], "%d", "47"+string(rune('0'+i)), 1), Kind: KindRechnung})
		ex = append(ex, Example{Text: strings.Replace(bes[i%2], "%d", "20"+string(rune('0'+i)), 1), Kind: KindBescheid})
		ex = append(ex, Example{Text: strings.Replace(ant[i%2], "%d", "x"+string(rune('0'+i)), 1), Kind: KindAntrag})
	}
	return ex
}

func TestTrainPredictSaveLoad(t *testing.T) {
	m, err := Train(examples(), TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{
		"Grundsteuerbescheid mit Rechtsbehelfsbelehrung, festgesetzt": KindBescheid,
		"Ich beantrage hiermit als Antragsteller eine Baugenehmigung": KindAntrag,
		"Rechnungsnummer 99 Bruttosumme Umsatzsteuer Bankverbindung":  KindRechnung,
	}
	for text, want := range tests {
		k, p, all := m.Predict(text)
		if k != want || p < 0.5 {
			t.Errorf("Predict(%q) = %s %.2f (%v), want %s", text, k, p, all, want)
		}
		sum := 0.0
		for _, v := range all {
			sum += v
		}
		if sum < 0.999 || sum > 1.001 {
			t.Errorf("probabilities sum to %v", sum)
		}
	}
	path := filepath.Join(t.TempDir(), "model.json")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	m2, err := LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	for text := range tests {
		k1, p1, _ := m.Predict(text)
		k2, p2, _ := m2.Predict(text)
		if k1 != k2 || p1 != p2 {
			t.Errorf("loaded model differs on %q", text)
		}
	}
	// An unrelated text gets a low confidence and goes to review.
	cfg := testConfig()
	cl, err := New(cfg, m)
	if err != nil {
		t.Fatal(err)
	}
	if r := cl.Classify(context.Background(), Input{Text: "Lorem ipsum dolor sit amet"}); !r.Review || r.Route != cfg.ReviewRoute {
		t.Errorf("unrelated text: %+v", r)
	}
	if r := cl.Classify(context.Background(), Input{Text: invoiceText}); r.Kind != KindRechnung || r.Review {
		t.Errorf("invoice with model: %+v", r)
	}
}

func TestTrainErrors(t *testing.T) {
	if _, err := Train(nil, TrainOptions{}); !errors.Is(err, ErrNoExamples) {
		t.Errorf("err = %v", err)
	}
	if _, err := Train([]Example{{"a", "A"}, {"b", "A"}}, TrainOptions{}); !errors.Is(err, ErrNoExamples) {
		t.Errorf("single class: err = %v", err)
	}
	dir := t.TempDir()
	for name, body := range map[string]string{"bad.json": "{", "format.json": `{"format":"x"}`, "shape.json": `{"format":"eingang-classify/1","classes":["a","b"],"vocab":{"x":5},"idf":[1],"weights":[[1],[1]],"bias":[0,0]}`} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		if _, err := LoadModel(p); !errors.Is(err, ErrBadModel) {
			t.Errorf("%s: err = %v, want ErrBadModel", name, err)
		}
	}
}

func TestCrossValidate(t *testing.T) {
	ex := examples()
	pred, prob, err := CrossValidate(ex, 3, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ok := 0
	for i := range pred {
		if pred[i] == ex[i].Kind {
			ok++
		}
		if prob[i] <= 0 || prob[i] > 1 {
			t.Errorf("prob %v", prob[i])
		}
	}
	if ok < len(ex)*8/10 {
		t.Errorf("cross-validated %d/%d", ok, len(ex))
	}
}

func TestLoadExamples(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "Rechnung"), 0o755)
	os.MkdirAll(filepath.Join(dir, "Bescheid"), 0o755)
	os.WriteFile(filepath.Join(dir, "Rechnung", "a.txt"), []byte("Rechnung 1"), 0o644)
	os.WriteFile(filepath.Join(dir, "Bescheid", "b.pdf"), []byte("%PDF"), 0o644)
	ex, scans, err := LoadExamplesDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) != 1 || ex[0].Kind != "Rechnung" || len(scans) != 1 || scans[0].Kind != "Bescheid" {
		t.Errorf("ex %+v scans %+v", ex, scans)
	}
	jl := `{"text":"Rechnung 1","kind":"Rechnung"}` + "\n\n" + `{"text":"","kind":"X"}` + "\n"
	got, err := ReadExamplesJSONL(strings.NewReader(jl))
	if err != nil || len(got) != 1 {
		t.Errorf("jsonl: %v %+v", err, got)
	}
	if _, err := ReadExamplesJSONL(strings.NewReader("{")); err == nil {
		t.Error("bad jsonl accepted")
	}
}

func FuzzKeywords(f *testing.F) {
	f.Add(invoiceText)
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		k, c := Keywords(s)
		if k == "" || c <= 0 || c > 1 {
			t.Fatalf("Keywords = %q %v", k, c)
		}
	})
}

func FuzzMatch(f *testing.F) {
	f.Add("fuzzy", "Stadtwerke", "Die Stadtwcrke")
	f.Add("any", `"a b`, "a b")
	f.Fuzz(func(t *testing.T, algo, pattern, text string) {
		m, err := compileMatcher(algo, pattern, false)
		if err != nil {
			return
		}
		if len(text) > 2000 {
			text = text[:2000]
		}
		m.match(text)
	})
}

func TestFitTemperature(t *testing.T) {
	// Confident and always right: sharpen (T < 1). Confident but right
	// only half the time: soften (T > 1).
	right := [][]float64{{-0.1, -2.4}, {-2.4, -0.1}, {-0.1, -2.4}, {-2.4, -0.1}}
	if tt := fitTemperature(right, []int{0, 1, 0, 1}); tt >= 1 {
		t.Errorf("always right: T = %v, want < 1", tt)
	}
	if tt := fitTemperature(right, []int{0, 0, 1, 1}); tt <= 1 {
		t.Errorf("half wrong: T = %v, want > 1", tt)
	}
}
