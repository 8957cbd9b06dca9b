package dms

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestDocLocksSerialiseOneDocument(t *testing.T) {
	var l DocLocks
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := l.Lock(context.Background(), "a")
			if err != nil {
				t.Error(err)
				return
			}
			n := inside.Add(1)
			for {
				m := most.Load()
				if n <= m || most.CompareAndSwap(m, n) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			inside.Add(-1)
			unlock()
		}()
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Errorf("%d holders of one document at once", most.Load())
	}
}

func TestDocLocksOtherDocumentAndCancel(t *testing.T) {
	var l DocLocks
	unlock, err := l.Lock(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	// Another document is not held up.
	ub, err := l.Lock(context.Background(), "b")
	if err != nil {
		t.Fatal(err)
	}
	ub()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := l.Lock(ctx, "a"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting on a held document: %v, want deadline exceeded", err)
	}
	unlock()
	again, err := l.Lock(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	again()
}
