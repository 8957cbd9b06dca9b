package config

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// applyEnv overrides configuration keys from variables named after their
// YAML path: EINGANG_<SECTION>_<KEY>, list elements by index
// (EINGANG_PROFILES_0_FOLDER), map entries by key (EINGANG_TARGETS_ARCHIVE_DIR,
// EINGANG_PROFILES_0_METADATA_OFFICE). List elements and map entries that
// the file does not define are created, so a deployment can be configured
// from the environment alone. Unknown EINGANG_ variables are reported, since
// a typo would otherwise be silently ignored.
func applyEnv(cfg *Config, environ []string) error {
	vars := map[string]string{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(k, EnvPrefix+"_") {
			vars[k] = v
		}
	}
	// Variables consumed elsewhere (secrets for targets and signing, the
	// config file's path, the demo script's settings), not configuration
	// keys. The other EINGANG_SIGN_ variables are keys of the sign section
	// like any other: skipping them all once let a mistyped key file pass
	// unnoticed.
	mailEnv := map[string]bool{}
	for _, a := range cfg.Mail.Accounts {
		mailEnv[a.PasswordEnv] = true
	}
	for k := range vars {
		if mailEnv[k] || strings.HasSuffix(k, "_PASSWORD") || strings.HasSuffix(k, "_API_KEY") || k == cfg.Sign.PasswordEnv || k == cfg.Journal.PasswordEnv ||
			k == EnvPrefix+"_CONFIG" || strings.HasPrefix(k, EnvPrefix+"_DEMO_") {
			delete(vars, k)
		}
	}
	if len(vars) == 0 {
		return nil
	}
	used := map[string]bool{}
	if err := setFromEnv(reflect.ValueOf(cfg).Elem(), EnvPrefix, "", vars, used); err != nil {
		return err
	}
	var unknown []string
	for k := range vars {
		if !used[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		var known []string
		envNames(reflect.ValueOf(cfg).Elem(), EnvPrefix, &known)
		for i, k := range unknown {
			unknown[i] += " (" + suggestEnv(k, known) + ")"
		}
		return fmt.Errorf("config: unknown environment override %s", strings.Join(unknown, ", "))
	}
	return nil
}

// suggestEnv is the hint for an unknown variable: the nearest variable
// that would set a key, compared without the common EINGANG_ prefix.
func suggestEnv(name string, known []string) string {
	strip := func(s string) string { return strings.TrimPrefix(s, EnvPrefix+"_") }
	short := make([]string, len(known))
	for i, k := range known {
		short[i] = strip(k)
	}
	if best, ok := nearest(strip(name), short); ok {
		return "no such key; did you mean " + EnvPrefix + "_" + best + "?"
	}
	return "no such key"
}

// envNames appends the variable names of every key below v: the fields of
// structs, the existing elements of lists and entries of maps.
func envNames(v reflect.Value, env string, out *[]string) {
	if isLeaf(v.Type()) {
		*out = append(*out, env)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			envNames(reflect.New(v.Type().Elem()).Elem(), env, out)
		} else {
			envNames(v.Elem(), env, out)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			name := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
			if name == "" || name == "-" || t.Field(i).Type == nodeType {
				continue
			}
			envNames(v.Field(i), env+"_"+strings.ToUpper(name), out)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			envNames(v.Index(i), fmt.Sprintf("%s_%d", env, i), out)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			envNames(v.MapIndex(k), env+"_"+strings.ToUpper(k.String()), out)
		}
	}
}

var (
	durationType = reflect.TypeOf(time.Duration(0))
	nodeType     = reflect.TypeOf(yaml.Node{})
)

// setNodeFromEnv overrides top-level scalar keys of a free-form options
// block (the settings of a d3 or fabasoft target, validated by its own
// package): EINGANG_TARGETS_D3_OPTIONS_BASE_URL sets options.base_url.
func setNodeFromEnv(n *yaml.Node, prefix string, vars map[string]string, used map[string]bool) {
	for k, val := range vars {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok || rest == "" {
			continue
		}
		used[k] = true
		if n.Kind == 0 {
			*n = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		}
		key := strings.ToLower(rest)
		scalar := &yaml.Node{Kind: yaml.ScalarNode, Value: val}
		replaced := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				n.Content[i+1] = scalar
				replaced = true
			}
		}
		if !replaced {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, scalar)
		}
	}
}

func setFromEnv(v reflect.Value, env, key string, vars map[string]string, used map[string]bool) error {
	if val, ok := vars[env]; ok && isLeaf(v.Type()) {
		used[env] = true
		if err := setLeaf(v, val, key); err != nil {
			return fmt.Errorf("config: %s: %w in %s", key, err, env)
		}
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		// An optional block (a profile's scan_protocol) is created when a
		// variable names one of its keys.
		named := false
		for k := range vars {
			named = named || strings.HasPrefix(k, env+"_")
		}
		if !named {
			return nil
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return setFromEnv(v.Elem(), env, key, vars, used)
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if name == "" || name == "-" {
				continue
			}
			if f.Type == nodeType {
				setNodeFromEnv(v.Field(i).Addr().Interface().(*yaml.Node), env+"_"+strings.ToUpper(name)+"_", vars, used)
				continue
			}
			if err := setFromEnv(v.Field(i), env+"_"+strings.ToUpper(name), join(key, name), vars, used); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if isLeaf(v.Type()) {
			return nil
		}
		if err := growFromEnv(v, env, key, vars); err != nil {
			return err
		}
		elem := v.Type().Elem()
		for i := 0; i < v.Len(); i++ {
			name := ""
			if elem == profileType {
				name = v.Index(i).Interface().(Profile).Name
			}
			if err := setFromEnv(v.Index(i), fmt.Sprintf("%s_%d", env, i), elemKey(key, i, elem, name), vars, used); err != nil {
				return err
			}
		}
	case reflect.Map:
		prefix := env + "_"
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		keys := map[string]string{} // ENVKEY -> map key
		for _, mk := range v.MapKeys() {
			keys[strings.ToUpper(mk.String())] = mk.String()
		}
		elem := v.Type().Elem()
		for k := range vars {
			rest, ok := strings.CutPrefix(k, prefix)
			if !ok {
				continue
			}
			if isLeaf(elem) {
				// map[string]string: the rest is the key itself.
				if _, ok := keys[rest]; !ok {
					keys[rest] = strings.ToLower(rest)
				}
				continue
			}
			name, _, _ := strings.Cut(rest, "_")
			if _, ok := keys[name]; !ok {
				keys[name] = strings.ToLower(name)
			}
		}
		for envKey, mk := range keys {
			cur := reflect.New(elem).Elem()
			if existing := v.MapIndex(reflect.ValueOf(mk)); existing.IsValid() {
				cur.Set(existing)
			}
			before := len(used)
			if err := setFromEnv(cur, prefix+envKey, join(key, mk), vars, used); err != nil {
				return err
			}
			if len(used) != before {
				v.SetMapIndex(reflect.ValueOf(mk), cur)
			}
		}
	}
	return nil
}

// growFromEnv appends the list elements that variables name beyond the end
// of the list at key. New elements must take the next indexes: a variable
// for index 5 of a list of 3 is almost always a typo or a stale deployment,
// and growing the list would bury that under "must be set" for every
// invented element in between, so it is one error instead.
func growFromEnv(v reflect.Value, env, key string, vars map[string]string) error {
	prefix := env + "_"
	byIndex := map[int][]string{}
	for k := range vars {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		idx, _, _ := strings.Cut(rest, "_")
		if n, err := strconv.Atoi(idx); err == nil && n >= v.Len() && strconv.Itoa(n) == idx {
			byIndex[n] = append(byIndex[n], k)
		}
	}
	next := v.Len()
	for len(byIndex[next]) > 0 {
		next++
	}
	var stray []string
	first := -1
	for n, ks := range byIndex {
		if n > next {
			stray = append(stray, ks...)
			if first < 0 || n < first {
				first = n
			}
		}
	}
	if len(stray) > 0 {
		sort.Strings(stray)
		have := "the list is empty"
		switch {
		case v.Len() == 1:
			have = fmt.Sprintf("the list has 1, %s[0]", key)
		case v.Len() > 1:
			have = fmt.Sprintf("the list has %d, %s[0] to %s[%d]", v.Len(), key, key, v.Len()-1)
		}
		return fmt.Errorf("config: %s[%d]: no such entry (%s; the environment can add only the next, %s[%d]) in %s",
			key, first, have, key, next, strings.Join(stray, ", "))
	}
	for v.Len() < next {
		v.Set(reflect.Append(v, reflect.Zero(v.Type().Elem())))
	}
	return nil
}

func join(key, name string) string {
	if key == "" {
		return name
	}
	return key + "." + name
}

func isLeaf(t reflect.Type) bool {
	if t == durationType {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Float64:
		return true
	case reflect.Slice:
		return t.Elem().Kind() == reflect.String
	}
	return false
}

// setLeaf sets v from the variable's text s; key is for badValue's hints.
func setLeaf(v reflect.Value, s, key string) error {
	bad := errors.New(badValue(s, v.Type(), key))
	if v.Type() == durationType {
		d, err := time.ParseDuration(s)
		if err != nil {
			return bad
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return bad
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return bad
		}
		v.SetInt(n)
	case reflect.Float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return bad
		}
		v.SetFloat(f)
	case reflect.Slice:
		var parts []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		v.Set(reflect.ValueOf(parts))
	}
	return nil
}
