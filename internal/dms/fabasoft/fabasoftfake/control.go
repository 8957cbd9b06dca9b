package fabasoftfake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// ControlPath is where ControlHandler is mounted by `eingang dms-sim`. It
// is not part of Fabasoft's interface; it lets demos and end-to-end tests
// outside Go inspect the fake and inject faults.
const ControlPath = "/_fake/"

// ControlHandler serves
//
//	GET  /_fake/state                      counters and documents (no content) as JSON
//	POST /_fake/outage?for=2m&status=503&retry_after=60&reset=1
//	POST /_fake/outage?clear=1
//	POST /_fake/fault?op=FSCGOVXML_1_1001_SOAPCreateObject&times=1&status=429&retry_after=5
//	     &lose_response=1&reset=1&delay=2s&delay_after=2s&fault=text&error_reference=E1
func (s *Server) ControlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+ControlPath+"state", s.controlState)
	mux.HandleFunc("POST "+ControlPath+"outage", s.controlOutage)
	mux.HandleFunc("POST "+ControlPath+"fault", s.controlFault)
	return mux
}

type stateDoc struct {
	Address   string           `json:"objaddress"`
	Class     string           `json:"objclass"`
	Name      string           `json:"objname"`
	Container string           `json:"container"`
	Props     map[string]Value `json:"properties"`
	Contents  []stateContent   `json:"contents"`
}

type stateContent struct {
	Address   string `json:"objaddress"`
	Name      string `json:"objname"`
	Extension string `json:"extension"`
	Size      int    `json:"size"`
}

func (s *Server) controlState(w http.ResponseWriter, r *http.Request) {
	var docs []stateDoc
	for _, d := range s.Documents() {
		sd := stateDoc{Address: d.Address, Class: d.Class, Name: d.Name, Container: d.Container, Props: d.Props}
		for _, c := range d.Contents {
			sd.Contents = append(sd.Contents, stateContent{Address: c.Address, Name: c.Name, Extension: c.Extension, Size: len(c.Content)})
		}
		docs = append(docs, sd)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"creates":         s.Creates(),
		"content_creates": s.ContentCreates(),
		"workflow_starts": s.WorkflowStarts(),
		"pending_faults":  s.PendingFaults(),
		"documents":       docs,
		"workflows":       s.Workflows(),
	})
}

func (s *Server) controlOutage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("clear") != "" {
		s.SetOutage(nil)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	o := &Outage{RetryAfter: q.Get("retry_after"), Reset: q.Get("reset") == "1"}
	var err error
	if v := q.Get("status"); v != "" {
		if o.Status, err = strconv.Atoi(v); err != nil || o.Status < 400 || o.Status > 599 {
			http.Error(w, "status: want 400..599", http.StatusBadRequest)
			return
		}
	}
	if v := q.Get("for"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			http.Error(w, "for: want a duration like 2m", http.StatusBadRequest)
			return
		}
		o.Until = s.opts.Now().Add(d)
	}
	s.SetOutage(o)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) controlFault(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := Fault{Op: q.Get("op"), RetryAfter: q.Get("retry_after"), Reset: q.Get("reset") == "1", LoseResponse: q.Get("lose_response") == "1"}
	bad := func(key string) { http.Error(w, key+": invalid value", http.StatusBadRequest) }
	var err error
	for key, dst := range map[string]*int{"times": &f.Times, "skip": &f.Skip, "status": &f.Status} {
		if v := q.Get(key); v != "" {
			if *dst, err = strconv.Atoi(v); err != nil || *dst < 0 {
				bad(key)
				return
			}
		}
	}
	for key, dst := range map[string]*time.Duration{"delay": &f.Delay, "delay_after": &f.DelayAfter} {
		if v := q.Get(key); v != "" {
			if *dst, err = time.ParseDuration(v); err != nil || *dst < 0 {
				bad(key)
				return
			}
		}
	}
	if msg := q.Get("fault"); msg != "" {
		f.SOAPFault = &SOAPFault{String: msg, ErrorReference: q.Get("error_reference")}
	}
	s.Inject(f)
	w.WriteHeader(http.StatusNoContent)
}
