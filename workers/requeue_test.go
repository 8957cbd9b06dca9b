package workers

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/pipeline"
	"github.com/eingang/eingang/internal/testenv"
)

// A step that failed for good leaves its task archived under the step's
// id; when the document runs again (dropped again, or retried on the
// status page) the step must be queued anew, not taken as queued already.
// A task that is still pending is not doubled.
func TestEnqueueReplacesAnArchivedTask(t *testing.T) {
	redis := testenv.StartRedis(t)
	r, err := ConnectRedis(config.Redis{URL: redis.URL()}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	enq := NewEnqueuer(r, 3, time.Minute)
	t.Cleanup(func() { enq.Close() })
	insp := asynq.NewInspector(r.Opt)
	t.Cleanup(func() { insp.Close() })
	ctx := context.Background()
	task := pipeline.Task{ID: "abc", Step: pipeline.StepDeliver}
	queue, tid := QueueFor(task.Step), "abc:"+pipeline.StepDeliver
	if err := enq.Enqueue(ctx, task); err != nil {
		t.Fatal(err)
	}
	if err := enq.Enqueue(ctx, task); err != nil {
		t.Fatalf("second enqueue of a pending task: %v", err)
	}
	if n, _ := insp.ListPendingTasks(queue); len(n) != 1 {
		t.Fatalf("%d pending tasks, want 1", len(n))
	}
	if err := insp.ArchiveTask(queue, tid); err != nil {
		t.Fatal(err)
	}
	if err := enq.Enqueue(ctx, task); err != nil {
		t.Fatal(err)
	}
	info, err := insp.GetTaskInfo(queue, tid)
	if err != nil {
		t.Fatal(err)
	}
	if info.State != asynq.TaskStatePending {
		t.Errorf("after enqueue of an archived step: %s, want pending", info.State)
	}
}
