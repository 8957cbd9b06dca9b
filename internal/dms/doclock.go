package dms

import (
	"context"
	"sync"
)

// DocLocks serialises work on one document within a process: two
// deliveries of the same document (the same file in two hot folders) would
// both miss the target's idempotency look-up and create it twice. The zero
// value is ready to use.
type DocLocks struct {
	mu   sync.Mutex
	busy map[string]chan struct{} // document id → closed when its holder unlocks
}

// Lock waits until no other holder has id, or ctx ends; the returned
// function releases the lock.
func (l *DocLocks) Lock(ctx context.Context, id string) (func(), error) {
	for {
		l.mu.Lock()
		ch, taken := l.busy[id]
		if !taken {
			if l.busy == nil {
				l.busy = make(map[string]chan struct{})
			}
			ch = make(chan struct{})
			l.busy[id] = ch
			l.mu.Unlock()
			return func() {
				l.mu.Lock()
				delete(l.busy, id)
				l.mu.Unlock()
				close(ch)
			}, nil
		}
		l.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
