package workers

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eingang/eingang/internal/dms/d3"
	"github.com/eingang/eingang/internal/dms/d3/d3fake"
	"github.com/eingang/eingang/internal/journal"
)

// TestDMSOutageInBatch: the d.3 fake goes down for two real minutes (503
// with Retry-After) after the first deliveries of a batch of 20; after it
// recovers every document is delivered exactly once — the fake's create
// counter and its documents prove it.
func TestDMSOutageInBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("two-minute outage")
	}
	fake := d3fake.New(d3fake.DefaultOptions())
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	b, err := os.ReadFile(filepath.Join("..", "internal", "dms", "d3", "testdata", "demo-options.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		t.Fatal(err)
	}
	cfg, err := d3.DecodeConfig(n.Content[0])
	if err != nil {
		t.Fatal(err)
	}
	cfg.BaseURL = srv.URL
	key := fake.Options().APIKey
	client, err := d3.New("dms", cfg, d3.WithGetenv(func(name string) string {
		if name == cfg.APIKeyEnv {
			return key
		}
		return ""
	}))
	if err != nil {
		t.Fatal(err)
	}
	s := newStackWith(t, &fakeOCR{}, client, RetryPolicy{Base: 500 * time.Millisecond, Max: 5 * time.Second, Window: 10 * time.Minute}, time.Minute)
	for i := 0; i < 20; i++ {
		s.drop(t, fmt.Sprintf("brief-%02d.pdf", i), fmt.Sprintf("%s%%%d", pdf, i))
	}
	deadline := time.Now().Add(time.Minute)
	for fake.Creates() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("no deliveries before the outage (creates %d)", fake.Creates())
		}
		time.Sleep(20 * time.Millisecond)
	}
	outage := 2 * time.Minute
	fake.StartOutage(outage)
	before := fake.Creates()
	t.Logf("outage starts after %d creates", before)
	final := s.waitFinal(t, 20, outage+2*time.Minute)
	if before >= 20 {
		t.Fatal("the whole batch was delivered before the outage; the test proves nothing")
	}
	for name, d := range final {
		if d.State != journal.StateDelivered {
			t.Errorf("%s: %s %s", name, d.State, d.Error)
		}
	}
	if got := fake.Creates(); got != 20 {
		t.Errorf("d.3 creates = %d, want exactly 20", got)
	}
	retried := 0
	for _, d := range final {
		full, _ := s.j.Get(context.Background(), d.ID)
		for _, e := range full.Events {
			if e.Outcome == "retry" {
				retried++
				break
			}
		}
	}
	if retried == 0 {
		t.Error("no document was retried; the outage did not hit the batch")
	}
	t.Logf("%d of 20 documents retried through the outage", retried)
}
