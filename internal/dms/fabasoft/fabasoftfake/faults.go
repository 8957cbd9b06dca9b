package fabasoftfake

import (
	"net/http"
	"strconv"
	"time"
)

// Fault is one injected misbehaviour. It applies to the next Times requests
// whose operation matches Op ("" matches any, including WSDL GETs). Rules
// are consumed in the order they were injected; one request consumes at
// most one rule.
type Fault struct {
	Op    string // OpCreateObject, …; "" = any
	Times int    // default 1
	// Skip lets this many matching requests pass untouched before the
	// rule fires (e.g. Skip 1 on SetProperties hits the second call).
	Skip int

	// Status answers with this HTTP status without processing: 401 (auth
	// failure), 429/503 (overload, with RetryAfter), 500 (no SOAP body).
	Status     int
	RetryAfter string // Retry-After header value, seconds or HTTP date

	// SOAPFault answers HTTP 500 with this fault without processing.
	SOAPFault *SOAPFault

	// Reset drops the connection without processing (connection reset).
	Reset bool

	// Delay waits before processing (a slow server). If the client gives up
	// first, nothing is processed.
	Delay time.Duration
	// DelayAfter processes the request and then waits before answering: a
	// client with a shorter timeout sees a timeout although the work was
	// done (a lost response through timeout).
	DelayAfter time.Duration
	// LoseResponse processes the request and then drops the connection.
	LoseResponse bool
}

// SOAPFault is the content of a fault answer (fabasoft-api.md §4.1 shape).
type SOAPFault struct {
	Code           string // default "soapenv:Server"
	String         string
	ErrorReference string
}

// Outage makes every request fail the same way until cleared.
type Outage struct {
	Status     int    // default 503
	RetryAfter string // optional Retry-After
	Reset      bool   // drop connections instead of answering
	// Until ends the outage by itself at this time (zero: until cleared).
	Until time.Time
}

// Inject adds fault rules.
func (s *Server) Inject(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range faults {
		if f.Times <= 0 {
			f.Times = 1
		}
		s.faults = append(s.faults, &f)
	}
}

// ClearFaults removes all pending fault rules.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// PendingFaults returns how many injected rules have not fired yet.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults)
}

// SetOutage starts (o != nil) or ends (o == nil) an outage.
func (s *Server) SetOutage(o *Outage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o != nil && o.Status == 0 && !o.Reset {
		cp := *o
		cp.Status = http.StatusServiceUnavailable
		o = &cp
	}
	s.outage = o
}

// takeFault pops the first matching rule; the caller holds mu.
func (s *Server) takeFault(op string) *Fault {
	for i, f := range s.faults {
		if f.Op != "" && f.Op != op {
			continue
		}
		if f.Skip > 0 {
			f.Skip--
			continue
		}
		f.Times--
		if f.Times <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		cp := *f
		return &cp
	}
	return nil
}

func (o *Outage) apply(w http.ResponseWriter) {
	if o.Reset {
		panic(http.ErrAbortHandler)
	}
	if o.RetryAfter != "" {
		w.Header().Set("Retry-After", o.RetryAfter)
	}
	http.Error(w, http.StatusText(o.Status), o.Status)
}

// before applies the parts of f that replace or delay processing; it
// reports whether the request is finished.
func (f *Fault) before(w http.ResponseWriter, r *http.Request) bool {
	if f.Delay > 0 {
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
			return true
		}
	}
	switch {
	case f.Reset:
		panic(http.ErrAbortHandler)
	case f.SOAPFault != nil:
		code := f.SOAPFault.Code
		if code == "" {
			code = "soapenv:Server"
		}
		writeFault(w, code, f.SOAPFault.String, f.SOAPFault.ErrorReference)
		return true
	case f.Status != 0:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		if f.Status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="Fabasoft"`)
		}
		http.Error(w, http.StatusText(f.Status), f.Status)
		return true
	}
	return false
}

// RetryAfterSeconds formats d for Fault.RetryAfter.
func RetryAfterSeconds(d time.Duration) string { return strconv.Itoa(int(d / time.Second)) }

func writeFault(w http.ResponseWriter, code, msg, ref string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	w.Write(faultBody(code, msg, ref))
}

func faultBody(code, msg, ref string) []byte {
	e := newEnvelope()
	e.WriteString(`<soapenv:Fault>`)
	e.elem("", "faultcode", code)
	e.elem("", "faultstring", msg)
	e.WriteString(`<detail><fd:ErrorReference xmlns:fd="` + nsFaultDetails + `">`)
	e.text(ref)
	e.WriteString(`</fd:ErrorReference></detail></soapenv:Fault>`)
	return e.finish()
}
