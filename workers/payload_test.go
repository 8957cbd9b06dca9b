package workers

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"

	"github.com/eingang/eingang/internal/fault"
	"github.com/eingang/eingang/internal/pipeline"
)

// TestPayloadNamesFileAndProfile: what the queue UI shows of a task is its
// payload; it names the file and the profile and stays small.
func TestPayloadNamesFileAndProfile(t *testing.T) {
	m := miniredis.RunT(t)
	r := &Redis{Opt: asynq.RedisClientOpt{Addr: m.Addr()}}
	enq := NewEnqueuer(r, 3, time.Minute)
	t.Cleanup(func() { enq.Close() })
	id := "5f1c0a0e8d2b7d6a2f8a7e1b0c9d4e3f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d"
	task := pipeline.Task{ID: id, Step: pipeline.StepOCR, SourceName: "Rechnung Müller 2026-03.pdf", Profile: "rechnung"}
	if err := enq.Enqueue(context.Background(), task); err != nil {
		t.Fatal(err)
	}
	insp := asynq.NewInspector(r.Opt)
	t.Cleanup(func() { insp.Close() })
	tasks, err := insp.ListPendingTasks(QueueOCR)
	if err != nil || len(tasks) != 1 {
		t.Fatalf("pending ocr tasks: %v %v", tasks, err)
	}
	var got map[string]string
	if err := json.Unmarshal(tasks[0].Payload, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"id": id, "step": "ocr", "source_name": "Rechnung Müller 2026-03.pdf", "profile": "rechnung"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("payload %s = %q, want %q (payload %s)", k, got[k], v, tasks[0].Payload)
		}
	}
	if len(got) != len(want) || len(tasks[0].Payload) > 300 {
		t.Errorf("payload carries more than ids and names: %s", tasks[0].Payload)
	}
	if tasks[0].ID != id+":ocr" {
		t.Errorf("task id %q", tasks[0].ID)
	}
}

type stepRunner struct {
	next string
	ran  []string
}

func (r *stepRunner) Run(_ context.Context, step, id string) (string, error) {
	r.ran = append(r.ran, id+":"+step)
	return r.next, nil
}

func (r *stepRunner) Fail(context.Context, string, string, error, string) error { return nil }

type taskRecorder struct{ tasks []pipeline.Task }

func (q *taskRecorder) Enqueue(_ context.Context, t pipeline.Task) error {
	q.tasks = append(q.tasks, t)
	return nil
}

// TestHandlerPayloads: payloads queued before they carried names (still in
// Redis after an upgrade) are processed; the next step's task carries the
// names of the one that ran.
func TestHandlerPayloads(t *testing.T) {
	tests := []struct {
		name, payload    string
		wantName, wantPr string
	}{
		{"before names", `{"id":"d1","step":"ocr"}`, "", ""},
		{"with names", `{"id":"d1","step":"ocr","source_name":"scan 7.tif","profile":"post"}`, "scan 7.tif", "post"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &stepRunner{next: pipeline.StepClassify}
			q := &taskRecorder{}
			h := NewHandler(HandlerOptions{Runner: r, Enqueuer: q, Faults: fault.New(), StepTimeout: time.Minute,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err := h.ProcessTask(context.Background(), asynq.NewTask(TaskPrefix+"ocr", []byte(tt.payload))); err != nil {
				t.Fatal(err)
			}
			if len(r.ran) != 1 || r.ran[0] != "d1:ocr" {
				t.Errorf("ran %v", r.ran)
			}
			want := pipeline.Task{ID: "d1", Step: pipeline.StepClassify, SourceName: tt.wantName, Profile: tt.wantPr}
			if len(q.tasks) != 1 || q.tasks[0] != want {
				t.Errorf("next tasks %+v, want %+v", q.tasks, want)
			}
		})
	}
	// A payload without id or step is refused without retries.
	h := NewHandler(HandlerOptions{Runner: &stepRunner{}, Enqueuer: &taskRecorder{}, Faults: fault.New(), StepTimeout: time.Minute,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := h.ProcessTask(context.Background(), asynq.NewTask(TaskPrefix+"ocr", []byte(`{"source_name":"x.pdf"}`))); err == nil {
		t.Error("payload without id accepted")
	}
}
