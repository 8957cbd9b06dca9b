package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// padTo prefixes body with comment lines so that its first line becomes
// line n of the file, which keeps the expected line numbers readable.
func padTo(n int, body string) string {
	return strings.Repeat("# padding\n", n-1) + body
}

// loadAt writes body as config/eingang.yaml below a fresh working directory
// and loads it by that relative path, as eingang is started in practice.
func loadAt(t *testing.T, body string, env []string) error {
	t.Helper()
	t.Chdir(t.TempDir())
	if err := os.MkdirAll("config", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("config", "eingang.yaml"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load("config/eingang.yaml", env)
	return err
}

func TestYAMLErrorsNameKeyFileAndLine(t *testing.T) {
	const f = " in config/eingang.yaml line "
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"typo with suggestion", minimal + padTo(15, "intake:\n  stabilty_delay: 2s\n"),
			"config: intake.stabilty_delay: unknown key (did you mean stability_delay?)" + f + "21"},
		{"swapped letters", "htpp: {addr: x}\n" + minimal,
			"config: htpp: unknown key (did you mean http?)" + f + "1"},
		{"wrong case", minimal + "Intake: {}\n",
			"config: Intake: unknown key (did you mean intake?)" + f + "6"},
		{"no near key lists the level's keys", "post: x\n" + minimal,
			"config: post: unknown key (known: instance, paths, http, redis, journal, intake, workers, ocr, log, sign, classification, targets, profiles, mail)" + f + "1"},
		{"key at the wrong level", minimal + "intake:\nstability_delay: 2s\n",
			"config: stability_delay: unknown key (it is a key of intake; check the indentation)" + f + "7"},
		{"profile key in a section", minimal + "paths: {work: w, folder: in}\n",
			"config: paths.folder: unknown key (it is a key of profiles[], mail.accounts[]; check the indentation)" + f + "6"},
		{"key of many sections", minimal + "log: {name: x}\n",
			"config: log.name: unknown key (it is a key of http.users[], classification.rules[], profiles[], …; check the indentation)" + f + "6"},
		{"key of a map entry", minimal + "dir: x\n",
			"config: dir: unknown key (it is a key of targets.<name>; check the indentation)" + f + "6"},
		{"profile key carries the profile's name", `
targets: {archive: {type: archive, dir: a}}
profiles:
  - {name: post, folder: in/post, kind: post, target: archive}
  - name: rechnung
    foldr: in/rechnung
`, "config: profiles[1] (rechnung).foldr: unknown key (did you mean folder?)" + f + "6"},
		{"profile without name", `
targets: {archive: {type: archive, dir: a}}
profiles:
  - {folder: in/post, kind: post, target: archive, sing: true}
`, "config: profiles[0].sing: unknown key (did you mean sign?)" + f + "4"},
		{"nested section", minimal + "sign:\n  pkcs11: {modul: x}\n",
			"config: sign.pkcs11.modul: unknown key (did you mean module?)" + f + "7"},
		{"map entries are named by key", minimal + "classification:\n  routes:\n    bauamt: {ofice: Bauamt}\n",
			"config: classification.routes.bauamt.ofice: unknown key (did you mean office?)" + f + "8"},
		{"duration without unit", minimal + padTo(15, "intake:\n  stability_delay: 2\n"),
			`config: intake.stability_delay: "2" is not a duration (write 2s)` + f + "21"},
		{"quoted duration without unit", minimal + "intake: {stability_delay: \"2\"}\n",
			`config: intake.stability_delay: "2" is not a duration (write 2s)` + f + "6"},
		{"duration in words", minimal + "workers: {retry_window: one day}\n",
			`config: workers.retry_window: "one day" is not a duration (write e.g. 30s, 5m or 1h30m)` + f + "6"},
		{"int", minimal + "workers: {concurrency: many}\n",
			`config: workers.concurrency: "many" is not a whole number (write e.g. 4)` + f + "6"},
		{"fraction for an int", minimal + "ocr: {workers: 1.5}\n",
			`config: ocr.workers: "1.5" is not a whole number (write e.g. 4)` + f + "6"},
		{"size with unit", minimal + "intake: {max_file_size: 500MB}\n",
			`config: intake.max_file_size: "500MB" is not a number of bytes (write 524288000 for 500 MiB)` + f + "6"},
		{"bool", minimal + "http: {allow_anonymous: ja}\n",
			`config: http.allow_anonymous: "ja" is not true or false` + f + "6"},
		{"float", minimal + "classification: {threshold: hoch}\n",
			`config: classification.threshold: "hoch" is not a number (write e.g. 0.8)` + f + "6"},
		{"list item of a profile", `
targets: {archive: {type: archive, dir: a}}
profiles:
  - name: post
    folder: in
    kind: post
    target: archive
    sign: maybe
`, `config: profiles[0] (post).sign: "maybe" is not true or false` + f + "8"},
		{"section given a value", minimal + "intake: 5\n",
			`config: intake: must hold keys (stability_delay, rescan_interval, max_file_size, after_success, ignore_patterns, soffice), got "5"` + f + "6"},
		{"list given a value", minimal + "intake: {ignore_patterns: \"*.lock\"}\n",
			`config: intake.ignore_patterns: must be a list, got "*.lock" (write ["*.lock"])` + f + "6"},
		{"value given a list", minimal + "log: {level: [info]}\n",
			`config: log.level: must be a single value, got a list` + f + "6"},
		{"key given twice", minimal + "log:\n  level: info\n  level: debug\n",
			`config: log.level: given twice (first in line 7)` + f + "8"},
		{"every problem at once", minimal + "log: {levl: info}\nintake: {stability_delay: 2}\n",
			"config: log.levl: unknown key (did you mean level?)" + f + "6; " +
				`intake.stability_delay: "2" is not a duration (write 2s)` + f + "7"},
		{"merged keys are checked too", `
targets: {archive: {type: archive, dir: a}}
profiles:
  - &base {name: post, folder: in/post, kind: post, target: archive}
  - <<: *base
    name: rechnung
    folder: in/rechnung
    knd: rechnung
`, "config: profiles[1] (rechnung).knd: unknown key (did you mean kind?)" + f + "8"},
		{"a wall is cut short", minimal + "intake: {" + "x: 1, " + "a1: 1, a2: 1, a3: 1, a4: 1, a5: 1, a6: 1, a7: 1, a8: 1, a9: 1, a10: 1, a11: 1, a12: 1}\n",
			wall()},
		{"tab in indentation", minimal + "log:\n\tlevel: info\n",
			"config: config/eingang.yaml line 7: found character that cannot start any token (indent with spaces: YAML does not allow tabs)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := loadAt(t, tc.yaml, nil)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got %s\nwant %s", err, tc.want)
			}
		})
	}
}

// wall is the message for thirteen unknown keys in line 6 of intake.
func wall() string {
	const known = " (known: stability_delay, rescan_interval, max_file_size, after_success, ignore_patterns, soffice) in config/eingang.yaml line 6"
	p := []string{"intake.x: unknown key" + known}
	for i := 1; i <= 9; i++ {
		p = append(p, fmt.Sprintf("intake.a%d: unknown key", i)+known)
	}
	return "config: " + strings.Join(append(p, "and 3 more problems"), "; ")
}

func TestYAMLAcceptedForms(t *testing.T) {
	tests := []struct {
		name string
		yaml string
	}{
		{"empty section keeps defaults", minimal + "intake:\n"},
		{"null value keeps the default", minimal + "intake: {stability_delay: ~}\n"},
		{"quoted duration", minimal + "intake: {stability_delay: \"2s\"}\n"},
		{"integral float for an int", minimal + "workers: {concurrency: 4.0}\n"},
		{"yaml 1.1 bool", minimal + "http: {allow_anonymous: yes}\n"},
		{"merge keys", `
targets: {archive: {type: archive, dir: a}}
profiles:
  - &base {name: post, folder: in/post, kind: post, target: archive}
  - <<: *base
    name: rechnung
    folder: in/rechnung
`},
		{"alias", `
targets: {archive: {type: archive, dir: a}}
profiles:
  - {name: post, folder: in/post, kind: post, target: archive, metadata: &m {office: Poststelle}}
  - {name: rechnung, folder: in/rechnung, kind: rechnung, target: archive, metadata: *m}
`},
		{"free-form target options", `
targets:
  archive: {type: archive, dir: a, options: {whatever: [1, {deep: true}]}}
profiles: [{name: post, folder: in, kind: post, target: archive}]
`},
		{"create", `
targets: {archive: {type: archive, dir: a}}
profiles: [{name: post, folder: in, kind: post, target: archive, create: true}]
`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := loadAt(t, tc.yaml, nil); err != nil {
				t.Fatalf("Load: %v", err)
			}
		})
	}
}

func TestParseWithoutFileNamesTheLine(t *testing.T) {
	_, err := Parse([]byte(minimal+"intake: {stabilty_delay: 2s}\n"), nil)
	want := "config: intake.stabilty_delay: unknown key (did you mean stability_delay?) in line 6"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestCreateIsDecoded(t *testing.T) {
	cfg, err := Parse([]byte(`
targets: {archive: {type: archive, dir: a}}
profiles:
  - {name: post, folder: in/post, kind: post, target: archive, create: true}
  - {name: rechnung, folder: in/rechnung, kind: rechnung, target: archive}
`), []string{"EINGANG_PROFILES_1_CREATE=true"})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Profiles[0].Create || !cfg.Profiles[1].Create {
		t.Errorf("create = %v, %v, want true from the file and from the environment", cfg.Profiles[0].Create, cfg.Profiles[1].Create)
	}
}

const threeProfiles = `
targets: {archive: {type: archive, dir: a}}
profiles:
  - {name: a, folder: in/a, kind: post, target: archive}
  - {name: b, folder: in/b, kind: post, target: archive}
  - {name: c, folder: in/c, kind: post, target: archive}
`

func TestEnvErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  []string
		want string
	}{
		{"index past the end is one message", threeProfiles, []string{"EINGANG_PROFILES_5_FOLDER=/srv/x"},
			"config: profiles[5]: no such entry (the list has 3, profiles[0] to profiles[2]; the environment can add only the next, profiles[3]) in EINGANG_PROFILES_5_FOLDER"},
		{"all stray variables named", threeProfiles, []string{"EINGANG_PROFILES_7_NAME=x", "EINGANG_PROFILES_5_FOLDER=/srv/x", "EINGANG_PROFILES_3_NAME=d"},
			"config: profiles[5]: no such entry (the list has 3, profiles[0] to profiles[2]; the environment can add only the next, profiles[4]) in EINGANG_PROFILES_5_FOLDER, EINGANG_PROFILES_7_NAME"},
		{"one entry", minimal, []string{"EINGANG_PROFILES_2_FOLDER=/srv/x"},
			"config: profiles[2]: no such entry (the list has 1, profiles[0]; the environment can add only the next, profiles[1]) in EINGANG_PROFILES_2_FOLDER"},
		{"empty list", minimal, []string{"EINGANG_HTTP_USERS_1_NAME=anna"},
			"config: http.users[1]: no such entry (the list is empty; the environment can add only the next, http.users[0]) in EINGANG_HTTP_USERS_1_NAME"},
		{"unknown variable with suggestion", minimal, []string{"EINGANG_INTAKE_STABILTY_DELAY=2s"},
			"config: unknown environment override EINGANG_INTAKE_STABILTY_DELAY (no such key; did you mean EINGANG_INTAKE_STABILITY_DELAY?)"},
		{"unknown variables of a profile and of a scan protocol", minimal, []string{"EINGANG_PROFILES_0_FOLDR=x", "EINGANG_PROFILES_0_SCAN_PROTOCOL_OPERATR=x", "EINGANG_SHOUT=1"},
			"config: unknown environment override EINGANG_PROFILES_0_FOLDR (no such key; did you mean EINGANG_PROFILES_0_FOLDER?), " +
				"EINGANG_PROFILES_0_SCAN_PROTOCOL_OPERATR (no such key; did you mean EINGANG_PROFILES_0_SCAN_PROTOCOL_OPERATOR?), EINGANG_SHOUT (no such key)"},
		{"duration", minimal, []string{"EINGANG_INTAKE_STABILITY_DELAY=2"},
			`config: intake.stability_delay: "2" is not a duration (write 2s) in EINGANG_INTAKE_STABILITY_DELAY`},
		{"bool of a profile", minimal, []string{"EINGANG_PROFILES_0_SIGN=ja"},
			`config: profiles[0] (post).sign: "ja" is not true or false in EINGANG_PROFILES_0_SIGN`},
		{"size", minimal, []string{"EINGANG_INTAKE_MAX_FILE_SIZE=2G"},
			`config: intake.max_file_size: "2G" is not a number of bytes (write 2147483648 for 2 GiB) in EINGANG_INTAKE_MAX_FILE_SIZE`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), tc.env)
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got %s\nwant %s", err, tc.want)
			}
		})
	}
}

func TestEnvSetsOptionalBlocks(t *testing.T) {
	cfg, err := Parse([]byte(minimal), []string{"EINGANG_PROFILES_0_SCAN_PROTOCOL_OPERATOR=Anna Muster", "EINGANG_PROFILES_0_SCAN_PROTOCOL_DPI=300"})
	// The block is created, and Validate then names the keys it still lacks.
	if err == nil || !strings.Contains(err.Error(), "profiles[0] (post).scan_protocol.org_unit: must be set") {
		t.Fatalf("want the missing scan_protocol keys named, got %v", err)
	}
	env := []string{"EINGANG_PROFILES_0_SCAN_PROTOCOL_OPERATOR=Anna Muster", "EINGANG_PROFILES_0_SCAN_PROTOCOL_DPI=300"}
	for k, v := range map[string]string{"ORG_UNIT": "Poststelle", "SCANNER": "fi-7160", "WORKSTATION": "PS-01", "PROCEDURE": "VD Scan", "PROCEDURE_VERSION": "1.0"} {
		env = append(env, "EINGANG_PROFILES_0_SCAN_PROTOCOL_"+k+"="+v)
	}
	if cfg, err = Parse([]byte(minimal), env); err != nil {
		t.Fatal(err)
	}
	if sp := cfg.Profiles[0].ScanProtocol; sp == nil || sp.Operator != "Anna Muster" || sp.DPI != 300 {
		t.Errorf("scan_protocol = %+v", sp)
	}
	if cfg, err = Parse([]byte(minimal), nil); err != nil || cfg.Profiles[0].ScanProtocol != nil {
		t.Errorf("scan_protocol created without a variable: %+v (%v)", cfg.Profiles[0].ScanProtocol, err)
	}
}

func TestEnvAddsNextEntries(t *testing.T) {
	env := []string{
		"EINGANG_PROFILES_3_NAME=d", "EINGANG_PROFILES_3_FOLDER=in/d", "EINGANG_PROFILES_3_KIND=post", "EINGANG_PROFILES_3_TARGET=archive",
		"EINGANG_PROFILES_4_NAME=e", "EINGANG_PROFILES_4_FOLDER=in/e", "EINGANG_PROFILES_4_KIND=rechnung", "EINGANG_PROFILES_4_TARGET=archive",
	}
	cfg, err := Parse([]byte(threeProfiles), env)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Profiles) != 5 || cfg.Profiles[4].Name != "e" || cfg.Profiles[3].Folder != "in/d" {
		t.Errorf("profiles = %+v", cfg.Profiles)
	}
}

func TestLoadNamesTheFileOfASyntaxError(t *testing.T) {
	err := loadAt(t, "profiles: [\n", nil)
	var ve *ValidationError
	if err == nil || errors.As(err, &ve) || !strings.HasPrefix(err.Error(), "config: config/eingang.yaml line ") {
		t.Errorf("got %v, want a syntax error naming config/eingang.yaml and a line", err)
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"stability_delay", "rescan_interval", "max_file_size", "after_success", "ignore_patterns"}
	tests := []struct{ key, want string }{
		{"stabilty_delay", "did you mean stability_delay?"},
		{"stability-delay", "did you mean stability_delay?"},
		{"rescan", "known: " + strings.Join(known, ", ")},
		{"max_filesize", "did you mean max_file_size?"},
		{"after", "known: " + strings.Join(known, ", ")},
	}
	for _, tc := range tests {
		if got := suggest(tc.key, known); got != tc.want {
			t.Errorf("suggest(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "ab", 2}, {"http", "http", 0},
		{"htpp", "http", 1}, {"stabilty", "stability", 1}, {"kitten", "sitting", 3}, {"ca", "abc", 3},
		{"größe", "grösse", 2},
	}
	for _, tc := range tests {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// goTypes are what yaml.v3 puts into its messages and an operator cannot
// act on.
var goTypes = regexp.MustCompile(`!!|unmarshal|time\.Duration|\bint64\b|\bfloat64\b|\[\]string|config\.|reflect`)

func FuzzParse(f *testing.F) {
	for _, name := range []string{"demo.yaml", "eingang.example.yaml"} {
		if b, err := os.ReadFile(filepath.Join("..", "..", "config", name)); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		minimal, threeProfiles, "", "~", "- a", "a: &x [*x]", "intake: {stability_delay: 2}",
		"profiles: [{<<: {name: x}, knd: post}]", "log:\n\tlevel: x", "x: &a [*a, *a]\ny: &b [*a, *a]\nocr: *b",
		minimal + "workers: {concurrency: 1e3}", minimal + "intake: {max_file_size: 99999999999999999999}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := Parse(data, nil); err != nil && !strings.HasPrefix(err.Error(), "config: ") {
			t.Errorf("error without the config: prefix: %s", err)
		}
		cfg := Default()
		err := decodeYAML(data, "", &cfg)
		if err == nil {
			return
		}
		problems := []string{strings.TrimPrefix(err.Error(), "config: ")}
		var ve *ValidationError
		if errors.As(err, &ve) {
			problems = ve.Problems
		}
		for _, p := range problems {
			if goTypes.MatchString(withoutEchoes(p)) {
				t.Errorf("message names Go types: %s", p)
			}
		}
	})
}

// withoutEchoes drops what a message repeats from the file, the key in
// front and quoted values, which may contain anything.
func withoutEchoes(msg string) string {
	if _, rest, ok := strings.Cut(msg, ": "); ok {
		msg = rest
	}
	return regexp.MustCompile(`"(\\.|[^"\\])*"`).ReplaceAllString(msg, `""`)
}
