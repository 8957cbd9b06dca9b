package d3fake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// startProcess implements the (inferred, §9.2) process start: declared
// variables only, types checked, required ones present; 201 + Location.
func (s *Server) startProcess(w http.ResponseWriter, r *http.Request) {
	p := s.opts.Process
	if key := r.PathValue("key"); key != p.Key {
		reason(w, http.StatusNotFound, "Der Prozess %q ist nicht bereitgestellt.", key)
		return
	}
	var raw map[string]json.RawMessage
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&raw); err != nil {
		reason(w, http.StatusBadRequest, "Der Inhalt der Anfrage ist kein gültiges JSON.")
		return
	}
	var vars map[string]any
	if v, ok := raw[p.VariablesField]; ok {
		if err := json.Unmarshal(v, &vars); err != nil {
			reason(w, http.StatusBadRequest, "%s muss ein JSON-Objekt sein.", p.VariablesField)
			return
		}
	}
	for name, v := range vars {
		if v == nil {
			delete(vars, name)
		}
	}
	names := make([]string, 0, len(vars))
	for name := range vars {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		typ := "DmsObject"
		if name != "dv_attachment" {
			decl, ok := p.Variables[name]
			if !ok {
				reason(w, http.StatusBadRequest, "Die Variable %q ist im Prozess %q nicht deklariert.", name, p.Key)
				return
			}
			typ = decl.Type
		}
		if err := s.checkVar(typ, vars[name]); err != nil {
			reason(w, http.StatusBadRequest, "Die Variable %q hat einen ungültigen Wert: %v", name, err)
			return
		}
	}
	for _, name := range sortedKeys(p.Variables) {
		if _, ok := vars[name]; p.Variables[name].Required && !ok {
			reason(w, http.StatusBadRequest, "Die Pflichtvariable %q fehlt.", name)
			return
		}
	}
	s.mu.Lock()
	id := fmt.Sprintf("%s-%s-%s", randHex(4), randHex(2), randHex(6))
	loc := "/process/instances/" + id
	s.instances = append(s.instances, Instance{ID: id, ProcessKey: p.Key, Location: loc, Variables: vars})
	s.mu.Unlock()
	w.Header().Set("Location", loc)
	w.WriteHeader(p.SuccessStatus)
}

func (s *Server) checkVar(typ string, v any) error {
	switch typ {
	case "String":
		if _, ok := v.(string); !ok {
			return fmt.Errorf("Zeichenkette erwartet")
		}
	case "Number":
		if _, ok := v.(float64); !ok {
			return fmt.Errorf("Zahl erwartet")
		}
	case "Identity":
		if str, ok := v.(string); !ok || !strings.HasPrefix(str, "identity:///identityprovider/scim/") {
			return fmt.Errorf("Identität im Format identity:///identityprovider/scim/users/<id> erwartet")
		}
	case "[String]", "[Identity]":
		list, ok := v.([]any)
		if !ok {
			return fmt.Errorf("Liste erwartet")
		}
		for _, e := range list {
			if err := s.checkVar(strings.Trim(typ, "[]"), e); err != nil {
				return err
			}
		}
	case "DmsObject":
		str, _ := v.(string)
		rest := strings.TrimPrefix(str, "dmsObject://")
		id, ok := strings.CutPrefix(rest, "/dms/r/"+s.opts.Repo+"/o2/")
		if !ok {
			return fmt.Errorf("DMS-Objekt im Format dmsObject:///dms/r/<repo>/o2/<id> erwartet")
		}
		s.mu.Lock()
		_, exists := s.docs[id]
		s.mu.Unlock()
		if !exists {
			return fmt.Errorf("das DMS-Objekt %s existiert nicht", id)
		}
	}
	return nil
}

// Creates counts successful o2m creates (also those whose answer was lost).
func (s *Server) Creates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creates
}

// ProcessStarts counts started process instances.
func (s *Server) ProcessStarts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.instances)
}

// Instances returns the started process instances in order.
func (s *Server) Instances() []Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Instance(nil), s.instances...)
}

// Logins counts sessions handed out.
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// Requests counts requests per operation (OpAny: all).
func (s *Server) Requests(op Op) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[op]
}

// Blobs counts temporary uploads not (yet) consumed by a create.
func (s *Server) Blobs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.blobs)
}

// Document returns a copy of the document with id.
func (s *Server) Document(id string) (Document, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[id]
	if !ok {
		return Document{}, false
	}
	return copyDoc(d), true
}

// Documents returns copies of all documents ordered by id.
func (s *Server) Documents() []Document {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Document, 0, len(s.docs))
	for _, k := range sortedKeys(s.docs) {
		out = append(out, copyDoc(s.docs[k]))
	}
	return out
}

// Lock marks a document as locked: PUT and DELETE answer 423 (F10).
func (s *Server) Lock(id string, locked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.docs[id]; ok {
		d.Locked = locked
	}
}

func copyDoc(d *Document) Document {
	c := *d
	c.Content = append([]byte(nil), d.Content...)
	c.Properties = make(map[string][]string, len(d.Properties))
	for k, v := range d.Properties {
		c.Properties[k] = append([]string(nil), v...)
	}
	return c
}

// Clock is a manual clock for tests: pass its Now as Options.Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Remove deletes a document without the API (benchmarks keep memory flat).
func (s *Server) Remove(id string) {
	s.mu.Lock()
	delete(s.docs, id)
	s.mu.Unlock()
}
