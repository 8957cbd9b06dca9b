package workers

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
)

// How often Watch asks Redis: at a steady pace while it answers, and after
// an outage with a pause that doubles up to healthMaxWait, so that a long
// outage costs nothing and the recovery is still noticed within seconds.
const (
	healthInterval = 5 * time.Second
	healthMinWait  = time.Second
	healthMaxWait  = 15 * time.Second
)

// redisHealth turns the many errors of a Redis outage into two log lines:
// one when Redis stops answering and one when it answers again. asynq's
// components (processor, forwarder, heartbeater, janitor, …) each report
// every failed attempt, which would bury the one message an operator needs.
type redisHealth struct {
	log   *slog.Logger
	where string
	nudge chan struct{}

	mu    sync.Mutex
	down  bool
	since time.Time
}

func newRedisHealth(log *slog.Logger, where string) *redisHealth {
	return &redisHealth{log: log, where: where, nudge: make(chan struct{}, 1)}
}

// isDown reports whether the last check failed.
func (h *redisHealth) isDown() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.down
}

// suspect asks Watch to check at once: a component just failed in a way
// that looks like a lost connection. While Redis is known to be down the
// backoff is kept, so that the errors of an outage do not turn into pings.
func (h *redisHealth) suspect() {
	if h.isDown() {
		return
	}
	select {
	case h.nudge <- struct{}{}:
	default:
	}
}

// report records the outcome of a check and logs only the changes. It
// reports whether Redis just came back.
func (h *redisHealth) report(err error) (recovered bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		if !h.down {
			h.down, h.since = true, time.Now()
			h.log.Error("Redis is unreachable: no step is queued or run until it answers again; intake leaves new files in the hot folders and eingang keeps checking quietly",
				"redis", h.where, "err", err)
		}
		return false
	}
	if h.down {
		h.down = false
		h.log.Info("Redis answers again; intake and workers continue", "redis", h.where, "unreachable_for", time.Since(h.since).Round(time.Second).String())
		return true
	}
	return false
}

// Watch checks Redis until ctx ends and logs when it becomes unreachable
// and when it answers again. Reachable tells the watchers whether to claim
// files meanwhile. recovered (may be nil) runs after each outage, in its
// own goroutine: a file claimed just before the outage was noticed could
// not be queued, and the journal still holds it as unfinished.
func (r *Redis) Watch(ctx context.Context, recovered func(context.Context)) {
	insp := asynq.NewInspector(r.Opt)
	defer insp.Close()
	wait := healthInterval
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := pingWith(cctx, insp)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if r.health.report(err) && recovered != nil {
			go recovered(ctx)
		}
		switch {
		case err == nil:
			wait = healthInterval
		case wait >= healthInterval:
			wait = healthMinWait
		default:
			wait = min(2*wait, healthMaxWait)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-r.health.nudge:
			t.Stop()
		}
	}
}

// Reachable reports whether Redis answered the last check of Watch (true
// before the first one).
func (r *Redis) Reachable() bool { return !r.health.isDown() }

// connectionTrouble lists what asynq's messages contain when the
// connection to Redis is lost. asynq formats its errors into strings
// before logging them, so the text is all there is to go by.
var connectionTrouble = []string{
	"dial tcp", "dial unix", "connection refused", "connection reset", "broken pipe",
	"i/o timeout", "no route to host", "network is unreachable", "no such host",
	"use of closed network connection", "EOF", "LOADING", "client is closed",
}

func looksLikeLostConnection(msg string) bool {
	for _, s := range connectionTrouble {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// describeRedis names the Redis of opt for log lines, without credentials.
func describeRedis(opt asynq.RedisConnOpt) string {
	switch o := opt.(type) {
	case asynq.RedisClientOpt:
		if o.Network == "unix" {
			return "unix:" + o.Addr
		}
		return o.Addr
	case asynq.RedisFailoverClientOpt:
		return "sentinel master " + o.MasterName + " via " + strings.Join(o.SentinelAddrs, ",")
	case asynq.RedisClusterClientOpt:
		return "cluster " + strings.Join(o.Addrs, ",")
	}
	return "redis"
}
