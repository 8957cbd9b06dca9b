package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/eingang/eingang/internal/testenv/loopback"
	"github.com/eingang/eingang/internal/testenv/pgserver"
	"github.com/eingang/eingang/internal/testenv/redisserver"
)

// freePort is a free loopback port for a node's HTTP listener; a bench
// without one cannot go on.
func freePort() int {
	port, err := loopback.FreePort()
	if err != nil {
		panic(err)
	}
	return port
}

// redisServer is a private redis-server with the production persistence
// (append-only file, fsync every second) and a client for its statistics.
type redisServer struct {
	*redisserver.Server
	c *redis.Client
}

func startRedis(dir string) (*redisServer, error) {
	srv, err := redisserver.Start(redisserver.Options{Dir: dir, AppendFsync: "everysec"})
	if err != nil {
		return nil, err
	}
	return &redisServer{Server: srv, c: redis.NewClient(&redis.Options{Addr: srv.Addr})}, nil
}

func (r *redisServer) url() string { return r.URL() }

func (r *redisServer) stop() {
	r.c.Close()
	r.Stop()
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
	host, port, _ := net.SplitHostPort(r.Addr)
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

// pgCluster is a private PostgreSQL cluster (see pgserver) with
// PostgreSQL's defaults (shared_buffers, fsync, synchronous_commit on), as
// a production server would have.
type pgCluster struct {
	*pgserver.Server
	admin string
}

func startPostgres() (*pgCluster, error) {
	srv, err := pgserver.Start(pgserver.Options{})
	if err != nil {
		return nil, err
	}
	return &pgCluster{Server: srv, admin: srv.AdminDSN()}, nil
}

func (c *pgCluster) exec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return pgserver.Exec(ctx, c.admin, sql)
}

func (c *pgCluster) dsn(db string) string { return c.DSN(db) }

func (c *pgCluster) stop() { c.Stop() }

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
