package workers

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/hibiken/asynq"
)

// ServerOptions configure the asynq server.
type ServerOptions struct {
	Concurrency     int
	ShutdownTimeout time.Duration
	Retry           RetryPolicy
	Logger          *slog.Logger
}

// NewServer returns an asynq server consuming all of eingang's queues.
func NewServer(r *Redis, o ServerOptions) *asynq.Server {
	return asynq.NewServer(r.Opt, asynq.Config{
		Concurrency:     o.Concurrency,
		Queues:          QueueWeights(),
		RetryDelayFunc:  o.Retry.Delay,
		ShutdownTimeout: o.ShutdownTimeout,
		Logger:          slogAdapter{l: o.Logger.With("component", "asynq"), health: r.health},
		LogLevel:        asynq.WarnLevel,
		// Faster than the default 5 s so that retries of a recovered DMS
		// start promptly.
		DelayedTaskCheckInterval: time.Second,
	})
}

// Ping checks that Redis answers.
func Ping(ctx context.Context, r *Redis) error {
	insp := asynq.NewInspector(r.Opt)
	defer insp.Close()
	return pingWith(ctx, insp)
}

func pingWith(ctx context.Context, insp *asynq.Inspector) error {
	done := make(chan error, 1)
	go func() {
		_, err := insp.Queues()
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("redis: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("redis: %w", ctx.Err())
	}
}

// slogAdapter lets asynq log through slog. While Redis is unreachable
// every asynq component reports every failed attempt, several a second;
// Redis.Watch says it once, so those messages are demoted to debug.
type slogAdapter struct {
	l      *slog.Logger
	health *redisHealth
}

func (a slogAdapter) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...)) }
func (a slogAdapter) Info(args ...any)  { a.l.Info(fmt.Sprint(args...)) }
func (a slogAdapter) Warn(args ...any)  { a.problem(slog.LevelWarn, fmt.Sprint(args...)) }
func (a slogAdapter) Error(args ...any) { a.problem(slog.LevelError, fmt.Sprint(args...)) }

func (a slogAdapter) problem(level slog.Level, msg string) {
	if a.health != nil && (a.health.isDown() || looksLikeLostConnection(msg)) {
		a.health.suspect()
		a.l.Debug(msg)
		return
	}
	a.l.Log(context.Background(), level, msg)
}

// Fatal ends the process like asynq's own logger does.
func (a slogAdapter) Fatal(args ...any) {
	a.l.Error(fmt.Sprint(args...))
	os.Exit(1)
}
