// Package classify decides what a document is (Rechnung, Gutschrift,
// Mahnung, Bescheid, Antrag, Widerspruch, Sonstiges) and where it goes (an
// office / Organisationseinheit with its DMS target location and
// workflow).
//
// Two layers decide. Explicit rules from the configuration come first:
// keywords, regular expressions, sender, Aktenzeichen pattern, a Leitweg-ID
// table and profile defaults, with paperless-ngx's any/all/exact/regex/
// fuzzy matching. Then a learned classifier (tf-idf + multinomial logistic
// regression, see Train) and built-in keyword evidence. When nothing is
// sure enough, the document goes to the review route instead of a guess.
package classify

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/eingang/eingang/internal/fields"
	"github.com/eingang/eingang/internal/layout"
)

// Document kinds.
const (
	KindRechnung    = "Rechnung"
	KindGutschrift  = "Gutschrift"
	KindMahnung     = "Mahnung"
	KindBescheid    = "Bescheid"
	KindAntrag      = "Antrag"
	KindWiderspruch = "Widerspruch"
	KindSonstiges   = "Sonstiges"
)

// Kinds lists the built-in kinds; configuration may add more through rules
// and training data.
func Kinds() []string {
	return []string{KindRechnung, KindGutschrift, KindMahnung, KindBescheid, KindAntrag, KindWiderspruch, KindSonstiges}
}

// IsInvoice reports whether a kind goes to the Rechnungsworkflow.
func IsInvoice(kind string) bool {
	return strings.EqualFold(kind, KindRechnung) || strings.EqualFold(kind, KindGutschrift)
}

// CanonicalKind returns the built-in spelling of kind when it names a
// built-in kind in any case ("rechnung", "RECHNUNG" → "Rechnung"), and kind
// itself otherwise. Profiles, the journal and the DMS mappings write kinds
// in lower case, the routing tables often as the word is written; both must
// mean the same kind.
func CanonicalKind(kind string) string {
	kind = strings.TrimSpace(kind)
	for _, k := range Kinds() {
		if strings.EqualFold(k, kind) {
			return k
		}
	}
	return kind
}

// kindKey is the form in which kinds are compared.
func kindKey(kind string) string { return strings.ToLower(strings.TrimSpace(kind)) }

// ErrConfig wraps configuration errors from New.
var ErrConfig = errors.New("classify: invalid configuration")

// Route is a destination: an office with its DMS target and workflow.
type Route struct {
	// Office is the Organisationseinheit, e.g. "Kämmerei".
	Office string `yaml:"office" json:"office"`
	// Target names the DMS target from the dms configuration.
	Target string `yaml:"target" json:"target"`
	// Location is the folder / file plan position in the DMS.
	Location string `yaml:"location" json:"location"`
	// Workflow is started in the DMS after filing; empty for none.
	Workflow string `yaml:"workflow" json:"workflow"`
}

// Rule is one explicit classification rule.
type Rule struct {
	// Name identifies the rule in results and logs.
	Name string `yaml:"name"`
	// Field is what the pattern is matched against: "text" (default),
	// "source_name", "profile", "sender" (falls back to the extracted
	// seller_name), or any other input field such as "aktenzeichen",
	// "leitweg_id", "kassenzeichen" or an extracted invoice field.
	Field string `yaml:"field"`
	// Match is the pattern; Algorithm says how to read it.
	Match     string `yaml:"match"`
	Algorithm string `yaml:"algorithm"` // any, all, exact, regex, fuzzy, none
	// CaseSensitive turns off case folding (not for fuzzy).
	CaseSensitive bool `yaml:"case_sensitive"`
	// Profile limits the rule to one intake profile; empty for all.
	Profile string `yaml:"profile"`
	// Kind and Route are what a match assigns; either may be empty.
	Kind  string `yaml:"kind"`
	Route string `yaml:"route"`
}

// ProfileDefault gives a profile's kind and route when nothing else does.
type ProfileDefault struct {
	Kind  string `yaml:"kind"`
	Route string `yaml:"route"`
}

// Config is the classification section of the configuration.
type Config struct {
	// Routes by name.
	Routes map[string]Route `yaml:"routes"`
	// Rules are tried in order; the first rule that assigns a kind decides
	// the kind, the first that assigns a route decides the route.
	Rules []Rule `yaml:"rules"`
	// LeitwegRoutes maps Leitweg-IDs (or their leading part, e.g. the
	// Grobadressierung "05315") to a route name; the longest prefix wins.
	LeitwegRoutes map[string]string `yaml:"leitweg_routes"`
	// KindRoutes maps a kind to its route name.
	KindRoutes map[string]string `yaml:"kind_routes"`
	// ProfileDefaults by profile name.
	ProfileDefaults map[string]ProfileDefault `yaml:"profile_defaults"`
	// ReviewRoute receives documents whose kind or route is not certain.
	ReviewRoute string `yaml:"review_route"`
	// Threshold is the confidence below which a document goes to review.
	Threshold float64 `yaml:"threshold"`
	// ModelPath is the learned model file; empty to use rules and
	// keywords only.
	ModelPath string `yaml:"model_path"`
}

// Defaults returns a configuration with a review route and a threshold of
// 0.8 and no rules.
func Defaults() Config {
	return Config{
		Routes:      map[string]Route{"review": {Office: "Posteingang", Location: "Klärung"}},
		ReviewRoute: "review",
		Threshold:   0.8,
	}
}

// Validate checks the configuration; messages name the key.
func (c Config) Validate() error {
	var errs []error
	if c.Threshold < 0 || c.Threshold > 1 {
		errs = append(errs, fmt.Errorf("threshold: must be between 0 and 1, is %v", c.Threshold))
	}
	route := func(key, name string) {
		if name == "" {
			return
		}
		if _, ok := c.Routes[name]; !ok {
			errs = append(errs, fmt.Errorf("%s: route %q is not defined in routes", key, name))
		}
	}
	if c.ReviewRoute == "" {
		errs = append(errs, errors.New("review_route: must be set"))
	}
	route("review_route", c.ReviewRoute)
	for i, r := range c.Rules {
		key := fmt.Sprintf("rules[%d]", i)
		if r.Kind == "" && r.Route == "" {
			errs = append(errs, fmt.Errorf("%s: needs kind or route", key))
		}
		algo := r.Algorithm
		if algo == "" {
			algo = MatchAny
		}
		if _, err := compileMatcher(algo, r.Match, r.CaseSensitive); err != nil {
			errs = append(errs, fmt.Errorf("%s.%w", key, err))
		}
		route(key+".route", r.Route)
	}
	for id, name := range c.LeitwegRoutes {
		route("leitweg_routes."+id, name)
	}
	known := map[string]bool{}
	for _, k := range Kinds() {
		known[kindKey(k)] = true
	}
	for _, r := range c.Rules {
		if r.Kind != "" {
			known[kindKey(r.Kind)] = true
		}
	}
	seenKind := map[string]string{}
	// Sorted, so that every start reports the same problems in the same order.
	for _, k := range slices.Sorted(maps.Keys(c.KindRoutes)) {
		route("kind_routes."+k, c.KindRoutes[k])
		if prev, dup := seenKind[kindKey(k)]; dup {
			errs = append(errs, fmt.Errorf("kind_routes.%s: the same kind as kind_routes.%s (kinds are compared without regard to case)", k, prev))
		}
		seenKind[kindKey(k)] = k
		// A learned model may bring kinds of its own; without one, a kind
		// nobody can assign is a typo whose documents would all go to review.
		if !known[kindKey(k)] && c.ModelPath == "" {
			errs = append(errs, fmt.Errorf("kind_routes.%s: unknown kind (known: %s, or a kind assigned by a rule)", k, strings.Join(Kinds(), ", ")))
		}
	}
	for p, d := range c.ProfileDefaults {
		route("profile_defaults."+p+".route", d.Route)
	}
	return errors.Join(errs...)
}

// Input is what the pipeline knows about a document.
type Input struct {
	Text        string
	Layout      *layout.Document
	Profile     string // intake profile name
	ProfileKind string // kind the profile implies ("" if none), e.g. an e-invoice mailbox
	// KnownKind is the kind the document itself establishes, e.g. an
	// e-invoice's type code: no rule, profile or text evidence overrides
	// it, and routing goes by it.
	KnownKind  string
	SourceName string // file name or mail subject
	Fields     map[string]string
}

// Result is the decision.
type Result struct {
	Kind       string  `json:"kind"`
	Route      string  `json:"route"`
	Confidence float64 `json:"confidence"`
	Review     bool    `json:"review"`
	Reason     string  `json:"reason"`
}

type compiledRule struct {
	Rule
	m *matcher
}

// Classifier applies a configuration and an optional model. It is safe for
// concurrent use.
type Classifier struct {
	cfg   Config
	rules []compiledRule
	model *Model
	lw    []string // LeitwegRoutes keys, longest first
	// kindRoutes is KindRoutes keyed by kindKey.
	kindRoutes map[string]string
}

// New compiles the configuration. model may be nil.
func New(cfg Config, model *Model) (*Classifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	c := &Classifier{cfg: cfg, model: model, kindRoutes: map[string]string{}}
	for k, r := range cfg.KindRoutes {
		c.kindRoutes[kindKey(k)] = r
	}
	for _, r := range cfg.Rules {
		algo := r.Algorithm
		if algo == "" {
			algo = MatchAny
		}
		m, _ := compileMatcher(algo, r.Match, r.CaseSensitive)
		c.rules = append(c.rules, compiledRule{r, m})
	}
	for k := range cfg.LeitwegRoutes {
		c.lw = append(c.lw, k)
	}
	sort.Slice(c.lw, func(i, j int) bool { return len(c.lw[i]) > len(c.lw[j]) })
	return c, nil
}

// Route returns the named route.
func (c *Classifier) Route(name string) (Route, bool) {
	r, ok := c.cfg.Routes[name]
	return r, ok
}

var leitwegScanRE = regexp.MustCompile(`\b\d{2,12}(?:-[0-9A-Za-z]{1,30})?-\d{2}\b`)

// Classify decides kind and route.
func (c *Classifier) Classify(ctx context.Context, in Input) Result {
	text := in.Text
	if text == "" && in.Layout != nil {
		text = in.Layout.Text()
	}
	norm := strings.Join(strings.Fields(text), " ")
	var res Result
	var kindWhy, routeWhy string
	if in.KnownKind != "" {
		res.Kind, kindWhy = CanonicalKind(in.KnownKind), "E-Rechnung"
	}
	for _, r := range c.rules {
		if ctx.Err() != nil {
			break
		}
		if r.Profile != "" && r.Profile != in.Profile {
			continue
		}
		if (r.Kind == "" || res.Kind != "") && (r.Route == "" || res.Route != "") {
			continue
		}
		if in.KnownKind != "" && r.Kind != "" && !strings.EqualFold(CanonicalKind(r.Kind), res.Kind) {
			// A rule for another kind presumes the document is of that
			// kind, which the document itself says it is not.
			continue
		}
		if !r.m.match(c.subject(r.Field, norm, in)) {
			continue
		}
		if r.Kind != "" && res.Kind == "" {
			res.Kind, kindWhy = CanonicalKind(r.Kind), "Regel "+r.Name
		}
		if r.Route != "" && res.Route == "" {
			res.Route, routeWhy = r.Route, "Regel "+r.Name
		}
	}
	conf := 1.0
	if res.Kind == "" {
		var why string
		res.Kind, conf, why = c.learned(text, norm, in)
		kindWhy = why
	}
	if res.Route == "" {
		if r, id := c.leitweg(norm, in); r != "" {
			res.Route, routeWhy = r, "Leitweg-ID "+id
		}
	}
	pd, hasPD := c.cfg.ProfileDefaults[in.Profile]
	if res.Route == "" {
		if r, ok := c.kindRoutes[kindKey(res.Kind)]; ok && res.Kind != "" {
			res.Route, routeWhy = r, "Art "+res.Kind
		} else if hasPD && pd.Route != "" {
			res.Route, routeWhy = pd.Route, "Profil "+in.Profile
		}
	}
	res.Confidence = round3(conf)
	switch {
	case res.Kind == "" || conf < c.cfg.Threshold:
		res.Review = true
		res.Route = c.cfg.ReviewRoute
		routeWhy = "Art unsicher, zur Klärung"
	case res.Route == "":
		res.Review = true
		res.Route = c.cfg.ReviewRoute
		routeWhy = "keine Route für " + res.Kind + " konfiguriert, zur Klärung"
	}
	res.Reason = strings.TrimSpace(kindWhy + "; " + routeWhy)
	return res
}

func (c *Classifier) subject(field, norm string, in Input) string {
	switch field {
	case "", "text":
		return norm
	case "source_name":
		return in.SourceName
	case "profile":
		return in.Profile
	case "sender":
		// Extraction names the sender of an invoice seller_name.
		if v := in.Fields["sender"]; v != "" {
			return v
		}
		return in.Fields[fields.SellerName]
	}
	return in.Fields[field]
}

func (c *Classifier) leitweg(norm string, in Input) (string, string) {
	if len(c.lw) == 0 {
		return "", ""
	}
	ids := []string{in.Fields[fields.LeitwegID], in.Fields[fields.BuyerReference]}
	ids = append(ids, leitwegScanRE.FindAllString(norm, 20)...)
	for _, id := range ids {
		id = strings.ToUpper(strings.TrimSpace(id))
		if id == "" {
			continue
		}
		for _, k := range c.lw {
			if strings.HasPrefix(id, strings.ToUpper(k)) {
				return c.cfg.LeitwegRoutes[k], id
			}
		}
	}
	return "", ""
}

// learned combines the model, the built-in keyword evidence and the
// profile's kind.
func (c *Classifier) learned(text, norm string, in Input) (string, float64, string) {
	k, conf, why := c.evidence(text, norm)
	profKind := in.ProfileKind
	if profKind == "" {
		profKind = c.cfg.ProfileDefaults[in.Profile].Kind
	}
	profKind = CanonicalKind(profKind)
	// The intake profile (an e-invoice mailbox, the Bauamt's scanner) is
	// configured knowledge; only other specific evidence overrides it.
	if profKind != "" && (k == KindSonstiges || conf < c.cfg.Threshold || strings.EqualFold(k, profKind)) {
		return profKind, max(conf, 0.9), "Profil " + in.Profile
	}
	return k, conf, why
}

func (c *Classifier) evidence(text, norm string) (string, float64, string) {
	kw, kwConf := Keywords(text)
	if c.model == nil {
		return kw, kwConf, "Stichwörter"
	}
	k, p, _ := c.model.Predict(norm)
	switch {
	case IsInvoice(k) && kw == KindSonstiges:
		// No amounts, totals or invoice number: whatever the words say,
		// this is not an invoice a workflow could process.
		return KindSonstiges, 0.6, "Modell sagt " + k + ", aber keine Rechnungsmerkmale"
	case !IsInvoice(k) && IsInvoice(kw):
		// Invoice structure without the model's agreement: keep the
		// invoice kind so that it is not filed away, but let a person
		// confirm.
		return kw, min(kwConf, 0.6), "Rechnungsmerkmale, aber Modell sagt " + k
	case k == kw:
		return k, max(p, kwConf), "Modell und Stichwörter"
	case p >= c.cfg.Threshold && kwConf < 0.9:
		return k, p, "Modell"
	case kwConf >= 0.9 && p < 0.9:
		return kw, kwConf * 0.9, "Stichwörter"
	default:
		return k, min(p, 0.5), "Modell und Stichwörter widersprechen sich"
	}
}

func round3(f float64) float64 { return float64(int(f*1000+0.5)) / 1000 }
