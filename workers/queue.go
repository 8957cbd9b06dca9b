// Package workers connects the pipeline to asynq: it enqueues steps as
// tasks with small payloads (document id, step, file name and profile,
// never file bytes) and runs thin handlers that decode a payload, call the
// pipeline and decide — once, here — whether a failure is retried or ends
// in the error folder.
package workers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/pipeline"
)

// Queue names with their weights: e-invoices need no OCR and must not wait
// behind scans; deliveries and small steps go ahead of OCR.
const (
	QueueEInvoice = "einvoice"
	QueueDefault  = "default"
	QueueOCR      = "ocr"
)

// QueueWeights maps queue names to asynq priorities.
func QueueWeights() map[string]int {
	return map[string]int{QueueEInvoice: 6, QueueDefault: 3, QueueOCR: 1}
}

// TaskPrefix starts every task type; the step follows ("doc:ocr").
const TaskPrefix = "doc:"

// Payload is the whole content of a task. SourceName and Profile are there
// for people reading the queue UI's lists; tasks queued before they existed
// lack them and still decode (only id and step are required).
type Payload struct {
	ID         string `json:"id"`
	Step       string `json:"step"`
	SourceName string `json:"source_name,omitempty"`
	Profile    string `json:"profile,omitempty"`
}

// Redis is a connection to the queue's Redis, possibly an embedded one.
type Redis struct {
	Opt      asynq.RedisConnOpt
	embedded *miniredis.Miniredis
	health   *redisHealth
}

// Where names the Redis for messages (address, never credentials).
func (r *Redis) Where() string { return r.health.where }

// Embedded reports whether the in-memory Redis is in use.
func (r *Redis) Embedded() bool { return r.embedded != nil }

// Addr is the address of the embedded Redis ("" for an external one).
func (r *Redis) Addr() string {
	if r.embedded == nil {
		return ""
	}
	return r.embedded.Addr()
}

// Close stops the embedded Redis, if any.
func (r *Redis) Close() {
	if r.embedded != nil {
		r.embedded.Close()
	}
}

// ConnectRedis returns the connection options for the configured Redis, or
// starts an embedded in-memory one when none is configured.
func ConnectRedis(cfg config.Redis, log *slog.Logger) (*Redis, error) {
	if cfg.Embedded() {
		m, err := miniredis.Run()
		if err != nil {
			return nil, fmt.Errorf("start embedded redis: %w", err)
		}
		log.Warn("no redis.url configured: using an embedded in-memory Redis. It is NOT durable; the journal and the folders are the truth, so unfinished documents are re-enqueued at the next start. Configure redis.url for production.", "addr", m.Addr())
		opt := asynq.RedisClientOpt{Addr: m.Addr()}
		return &Redis{Opt: opt, embedded: m, health: newRedisHealth(log, "embedded "+m.Addr())}, nil
	}
	password := ""
	if cfg.PasswordFile != "" {
		b, err := os.ReadFile(cfg.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("redis.password_file: %w", err)
		}
		password = strings.TrimSpace(string(b))
	}
	if len(cfg.ClusterAddrs) > 0 {
		opt := asynq.RedisClusterClientOpt{Addrs: cfg.ClusterAddrs, Password: password}
		return &Redis{Opt: opt, health: newRedisHealth(log, describeRedis(opt))}, nil
	}
	opt, err := asynq.ParseRedisURI(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("redis.url: %w", err)
	}
	if password != "" {
		switch o := opt.(type) {
		case asynq.RedisClientOpt:
			o.Password = password
			opt = o
		case asynq.RedisFailoverClientOpt:
			o.Password = password
			opt = o
		}
	}
	return &Redis{Opt: opt, health: newRedisHealth(log, describeRedis(opt))}, nil
}

// Enqueuer puts pipeline steps on the queue. It implements
// pipeline.Enqueuer.
type Enqueuer struct {
	client *asynq.Client
	// inspector finds a step's earlier task that failed for good (asynq
	// archives it under the same id), see Enqueue.
	inspector *asynq.Inspector
	maxRetry  int
	timeout   time.Duration
}

// NewEnqueuer returns an enqueuer. maxRetry comes from RetryPolicy;
// taskTimeout bounds one attempt of a step (asynq cancels and retries it).
func NewEnqueuer(r *Redis, maxRetry int, taskTimeout time.Duration) *Enqueuer {
	return &Enqueuer{client: asynq.NewClient(r.Opt), inspector: asynq.NewInspector(r.Opt), maxRetry: maxRetry, timeout: taskTimeout}
}

// Close closes the Redis connections.
func (e *Enqueuer) Close() error { return errors.Join(e.client.Close(), e.inspector.Close()) }

// QueueFor returns the queue of a step.
func QueueFor(step string) string {
	switch step {
	case pipeline.StepEInvoice:
		return QueueEInvoice
	case pipeline.StepOCR:
		return QueueOCR
	}
	return QueueDefault
}

// Enqueue schedules a step of a document. The task id is derived from the
// document and step, so the same step cannot be queued twice; a conflict
// means it is queued already and counts as success — unless the task of
// that id is archived: the step failed for good before, and
// the document now runs again (dropped again, or retried on the status
// page), so the old task makes way for the new one.
func (e *Enqueuer) Enqueue(ctx context.Context, t pipeline.Task) error {
	err := e.enqueue(ctx, t)
	if !errors.Is(err, asynq.ErrTaskIDConflict) {
		return err
	}
	info, ierr := e.inspector.GetTaskInfo(QueueFor(t.Step), t.ID+":"+t.Step)
	if ierr != nil || info.State != asynq.TaskStateArchived {
		return nil
	}
	if derr := e.inspector.DeleteTask(QueueFor(t.Step), info.ID); derr != nil && !errors.Is(derr, asynq.ErrTaskNotFound) {
		return fmt.Errorf("enqueue %s of %s: remove the earlier failed task: %w", t.Step, t.ID, derr)
	}
	if err := e.enqueue(ctx, t); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return err
	}
	return nil
}

func (e *Enqueuer) enqueue(ctx context.Context, t pipeline.Task) error {
	id, step := t.ID, t.Step
	payload, err := json.Marshal(Payload{ID: id, Step: step, SourceName: t.SourceName, Profile: t.Profile})
	if err != nil {
		return err
	}
	task := asynq.NewTask(TaskPrefix+step, payload)
	_, err = e.client.EnqueueContext(ctx, task,
		asynq.TaskID(id+":"+step),
		asynq.Queue(QueueFor(step)),
		asynq.MaxRetry(e.maxRetry),
		asynq.Timeout(e.timeout),
	)
	if err != nil {
		return fmt.Errorf("enqueue %s of %s: %w", step, id, err)
	}
	return nil
}
