package d3fake

import (
	"net/http"
	"time"
)

// FaultKind selects what an injected fault does.
type FaultKind int

// Fault kinds (the numbers refer to §14 of d3-api.md).
const (
	// FaultStatus answers Status with {"reason": Reason} (or the status
	// text) and Retry-After when set: 429/503 (F2), 502/504 (F12), 400
	// validation (F7), 409/423 locked (F10).
	FaultStatus FaultKind = iota
	// FaultUnauthorized drops every session and answers 401 (F1).
	FaultUnauthorized
	// FaultDelay waits Delay, then serves the request normally (F3).
	FaultDelay
	// FaultHang waits until the client gives up (or Delay, if set) and
	// then drops the connection without an answer: a timeout.
	FaultHang
	// FaultReset drops the connection without doing anything (F12).
	FaultReset
	// FaultLoseResponse does the work and then drops the connection
	// before the answer is sent (F4); with Status set it answers that
	// status instead (a gateway 502/504 hiding a success).
	FaultLoseResponse
)

// Fault is one injected failure. It applies to the next Times requests of
// operation Op (OpAny: any operation).
type Fault struct {
	Op         Op
	Kind       FaultKind
	Status     int
	RetryAfter string // Retry-After header value, e.g. "2" or an HTTP date
	Reason     string
	Delay      time.Duration
	Times      int // 0 means 1
}

// Inject queues f; faults for the same operation apply in order.
func (s *Server) Inject(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, &f)
	s.mu.Unlock()
}

// ClearFaults removes all pending faults.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// PendingFaults reports how many injected faults have not fired yet.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults)
}

// StartOutage makes every request fail with 503 and a Retry-After of the
// remaining time until d has passed on the server's clock.
func (s *Server) StartOutage(d time.Duration) {
	s.mu.Lock()
	s.outageUntil = s.opts.Now().Add(d)
	s.outageNet = false
	s.mu.Unlock()
}

// StartNetworkOutage makes every request fail without an answer (the
// connection is dropped before the request is processed) until d has
// passed on the server's clock.
func (s *Server) StartNetworkOutage(d time.Duration) {
	s.mu.Lock()
	s.outageUntil = s.opts.Now().Add(d)
	s.outageNet = true
	s.mu.Unlock()
}

// EndOutage ends an outage early.
func (s *Server) EndOutage() {
	s.mu.Lock()
	s.outageUntil = time.Time{}
	s.mu.Unlock()
}

// takeFault pops the next fault for op; s.mu must be held.
func (s *Server) takeFault(op Op) *Fault {
	for i, f := range s.faults {
		if f.Op != op && f.Op != OpAny {
			continue
		}
		c := *f
		f.Times--
		if f.Times <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return &c
	}
	return nil
}

type faultResult int

const (
	faultContinue faultResult = iota
	faultAnswered
	faultLoseAfter
)

func (s *Server) applyFault(f *Fault, w http.ResponseWriter, r *http.Request) faultResult {
	switch f.Kind {
	case FaultStatus:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		if f.Reason != "" {
			reason(w, f.Status, "%s", f.Reason)
		} else {
			plain(w, f.Status, http.StatusText(f.Status))
		}
		return faultAnswered
	case FaultUnauthorized:
		s.mu.Lock()
		clear(s.sessions)
		s.mu.Unlock()
		plain(w, http.StatusUnauthorized, "Unauthorized")
		return faultAnswered
	case FaultDelay:
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return faultAnswered
		case <-t.C:
		}
		return faultContinue
	case FaultHang:
		var c <-chan time.Time
		if f.Delay > 0 {
			t := time.NewTimer(f.Delay)
			defer t.Stop()
			c = t.C
		}
		select {
		case <-r.Context().Done():
		case <-c:
		}
		panic(http.ErrAbortHandler)
	case FaultReset:
		panic(http.ErrAbortHandler)
	case FaultLoseResponse:
		return faultLoseAfter
	}
	return faultContinue
}
