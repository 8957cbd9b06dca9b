package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"
	"gopkg.in/yaml.v3"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/dms/targets"
	"github.com/eingang/eingang/internal/metrics"
	"github.com/eingang/eingang/internal/testenv"
	"github.com/eingang/eingang/workers"
)

// The deploy tests check deploy/ without a Docker engine or a cluster:
// what the files name (commands, flags, variables, routes, metrics, keys)
// must exist in eingang, and the configurations they carry must validate.

// deployment is one way eingang is started by a deploy file: the command
// line, the environment it gets, the configuration it reads and where it
// is probed.
type deployment struct {
	where    string            // file and object, for messages
	args     []string          // eingang's arguments (without the binary)
	env      map[string]string // EINGANG_* and others; secret values are placeholders
	config   []byte            // the eingang.yaml it reads; nil: none in deploy/
	probes   []probe
	share    []string      // mount points of the shared storage; nil unknown
	graceful time.Duration // time between SIGTERM and SIGKILL; 0 unknown
}

// probe is one HTTP request a deploy file makes to check eingang.
type probe struct {
	what string
	path string
	port int
}

// secretPlaceholder stands for a value a deploy file takes from a Secret,
// a .env file or secrets.env. It must be of the kind the key expects, so
// that the configuration validates as it will with the real value.
func secretPlaceholder(t *testing.T, name string) string {
	t.Helper()
	switch {
	case strings.HasSuffix(name, "_BCRYPT_HASH"):
		h, err := bcrypt.GenerateFromPassword([]byte("EXAMPLE"), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	case name == "EINGANG_JOURNAL_DSN":
		return "postgres://eingang:EXAMPLE@postgres:5432/eingang?sslmode=disable"
	}
	return "EXAMPLE"
}

func deployDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(testenv.RepoRoot(t), "deploy")
}

func readDeploy(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(deployDir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// yamlDocs decodes every document of a (multi-document) YAML file.
func yamlDocs(t *testing.T, rel string) []map[string]any {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(readDeploy(t, rel)))
	var docs []map[string]any
	for {
		var d map[string]any
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if d != nil {
			docs = append(docs, d)
		}
	}
}

// dig walks maps and lists ("spec", "template", 0, …); nil when absent.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func strs(v any) []string {
	l, _ := v.([]any)
	out := make([]string, len(l))
	for i, e := range l {
		out[i] = str(e)
	}
	return out
}

// composeVar matches Compose's interpolation: ${NAME}, ${NAME:?msg}, ${NAME:-x}.
var composeVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}`)

// kubernetesDeployments reads the Deployments with the ConfigMap they
// mount and the environment of their container.
func kubernetesDeployments(t *testing.T) []deployment {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(deployDir(t), "kubernetes", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in deploy/kubernetes: %v", err)
	}
	configMaps := map[string]map[string]any{}
	pvcs := map[string]map[string]any{}
	var deps []map[string]any
	var where []string
	for _, f := range files {
		rel := filepath.Join("kubernetes", filepath.Base(f))
		for _, d := range yamlDocs(t, rel) {
			name := str(dig(d, "metadata", "name"))
			switch str(d["kind"]) {
			case "ConfigMap":
				configMaps[name] = d
			case "PersistentVolumeClaim":
				pvcs[name] = d
			case "Deployment":
				deps = append(deps, d)
				where = append(where, rel+" "+name)
			case "Secret":
				t.Errorf("%s: a Secret in the manifests; secrets are created in the cluster and referenced", rel)
			}
		}
	}
	var out []deployment
	for i, d := range deps {
		spec := dig(d, "spec", "template", "spec")
		c := dig(spec, "containers", 0)
		dep := deployment{where: where[i], env: map[string]string{}}
		dep.args = append(strs(dig(c, "command")), strs(dig(c, "args"))...)
		if len(dep.args) > 0 && dep.args[0] == "eingang" {
			dep.args = dep.args[1:]
		}
		for _, e := range dig(c, "env").([]any) {
			name := str(dig(e, "name"))
			switch {
			case dig(e, "valueFrom", "secretKeyRef") != nil:
				dep.env[name] = secretPlaceholder(t, name)
			case dig(e, "value") != nil:
				dep.env[name] = str(dig(e, "value"))
				if regexp.MustCompile(`DSN|KEY|HASH|PASSWORD|TOKEN`).MatchString(name) {
					t.Errorf("%s: %s has its value inline; take it from a Secret (secretKeyRef)", dep.where, name)
				}
			default:
				t.Errorf("%s: env %s has neither value nor secretKeyRef", dep.where, name)
			}
		}
		ports := map[string]int{}
		for _, p := range dig(c, "ports").([]any) {
			n, _ := strconv.Atoi(str(dig(p, "containerPort")))
			ports[str(dig(p, "name"))] = n
		}
		for _, kind := range []string{"livenessProbe", "readinessProbe"} {
			get := dig(c, kind, "httpGet")
			if get == nil {
				t.Errorf("%s: no %s.httpGet", dep.where, kind)
				continue
			}
			port, err := strconv.Atoi(str(dig(get, "port")))
			if err != nil {
				port = ports[str(dig(get, "port"))]
			}
			dep.probes = append(dep.probes, probe{what: kind, path: str(dig(get, "path")), port: port})
		}
		if p := str(dig(d, "spec", "template", "metadata", "annotations", "prometheus.io/path")); p != "" {
			port, _ := strconv.Atoi(str(dig(d, "spec", "template", "metadata", "annotations", "prometheus.io/port")))
			dep.probes = append(dep.probes, probe{what: "prometheus scrape", path: p, port: port})
		}
		if s := str(dig(spec, "terminationGracePeriodSeconds")); s != "" {
			n, _ := strconv.Atoi(s)
			dep.graceful = time.Duration(n) * time.Second
		}
		// The volumes: the ConfigMap that holds eingang.yaml, the PVC that
		// is the shared storage.
		vols := map[string]any{}
		for _, v := range dig(spec, "volumes").([]any) {
			vols[str(dig(v, "name"))] = v
		}
		for _, m := range dig(c, "volumeMounts").([]any) {
			v := vols[str(dig(m, "name"))]
			mount := str(dig(m, "mountPath"))
			if cm := str(dig(v, "configMap", "name")); cm != "" && mount == "/etc/eingang/eingang.yaml" {
				key := str(dig(m, "subPath"))
				data := str(dig(configMaps[cm], "data", key))
				if data == "" {
					t.Errorf("%s: mounts key %q of ConfigMap %q, which does not exist", dep.where, key, cm)
				}
				dep.config = []byte(data)
			}
			if claim := str(dig(v, "persistentVolumeClaim", "claimName")); claim != "" {
				pvc, ok := pvcs[claim]
				if !ok {
					t.Errorf("%s: PVC %q is not in the manifests", dep.where, claim)
				} else if !slices.Contains(strs(dig(pvc, "spec", "accessModes")), "ReadWriteMany") {
					t.Errorf("%s: PVC %q is not ReadWriteMany; work pods on several nodes share it", dep.where, claim)
				}
				dep.share = append(dep.share, mount)
			}
		}
		if dep.config == nil {
			t.Errorf("%s: no ConfigMap mounted at /etc/eingang/eingang.yaml", dep.where)
		}
		out = append(out, dep)
	}
	return out
}

// composeDeployments reads the eingang services of compose.yaml.
func composeDeployments(t *testing.T) []deployment {
	t.Helper()
	docs := yamlDocs(t, "compose/compose.yaml")
	if len(docs) != 1 {
		t.Fatalf("compose.yaml: %d documents", len(docs))
	}
	services, _ := docs[0]["services"].(map[string]any)
	cfg := readDeploy(t, "compose/eingang.yaml")
	var out []deployment
	for name, s := range services {
		image := str(dig(s, "image"))
		if !strings.HasPrefix(image, "eingang") && dig(s, "build") == nil {
			continue
		}
		dep := deployment{where: "compose.yaml service " + name, env: map[string]string{}}
		for _, a := range strs(dig(s, "command")) {
			dep.args = append(dep.args, composeVar.ReplaceAllString(a, "EXAMPLE"))
		}
		env, _ := dig(s, "environment").(map[string]any)
		for k, v := range env {
			val := str(v)
			if m := composeVar.FindStringSubmatch(val); m != nil {
				// From .env: a placeholder of the right kind, put where
				// the variable stands.
				val = composeVar.ReplaceAllString(val, "EXAMPLE")
				if val == "EXAMPLE" {
					val = secretPlaceholder(t, k)
				}
			} else if regexp.MustCompile(`DSN|KEY|HASH|PASSWORD|TOKEN`).MatchString(k) {
				t.Errorf("%s: %s has its value inline; take it from .env (${%s})", dep.where, k, k)
			}
			dep.env[k] = val
		}
		if len(dep.args) > 0 && dep.args[0] != "dms-sim" {
			dep.config = cfg
			for _, v := range strs(dig(s, "volumes")) {
				src, dst, _ := strings.Cut(v, ":")
				if src == "share" {
					dep.share = append(dep.share, dst)
				}
			}
			test := strs(dig(s, "healthcheck", "test"))
			for _, a := range test {
				if u, err := url.Parse(a); err == nil && u.Scheme == "http" {
					port, _ := strconv.Atoi(u.Port())
					dep.probes = append(dep.probes, probe{what: "healthcheck", path: u.Path, port: port})
				}
			}
			if len(dep.probes) == 0 {
				t.Errorf("%s: no health check on an eingang endpoint (%v)", dep.where, test)
			}
			if g := str(dig(s, "stop_grace_period")); g != "" {
				d, err := time.ParseDuration(g)
				if err != nil {
					t.Errorf("%s: stop_grace_period %q: %v", dep.where, g, err)
				}
				dep.graceful = d
			}
		}
		out = append(out, dep)
	}
	return out
}

// systemdUnit is one unit file as key → values (keys may repeat).
type systemdUnit map[string][]string

func readUnit(t *testing.T, rel string) systemdUnit {
	t.Helper()
	u := systemdUnit{}
	sc := bufio.NewScanner(bytes.NewReader(readDeploy(t, rel)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("%s: not key=value: %q", rel, line)
			continue
		}
		u[k] = append(u[k], v)
	}
	return u
}

func unitFiles(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(deployDir(t), "systemd", "*.service"))
	var rel []string
	for _, f := range files {
		rel = append(rel, filepath.Join("systemd", filepath.Base(f)))
	}
	return rel
}

// systemdDeployments reads the units. Their configuration is the site's
// /etc/eingang/eingang.yaml; the example configuration stands for it.
func systemdDeployments(t *testing.T) []deployment {
	t.Helper()
	example, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "config", "eingang.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []deployment
	for _, rel := range unitFiles(t) {
		u := readUnit(t, rel)
		dep := deployment{where: rel, env: map[string]string{}, config: example}
		if len(u["ExecStart"]) != 1 {
			t.Fatalf("%s: %d ExecStart lines", rel, len(u["ExecStart"]))
		}
		f := strings.Fields(u["ExecStart"][0])
		if f[0] != "/usr/local/bin/eingang" {
			t.Errorf("%s: ExecStart runs %s", rel, f[0])
		}
		dep.args = f[1:]
		for _, e := range u["Environment"] {
			for _, kv := range strings.Fields(e) {
				k, v, _ := strings.Cut(kv, "=")
				dep.env[k] = v
			}
		}
		if s, ok := u["TimeoutStopSec"]; ok {
			n, _ := strconv.Atoi(s[0])
			dep.graceful = time.Duration(n) * time.Second
		}
		if s, ok := u["ReadWritePaths"]; ok {
			dep.share = strings.Fields(s[0])
		}
		out = append(out, dep)
	}
	return out
}

func allDeployments(t *testing.T) []deployment {
	t.Helper()
	var all []deployment
	all = append(all, kubernetesDeployments(t)...)
	all = append(all, composeDeployments(t)...)
	all = append(all, systemdDeployments(t)...)
	return all
}

// checkCommand runs the command line with --help through main's command
// table: an unknown command or flag fails there as it would at start.
func checkCommand(args []string) error {
	if len(args) == 0 {
		return errors.New("no command")
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), append(slices.Clone(args), "--help"), &out, &errb)
	if code != 0 {
		return fmt.Errorf("eingang %s: exit %d: %s", strings.Join(args, " "), code, firstLine(errb.String()))
	}
	return nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}

// TestDeployCommandsExist: every command line in deploy/ names a real
// subcommand with flags it accepts.
func TestDeployCommandsExist(t *testing.T) {
	// The check itself must be able to fail.
	for _, bad := range [][]string{{"wrok", "--config", "x"}, {"work", "--confg", "x"}, {"dms-sim", "d3", "--port", "1"}} {
		if checkCommand(bad) == nil {
			t.Fatalf("checkCommand accepts %v", bad)
		}
	}
	deps := allDeployments(t)
	roles := map[string]bool{}
	for _, d := range deps {
		if err := checkCommand(d.args); err != nil {
			t.Errorf("%s: %v", d.where, err)
		}
		roles[d.args[0]] = true
	}
	for _, r := range []string{"watch", "work", "serve", "dms-sim"} {
		if !roles[r] {
			t.Errorf("no deploy file runs eingang %s", r)
		}
	}
	// The Dockerfile's CMD is the image's default command.
	var cmd []string
	for _, line := range strings.Split(string(readDeploy(t, "Dockerfile")), "\n") {
		if rest, ok := strings.CutPrefix(line, "CMD "); ok {
			if err := json.Unmarshal([]byte(rest), &cmd); err != nil {
				t.Fatalf("Dockerfile CMD is not a JSON array: %v", err)
			}
		}
	}
	if err := checkCommand(cmd); err != nil {
		t.Errorf("Dockerfile CMD: %v", err)
	}
}

// loadDeployed parses the configuration of d with its environment, as
// eingang would at start, and builds its targets.
func loadDeployed(t *testing.T, d deployment) *config.Config {
	t.Helper()
	var environ []string
	for k, v := range d.env {
		environ = append(environ, k+"="+v)
	}
	cfg, err := config.Parse(d.config, environ)
	if err != nil {
		t.Fatalf("%s: %v", d.where, err)
	}
	// Targets read their keys from the environment (api_key_env).
	for k, v := range d.env {
		t.Setenv(k, v)
	}
	// A d.3 CA file (ca_file) exists only where the deployment runs (the
	// Compose project's Caddy volume); a real certificate stands in for
	// it, so that the rest of the target's options are checked.
	for n, tg := range cfg.Targets {
		var opts struct {
			CAFile string `yaml:"ca_file"`
		}
		if err := tg.Options.Decode(&opts); err == nil && opts.CAFile != "" {
			tg.Options = withCAFile(t, tg.Options, testCAFile(t))
			cfg.Targets[n] = tg
		}
	}
	if _, err := targets.BuildAll(cfg, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Errorf("%s: targets: %v", d.where, err)
	}
	return cfg
}

// testCAFile writes a PEM certificate and returns its path.
func testCAFile(t *testing.T) string {
	t.Helper()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// withCAFile returns a copy of a target's options with ca_file replaced.
func withCAFile(t *testing.T, n yaml.Node, path string) yaml.Node {
	t.Helper()
	var m map[string]any
	if err := n.Decode(&m); err != nil {
		t.Fatal(err)
	}
	m["ca_file"] = path
	var out yaml.Node
	if err := out.Encode(m); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDeployConfigsValidate: the ConfigMap's eingang.yaml and the Compose
// eingang.yaml validate with the environment of each role that reads
// them; every EINGANG_ variable names a configuration key or a secret the
// configuration names; the shared storage holds every path; the time
// between SIGTERM and SIGKILL is longer than workers.shutdown_timeout.
func TestDeployConfigsValidate(t *testing.T) {
	for _, d := range allDeployments(t) {
		if d.config == nil {
			continue
		}
		t.Run(d.where, func(t *testing.T) {
			cfg := loadDeployed(t, d)
			// Variables that are no keys are skipped by the overrides;
			// they must be a secret the configuration names.
			for k := range d.env {
				if !strings.HasPrefix(k, config.EnvPrefix+"_") {
					continue
				}
				if strings.HasSuffix(k, "_API_KEY") || strings.HasSuffix(k, "_PASSWORD") {
					if !bytes.Contains(d.config, []byte(k)) {
						t.Errorf("%s is set but the configuration names no such secret", k)
					}
				}
			}
			if d.share != nil {
				paths := map[string]string{"paths.work": cfg.Paths.Work, "paths.done": cfg.Paths.Done, "paths.error": cfg.Paths.Error}
				for i, p := range cfg.Profiles {
					paths[fmt.Sprintf("profiles[%d].folder", i)] = p.Folder
				}
				for n, tg := range cfg.Targets {
					if tg.Type == "archive" {
						paths["targets."+n+".dir"] = tg.Dir
					}
				}
				for key, p := range paths {
					if !slices.ContainsFunc(d.share, func(dir string) bool {
						return strings.HasPrefix(filepath.Clean(p)+"/", filepath.Clean(dir)+"/")
					}) {
						t.Errorf("%s %s is not on the shared storage %v", key, p, d.share)
					}
				}
			}
			if d.graceful > 0 && d.graceful <= cfg.Workers.ShutdownTimeout {
				t.Errorf("SIGKILL after %s, not longer than workers.shutdown_timeout %s", d.graceful, cfg.Workers.ShutdownTimeout)
			}
			for _, p := range d.probes {
				if _, port, _ := net.SplitHostPort(cfg.HTTP.Addr); port != strconv.Itoa(p.port) {
					t.Errorf("%s on port %d, but http.addr is %s", p.what, p.port, cfg.HTTP.Addr)
				}
			}
		})
	}
	// An unknown variable must make the check fail.
	bad := kubernetesDeployments(t)[0]
	bad.env = map[string]string{"EINGANG_HTTP_APY": "false"}
	if _, err := config.Parse(bad.config, []string{"EINGANG_HTTP_APY=false"}); err == nil || !strings.Contains(err.Error(), "EINGANG_HTTP_APY") {
		t.Errorf("a mistyped variable passes: %v", err)
	}
}

// TestDeployProbesAreServed: every probe path is answered by a running
// role with the http.api setting of the deployment that probes it.
func TestDeployProbesAreServed(t *testing.T) {
	redis := testenv.StartRedis(t)
	s := newRoleSetup(t, redis.URL())
	procs := map[string]*roleProc{}
	for _, d := range allDeployments(t) {
		if len(d.probes) == 0 {
			continue
		}
		api := d.env["EINGANG_HTTP_API"]
		key := d.args[0] + " api=" + api
		p, ok := procs[key]
		if !ok {
			var env []string
			if api != "" {
				env = append(env, "EINGANG_HTTP_API="+api)
			}
			p = s.start(d.args[0], env...)
			p.readiness(http.StatusOK)
			procs[key] = p
		}
		for _, pr := range d.probes {
			if code, body := p.get(pr.path); code != http.StatusOK {
				t.Errorf("%s: %s %s: %d %s", d.where, pr.what, pr.path, code, firstLine(body))
			}
		}
	}
	if len(procs) < 2 {
		t.Fatalf("probes found for %d roles only", len(procs))
	}
}

// TestDeployKEDAScalesWorkOnOCR: the ScaledObject scales the work
// Deployment on asynq's pending list of the OCR queue.
func TestDeployKEDAScalesWorkOnOCR(t *testing.T) {
	deps := map[string]string{} // Deployment → role
	var scaled []map[string]any
	auths := map[string]bool{}
	files, _ := filepath.Glob(filepath.Join(deployDir(t), "kubernetes", "*.yaml"))
	for _, f := range files {
		for _, d := range yamlDocs(t, filepath.Join("kubernetes", filepath.Base(f))) {
			switch str(d["kind"]) {
			case "Deployment":
				deps[str(dig(d, "metadata", "name"))] = str(dig(d, "spec", "template", "spec", "containers", 0, "args", 0))
			case "ScaledObject":
				scaled = append(scaled, d)
			case "TriggerAuthentication":
				auths[str(dig(d, "metadata", "name"))] = true
			}
		}
	}
	if len(scaled) != 1 {
		t.Fatalf("%d ScaledObjects, want 1", len(scaled))
	}
	so := scaled[0]
	if target := str(dig(so, "spec", "scaleTargetRef", "name")); deps[target] != "work" {
		t.Errorf("ScaledObject scales %q, which runs %q, not work", target, deps[target])
	}
	tr := dig(so, "spec", "triggers", 0)
	want := "asynq:{" + workers.QueueOCR + "}:pending"
	if str(dig(tr, "type")) != "redis" || str(dig(tr, "metadata", "listName")) != want {
		t.Errorf("trigger %v, want type redis on list %s", tr, want)
	}
	if ref := str(dig(tr, "authenticationRef", "name")); ref != "" && !auths[ref] {
		t.Errorf("trigger uses TriggerAuthentication %q, which is not in the manifests", ref)
	}
	// The list KEDA reads is asynq's own: a task queued for OCR is in it.
	srv := testenv.StartRedis(t)
	c := asynq.NewClient(asynq.RedisClientOpt{Addr: srv.Addr})
	defer c.Close()
	if _, err := c.Enqueue(asynq.NewTask(workers.TaskPrefix+"ocr", nil), asynq.Queue(workers.QueueOCR)); err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rc.Close()
	if n, err := rc.LLen(context.Background(), str(dig(tr, "metadata", "listName"))).Result(); err != nil || n != 1 {
		t.Fatalf("LLEN %s = %d, %v; want the one queued OCR task", dig(tr, "metadata", "listName"), n, err)
	}
}

// stateCounts stands in for the journal's counts.
type stateCounts struct{}

func (stateCounts) Counts(context.Context) (map[string]int, error) {
	return map[string]int{"delivered": 1}, nil
}

// TestDeployDashboardMetricsExist: every metric the Grafana dashboard
// queries is in the registry a running eingang exposes (eingang's
// metrics, the process collector and asynq's queue collector on a real
// Redis).
func TestDeployDashboardMetricsExist(t *testing.T) {
	redis := testenv.StartRedis(t)
	r, err := workers.ConnectRedis(config.Redis{URL: redis.URL()}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c := asynq.NewClient(r.Opt)
	defer c.Close()
	for q := range workers.QueueWeights() {
		if _, err := c.Enqueue(asynq.NewTask(workers.TaskPrefix+"test", nil), asynq.Queue(q)); err != nil {
			t.Fatal(err)
		}
	}
	m := metrics.New(stateCounts{}, queueCollector(r))
	m.NewMailMetrics([]string{"poststelle"})
	// Vectors appear once they have a series: record one of each.
	m.DocumentFinished("delivered")
	m.IntakeRejected("post", "empty")
	m.PagesRecognized(1)
	m.StepDone("ocr", "ok", time.Second)
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, f := range fams {
		types[f.GetName()] = f.GetType().String()
	}
	known := func(name string) bool {
		if _, ok := types[name]; ok {
			return true
		}
		for _, suf := range []string{"_bucket", "_count", "_sum"} {
			if base, ok := strings.CutSuffix(name, suf); ok && types[base] == "HISTOGRAM" {
				return true
			}
		}
		return false
	}
	if known("eingang_no_such_metric") {
		t.Fatal("the check accepts any name")
	}

	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(readDeploy(t, "grafana/eingang.json"), &dash); err != nil {
		t.Fatal(err)
	}
	metricName := regexp.MustCompile(`\b(?:eingang|asynq|process|go)_[a-z0-9_]+\b`)
	seen := map[string]bool{}
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			names := metricName.FindAllString(tg.Expr, -1)
			if len(names) == 0 {
				t.Errorf("panel %q: no metric in %q", p.Title, tg.Expr)
			}
			for _, n := range names {
				seen[strings.SplitN(n, "_", 2)[0]] = true
				if !known(n) {
					t.Errorf("panel %q: metric %s is not exported", p.Title, n)
				}
			}
		}
	}
	if !seen["eingang"] || !seen["asynq"] {
		t.Errorf("dashboard queries %v; want eingang's and asynq's metrics", seen)
	}
}

// TestDeploySystemdHardening: every unit runs as the eingang user with the
// hardening the README promises.
func TestDeploySystemdHardening(t *testing.T) {
	want := map[string]string{
		"User":                    "eingang",
		"NoNewPrivileges":         "true",
		"ProtectSystem":           "strict",
		"PrivateTmp":              "true",
		"ProtectHome":             "true",
		"CapabilityBoundingSet":   "",
		"RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
		"SystemCallFilter":        "@system-service",
		"EnvironmentFile":         "-/etc/eingang/secrets.env",
	}
	units := unitFiles(t)
	var roles []string
	for _, rel := range units {
		u := readUnit(t, rel)
		for k, v := range want {
			if got, ok := u[k]; !ok || got[0] != v {
				t.Errorf("%s: %s=%q, want %q", rel, k, got, v)
			}
		}
		for _, k := range []string{"ReadWritePaths", "TimeoutStopSec"} {
			if len(u[k]) == 0 {
				t.Errorf("%s: no %s", rel, k)
			}
		}
		roles = append(roles, strings.Fields(u["ExecStart"][0])[1])
	}
	slices.Sort(roles)
	if !slices.Equal(roles, []string{"serve", "watch", "work"}) {
		t.Errorf("units run %v, want serve, watch and work", roles)
	}
}

// TestDeployDockerfile: multi-stage, German Tesseract in the runtime
// image, a non-root user, eingang as the entry point.
func TestDeployDockerfile(t *testing.T) {
	df := string(readDeploy(t, "Dockerfile"))
	var from, users []string
	for _, line := range strings.Split(df, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "FROM":
			from = append(from, f[1])
		case "USER":
			users = append(users, f[1])
		}
	}
	if len(from) < 2 || !strings.HasPrefix(from[len(from)-1], "debian:bookworm-slim") {
		t.Errorf("stages %v: want a builder and debian:bookworm-slim last", from)
	}
	runtime := df[strings.LastIndex(df, "FROM "):]
	for _, pkg := range []string{"tesseract-ocr-deu", "tesseract-ocr", "poppler-utils", "qpdf", "ca-certificates"} {
		if !regexp.MustCompile(`\b` + regexp.QuoteMeta(pkg) + `\b`).MatchString(runtime) {
			t.Errorf("runtime stage does not install %s", pkg)
		}
	}
	for _, pkg := range []string{"libtesseract-dev", "libleptonica-dev"} {
		if !strings.Contains(df[:strings.LastIndex(df, "FROM ")], pkg) {
			t.Errorf("builder stage does not install %s (gosseract needs cgo)", pkg)
		}
	}
	if len(users) == 0 {
		t.Fatal("no USER: the image would run as root")
	}
	if u := strings.Split(users[len(users)-1], ":")[0]; u == "root" || u == "0" {
		t.Errorf("USER %s", users[len(users)-1])
	}
	if !strings.Contains(df, `ENTRYPOINT ["eingang"]`) {
		t.Error(`no ENTRYPOINT ["eingang"]`)
	}
}

// TestDeployComposeServices: Redis keeps its queue (AOF) on a volume,
// work can be scaled (no fixed name, no host port), and every volume a
// service mounts is declared.
func TestDeployComposeServices(t *testing.T) {
	doc := yamlDocs(t, "compose/compose.yaml")[0]
	services, _ := doc["services"].(map[string]any)
	for _, want := range []string{"redis", "postgres", "watch", "work", "d3"} {
		if services[want] == nil {
			t.Errorf("no service %s", want)
		}
	}
	redisCmd := strings.Join(strs(dig(services, "redis", "command")), " ")
	if !strings.Contains(redisCmd, "--appendonly yes") {
		t.Errorf("redis runs %q, without --appendonly yes", redisCmd)
	}
	for _, k := range []string{"ports", "container_name"} {
		if dig(services, "work", k) != nil {
			t.Errorf("work has %s: docker compose up --scale work=3 would collide", k)
		}
	}
	declared, _ := doc["volumes"].(map[string]any)
	for name, s := range services {
		for _, v := range strs(dig(s, "volumes")) {
			src, _, _ := strings.Cut(v, ":")
			if strings.HasPrefix(src, ".") || strings.HasPrefix(src, "/") {
				if _, err := os.Stat(filepath.Join(deployDir(t), "compose", src)); err != nil {
					t.Errorf("service %s mounts %s: %v", name, src, err)
				}
				continue
			}
			if _, ok := declared[src]; !ok {
				t.Errorf("service %s mounts volume %s, which is not declared", name, src)
			}
		}
	}
}
