package workers

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/testenv"
)

func TestLeaseOneHolderAtATime(t *testing.T) {
	rs := testenv.StartRedis(t)
	r, err := ConnectRedis(config.Redis{URL: rs.URL()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLease(r)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	steps := []struct {
		holder string
		op     string
		want   bool
	}{
		{"a", "acquire", true},
		{"b", "acquire", false},
		{"a", "acquire", true}, // renewal
		{"b", "release", false},
		{"b", "acquire", false}, // b's release did not free a's lease
		{"a", "release", false},
		{"b", "acquire", true},
	}
	for i, s := range steps {
		switch s.op {
		case "acquire":
			ok, err := l.Acquire(ctx, "k", s.holder, time.Minute)
			if err != nil || ok != s.want {
				t.Fatalf("step %d: %s acquire = %v, %v; want %v", i, s.holder, ok, err, s.want)
			}
		case "release":
			if err := l.Release(ctx, "k", s.holder); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A dead holder's lease expires.
	if ok, _ := l.Acquire(ctx, "short", "dead", 50*time.Millisecond); !ok {
		t.Fatal("short lease not taken")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if ok, _ := l.Acquire(ctx, "short", "next", time.Minute); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("lease of a dead holder never expired")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
