package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// decodeYAML decodes data, the file called name ("" when unknown), into cfg.
// Before yaml.v3 sees the document it is checked key by key against cfg's
// yaml tags, because yaml.v3's own errors name Go types ("cannot unmarshal
// !!int `2` into time.Duration") and no file, and stop at the first unknown
// key of a section. The check names the dotted key as Validate does, the
// file and the line, suggests the known key nearest to a typo and says how
// a value of the expected kind is written.
func decodeYAML(data []byte, name string, cfg *Config) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("config: %s", syntaxError(err, name, data))
	}
	if len(doc.Content) == 0 {
		return nil // empty or only comments: all defaults
	}
	w := &walker{file: name, root: reflect.TypeOf(cfg).Elem()}
	w.value(doc.Content[0], reflect.TypeOf(cfg).Elem(), "")
	if n := len(w.problems); n > maxProblems {
		// A section indented one level too deep makes every key below it
		// wrong; the first few lead to the cause.
		w.problems = append(w.problems[:maxProblems], fmt.Sprintf("and %d more problems", n-maxProblems))
	}
	if len(w.problems) > 0 {
		return &ValidationError{Problems: w.problems}
	}
	// The check above mirrors yaml.v3's rules; decoding with KnownFields
	// stays as the safety net for whatever it does not foresee.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config: %s%s", cleanYAMLError(err), where(name, 0))
	}
	return nil
}

var (
	yamlPrefix     = regexp.MustCompile(`^yaml: (unmarshal errors:\n\s*)?`)
	yamlSyntaxLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
)

func cleanYAMLError(err error) string {
	return yamlPrefix.ReplaceAllString(err.Error(), "")
}

// syntaxError turns yaml.v3's "yaml: line 3: …" into "FILE line 3: …" and
// explains the most common cause, a tab in the indentation.
func syntaxError(err error, name string, data []byte) string {
	m := yamlSyntaxLine.FindStringSubmatch(err.Error())
	if m == nil {
		msg := cleanYAMLError(err)
		if name == "" {
			return "YAML syntax: " + msg
		}
		return name + ": " + msg
	}
	line, _ := strconv.Atoi(m[1])
	msg := m[2]
	lines := strings.Split(string(data), "\n")
	if line >= 1 && line <= len(lines) && strings.Contains(lines[line-1], "\t") {
		msg += " (indent with spaces: YAML does not allow tabs)"
	}
	loc := strings.TrimPrefix(where(name, line), " in ")
	return loc + ": " + msg
}

// where is the " in FILE line N" that ends a message about the file.
func where(name string, line int) string {
	switch {
	case name != "" && line > 0:
		return fmt.Sprintf(" in %s line %d", name, line)
	case name != "":
		return " in " + name
	case line > 0:
		return fmt.Sprintf(" in line %d", line)
	}
	return ""
}

// maxProblems is how many problems of the file are reported at most.
const maxProblems = 10

// walkBudget bounds the nodes visited, since aliases can make a small
// document expand to a huge tree; beyond it yaml.v3's decoder decides.
const walkBudget = 100_000

// walker checks a YAML node tree against the Go type it will be decoded
// into and collects one problem per mistake.
type walker struct {
	file     string
	root     reflect.Type
	places   map[string][]string // key -> sections that have it, see keyPlaces
	problems []string
	visited  int
	// expanding holds the aliased nodes being walked, so that an alias
	// pointing into itself is not followed forever.
	expanding map[*yaml.Node]bool
}

func (w *walker) add(key string, at *yaml.Node, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if key != "" {
		msg = key + ": " + msg
	}
	w.problems = append(w.problems, msg+where(w.file, at.Line))
}

var (
	profileType         = reflect.TypeOf(Profile{})
	textUnmarshalerType = reflect.TypeOf((*interface{ UnmarshalText([]byte) error })(nil)).Elem()
	yamlUnmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()
	errFraction         = errors.New("not a whole number")
)

// value checks n, to be decoded into a value of type t at the dotted key.
func (w *walker) value(n *yaml.Node, t reflect.Type, key string) {
	w.visited++
	if w.visited > walkBudget {
		return
	}
	at := n // aliases are reported where they are used
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil || w.expanding[n.Alias] {
			return // yaml.v3 reports the cycle
		}
		if w.expanding == nil {
			w.expanding = map[*yaml.Node]bool{}
		}
		w.expanding[n.Alias] = true
		defer delete(w.expanding, n.Alias)
		w.valueAt(n.Alias, at, t, key)
		return
	}
	w.valueAt(n, at, t, key)
}

func (w *walker) valueAt(n, at *yaml.Node, t reflect.Type, key string) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // "key:" with nothing keeps the default
	}
	if t == nodeType {
		return // free-form, checked by the package that owns it
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(yamlUnmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType) {
		w.leaf(n, at, t, key)
		return
	}
	switch {
	case t.Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			w.add(key, at, "must hold keys (%s), got %s", strings.Join(yamlKeys(t), ", "), describe(n))
			return
		}
		fields := yamlFields(t)
		w.mapping(n, key, func(k, v *yaml.Node) {
			ft, ok := fields[k.Value]
			if !ok {
				w.add(join(key, k.Value), k, "unknown key (%s)", w.suggest(k.Value, t))
				return
			}
			w.value(v, ft, join(key, k.Value))
		}, func(v *yaml.Node) { w.value(v, t, key) })
	case t.Kind() == reflect.Map:
		if n.Kind != yaml.MappingNode {
			w.add(key, at, "must hold name: value entries, got %s", describe(n))
			return
		}
		w.mapping(n, key, func(k, v *yaml.Node) {
			w.value(v, t.Elem(), join(key, k.Value))
		}, func(v *yaml.Node) { w.value(v, t, key) })
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			hint := ""
			if n.Kind == yaml.ScalarNode {
				hint = fmt.Sprintf(" (write [%q])", n.Value)
			}
			w.add(key, at, "must be a list, got %s%s", describe(n), hint)
			return
		}
		for i, e := range n.Content {
			w.value(e, t.Elem(), elemKey(key, i, t.Elem(), scalarValue(e, "name")))
		}
	default:
		w.leaf(n, at, t, key)
	}
}

// mapping calls each for every key: value pair of n, reporting keys that
// are not plain scalars and keys given twice, and merge for the values of
// "<<" merge keys, whose keys belong to n's level.
func (w *walker) mapping(n *yaml.Node, key string, each func(k, v *yaml.Node), merge func(v *yaml.Node)) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			if v.Kind == yaml.SequenceNode {
				for _, m := range v.Content {
					merge(m)
				}
			} else {
				merge(v)
			}
			continue
		}
		if k.Kind != yaml.ScalarNode {
			w.add(key, k, "a key must be a plain name, got %s", describe(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			w.add(join(key, k.Value), k, "given twice (first in line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		each(k, v)
	}
}

// leaf checks a single value by decoding it alone.
func (w *walker) leaf(n, at *yaml.Node, t reflect.Type, key string) {
	if n.Kind != yaml.ScalarNode {
		w.add(key, at, "must be a single value, got %s", describe(n))
		return
	}
	v := reflect.New(t)
	err := n.Decode(v.Interface())
	if err == nil && isInteger(t) && n.ShortTag() == "!!float" {
		// yaml.v3 truncates 1.5 into an int without a word.
		if f, ferr := strconv.ParseFloat(n.Value, 64); ferr != nil || f != math.Trunc(f) {
			err = errFraction
		}
	}
	if err != nil {
		w.add(key, at, "%s", badValue(n.Value, t, key))
	}
}

// badValue says why s is no value of type t and how one is written. It
// serves the file and the environment overrides alike.
func badValue(s string, t reflect.Type, key string) string {
	switch {
	case t == durationType:
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return fmt.Sprintf("%q is not a duration (write %ss)", s, s)
		}
		return fmt.Sprintf("%q is not a duration (write e.g. 30s, 5m or 1h30m)", s)
	case t.Kind() == reflect.Bool:
		return fmt.Sprintf("%q is not true or false", s)
	case isInteger(t):
		if strings.HasSuffix(key, "_size") {
			if n, unit, ok := sizeWithUnit(s); ok {
				return fmt.Sprintf("%q is not a number of bytes (write %d for %s)", s, n, unit)
			}
			return fmt.Sprintf("%q is not a number of bytes (write e.g. 524288000 for 500 MiB)", s)
		}
		if _, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 0, 64); err != nil && errors.Is(err, strconv.ErrRange) {
			return fmt.Sprintf("%q is too large", s)
		}
		return fmt.Sprintf("%q is not a whole number (write e.g. 4)", s)
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return fmt.Sprintf("%q is not a number (write e.g. 0.8)", s)
	}
	return fmt.Sprintf("%q is not a valid value here", s)
}

func isInteger(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return t != durationType
	}
	return false
}

var sizeRE = regexp.MustCompile(`^(?i)\s*(\d+)\s*([kmgt])i?b?\s*$`)

// sizeWithUnit reads "500MB" or "2 GiB" as binary units, the way the
// default 500 MiB is meant, for the hint that names the byte count.
func sizeWithUnit(s string) (int64, string, bool) {
	m := sizeRE.FindStringSubmatch(s)
	if m == nil {
		return 0, "", false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, "", false
	}
	u := strings.ToUpper(m[2])
	shift := map[string]uint{"K": 10, "M": 20, "G": 30, "T": 40}[u]
	if n > math.MaxInt64>>shift {
		return 0, "", false
	}
	return n << shift, fmt.Sprintf("%d %siB", n, u), true
}

// describe names what a node is, for "got …".
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		return strconv.Quote(n.Value)
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "keys"
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

// scalarValue returns the value of key in mapping n, "" if there is none.
func scalarValue(n *yaml.Node, key string) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && n.Content[i+1].Kind == yaml.ScalarNode {
			return n.Content[i+1].Value
		}
	}
	return ""
}

// elemKey names element i of the list at key. Profiles also carry their
// name, as in Validate ("profiles[1] (rechnung)"): operators know their
// profiles by name, not by position.
func elemKey(key string, i int, elem reflect.Type, name string) string {
	if elem == profileType {
		return profileKey(i, name)
	}
	return fmt.Sprintf("%s[%d]", key, i)
}

// profileKey is the key of profile i in every message.
func profileKey(i int, name string) string {
	if name == "" {
		return fmt.Sprintf("profiles[%d]", i)
	}
	return fmt.Sprintf("profiles[%d] (%s)", i, name)
}

// yamlFields maps the yaml keys of struct t to their field types, the way
// yaml.v3 names them (tag, else the lower-cased field name; inline structs
// contribute their keys).
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(","+opts+",", ",inline,") && f.Type.Kind() == reflect.Struct {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// yamlKeys lists the yaml keys of struct t in declaration order.
func yamlKeys(t reflect.Type) []string {
	fields := yamlFields(t)
	var keys []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if strings.Contains(","+opts+",", ",inline,") && f.Type.Kind() == reflect.Struct {
				walk(f.Type)
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			if _, ok := fields[name]; ok && f.IsExported() {
				keys = append(keys, name)
			}
		}
	}
	walk(t)
	return keys
}

// suggest is the hint for key, unknown in struct t: a typo's nearest key
// at this level, else the sections that do have the key (a key indented
// one level too shallow or too deep), else the keys of this level.
func (w *walker) suggest(key string, t reflect.Type) string {
	known := yamlKeys(t)
	if _, ok := nearest(key, known); ok {
		return suggest(key, known)
	}
	if w.places == nil {
		w.places = map[string][]string{}
		keyPlaces(w.root, "", w.places, 0)
	}
	if places := w.places[strings.ToLower(key)]; len(places) > 0 {
		if len(places) > 3 {
			places = append(places[:3:3], "…")
		}
		return "it is a key of " + strings.Join(places, ", ") + "; check the indentation"
	}
	return suggest(key, known)
}

// keyPlaces records for every yaml key below struct type t the sections
// that have it, named as in messages but with [] for any list element and
// <name> for any map entry: "folder" -> ["profiles[]"].
func keyPlaces(t reflect.Type, path string, out map[string][]string, depth int) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if depth > 8 {
		return // no recursive types today; do not loop if one appears
	}
	switch t.Kind() {
	case reflect.Struct:
		if t == nodeType {
			return
		}
		place := path
		if place == "" {
			place = "the top level"
		}
		fields := yamlFields(t)
		for _, k := range yamlKeys(t) {
			out[k] = append(out[k], place)
			keyPlaces(fields[k], join(path, k), out, depth+1)
		}
	case reflect.Slice:
		keyPlaces(t.Elem(), path+"[]", out, depth+1)
	case reflect.Map:
		keyPlaces(t.Elem(), join(path, "<name>"), out, depth+1)
	}
}

// suggest is the parenthesised hint after "unknown key": the nearest known
// key when it is close enough to be a typo, else the list of known keys.
func suggest(key string, known []string) string {
	if best, ok := nearest(key, known); ok {
		return "did you mean " + best + "?"
	}
	return "known: " + strings.Join(known, ", ")
}

// nearest returns the candidate closest to s by edit distance (ignoring
// case, and - for _), if it is close enough to be a typo: at most one edit
// per four characters, at least one.
func nearest(s string, candidates []string) (string, bool) {
	norm := func(x string) string { return strings.ReplaceAll(strings.ToLower(x), "-", "_") }
	best, bestD := "", math.MaxInt
	for _, c := range candidates {
		if d := editDistance(norm(s), norm(c)); d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(1, len(s)/4)
	return best, best != "" && bestD <= limit
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of neighbours ("htpp") count one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
