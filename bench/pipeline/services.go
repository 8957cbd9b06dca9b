package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// redisServer is a private redis-server with the production persistence
// (append-only file, fsync every second).
type redisServer struct {
	addr string
	cmd  *exec.Cmd
	c    *redis.Client
}

func startRedis(dir string) (*redisServer, error) {
	port := freePort()
	r := &redisServer{addr: fmt.Sprintf("127.0.0.1:%d", port)}
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--daemonize", "no", "--loglevel", "warning", "--save", "", "--appendonly", "yes", "--appendfsync", "everysec")
	if err := r.cmd.Start(); err != nil {
		return nil, err
	}
	r.c = redis.NewClient(&redis.Options{Addr: r.addr})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if r.c.Ping(context.Background()).Err() == nil {
			return r, nil
		}
	}
	r.stop()
	return nil, errors.New("redis-server did not come up")
}

func (r *redisServer) url() string { return "redis://" + r.addr + "/0" }

func (r *redisServer) stop() {
	if r.c != nil {
		r.c.Close()
	}
	if r.cmd != nil && r.cmd.Process != nil {
		r.cmd.Process.Signal(syscall.SIGTERM)
		r.cmd.Wait()
	}
}

// cmdStat is one line of INFO commandstats.
type cmdStat struct {
	calls int64
	usec  int64
}

func (r *redisServer) commandStats() map[string]cmdStat {
	s, err := r.c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		return nil
	}
	out := map[string]cmdStat{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		name, rest, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		var st cmdStat
		for _, kv := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(kv, "=")
			n, _ := strconv.ParseInt(v, 10, 64)
			switch k {
			case "calls":
				st.calls = n
			case "usec":
				st.usec = n
			}
		}
		out[strings.TrimPrefix(name, "cmdstat_")] = st
	}
	return out
}

// benchmarkRedis runs redis-benchmark on the private server with the
// commands asynq uses most and returns the mean requests per second.
func (r *redisServer) benchmark() (float64, map[string]float64) {
	host, port, _ := net.SplitHostPort(r.addr)
	tests := [][]string{
		{"-t", "set,get,lpush,rpop,zadd,hset"},
		// asynq's steps are Lua scripts: one EVAL moving a task between
		// lists and writing its hash stands for them.
		{"eval", "redis.call('lpush',KEYS[1],ARGV[1]); redis.call('hset',KEYS[2],'state',ARGV[1]); return redis.call('rpop',KEYS[1])", "2", "bench:l", "bench:h", "v"},
	}
	per := map[string]float64{}
	for _, t := range tests {
		args := append([]string{"-h", host, "-p", port, "-q", "-n", "50000", "-c", "16", "--csv"}, t...)
		out, err := exec.Command("redis-benchmark", args...).Output()
		if err != nil {
			continue
		}
		recs, _ := csv.NewReader(strings.NewReader(string(out))).ReadAll()
		for _, f := range recs {
			if len(f) < 2 {
				continue
			}
			name := f[0]
			rps, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				continue
			}
			if strings.HasPrefix(strings.ToLower(name), "eval") {
				name = "EVAL lpush+hset+rpop"
			}
			per[name] = rps
		}
	}
	r.c.FlushAll(context.Background())
	var sum float64
	for _, v := range per {
		sum += 1 / v
	}
	if len(per) == 0 {
		return 0, per
	}
	return float64(len(per)) / sum, per // harmonic mean: the cost of a mix
}

// pgCluster is a private PostgreSQL cluster made by initdb in a temporary
// directory (as internal/testenv does for the tests), run as the postgres
// user when this process is root; PostgreSQL's defaults otherwise (fsync,
// synchronous_commit on).
type pgCluster struct {
	dir   string
	admin string
	cmd   *exec.Cmd
	done  chan struct{}
}

func pgBin(name string) (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if p := filepath.Join(d, name); fileExists(p) {
			return p, nil
		}
	}
	return exec.LookPath(name)
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func startPostgres() (*pgCluster, error) {
	initdb, err := pgBin("initdb")
	if err != nil {
		return nil, err
	}
	server, err := pgBin("postgres")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "bench-pipeline-pg-")
	if err != nil {
		return nil, err
	}
	c := &pgCluster{dir: dir}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root and no postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		os.Chmod(dir, 0o755)
	}
	data, sock := filepath.Join(dir, "data"), filepath.Join(dir, "sock")
	for _, d := range []string{data, sock} {
		os.Mkdir(d, 0o700)
		if cred != nil {
			os.Chown(d, int(cred.Uid), int(cred.Gid))
		}
	}
	cmd := exec.Command(initdb, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if out, err := cmd.CombinedOutput(); err != nil {
		c.stop()
		return nil, fmt.Errorf("initdb: %w: %s", err, out)
	}
	port := freePort()
	started := make(chan error, 1)
	c.done = make(chan struct{})
	// The postmaster gets SIGINT when the locked thread that started it
	// ends, i.e. with this process: a crashed bench leaves no server.
	go func() {
		runtime.LockOSThread()
		defer close(c.done)
		logf, err := os.Create(filepath.Join(dir, "postgres.log"))
		if err != nil {
			started <- err
			return
		}
		defer logf.Close()
		cmd := exec.Command(server, "-D", data, "-k", sock, "-p", strconv.Itoa(port), "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200")
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGINT}
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		c.cmd = cmd
		started <- nil
		cmd.Wait()
	}()
	if err := <-started; err != nil {
		c.stop()
		return nil, err
	}
	c.admin = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if err := c.exec("SELECT 1"); err == nil {
			return c, nil
		} else if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("postgres did not answer: %w", err)
		}
	}
}

func (c *pgCluster) exec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.admin)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func (c *pgCluster) dsn(db string) string {
	return strings.Replace(c.admin, "/postgres?", "/"+db+"?", 1)
}

// pgStats is a database's line of pg_stat_database.
type pgStats struct {
	commits, rollbacks, returned, fetched, inserted, updated, deleted int64
}

func (c *pgCluster) stats(db string) (pgStats, error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.admin)
	if err != nil {
		return pgStats{}, err
	}
	defer conn.Close(ctx)
	var s pgStats
	err = conn.QueryRow(ctx, `SELECT xact_commit, xact_rollback, tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted
		FROM pg_stat_database WHERE datname = $1`, db).Scan(&s.commits, &s.rollbacks, &s.returned, &s.fetched, &s.inserted, &s.updated, &s.deleted)
	return s, err
}

// commitsPerSecond measures single-row INSERT transactions from conns
// connections for d: what this server commits per second with its
// default durability (every commit waits for its WAL flush).
func (c *pgCluster) commitsPerSecond(conns int, d time.Duration) (float64, error) {
	if err := c.exec("CREATE DATABASE commitbench"); err != nil {
		return 0, err
	}
	ctx := context.Background()
	dsn := c.dsn("commitbench")
	setup, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer setup.Close(ctx)
	if _, err := setup.Exec(ctx, "CREATE TABLE t (id bigserial PRIMARY KEY, v text, at timestamptz DEFAULT now())"); err != nil {
		return 0, err
	}
	counts := make(chan int, conns)
	stop := time.Now().Add(d)
	for range conns {
		go func() {
			n := 0
			defer func() { counts <- n }()
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				return
			}
			defer conn.Close(ctx)
			for time.Now().Before(stop) {
				if _, err := conn.Exec(ctx, "INSERT INTO t (v) VALUES ($1)", "event"); err != nil {
					return
				}
				n++
			}
		}()
	}
	total := 0
	for range conns {
		total += <-counts
	}
	return float64(total) / d.Seconds(), nil
}

func (c *pgCluster) stop() {
	if c.cmd != nil && c.done != nil {
		c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.done:
		case <-time.After(30 * time.Second):
			c.cmd.Process.Kill()
			<-c.done
		}
	}
	os.RemoveAll(c.dir)
}
