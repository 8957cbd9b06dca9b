// Package fabasoftfake is an in-memory fake of the Fabasoft eGov-Suite
// standard SOAP web service (FSCGOVXML) for tests and demos. It implements
// the subset eingang uses, following docs/fabasoft-api.md §4 and §11/§12:
// the same endpoint path, SOAPAction headers, request/response envelopes,
// qualified attributes, HTTP status codes and fault shape. It keeps every
// object (with content and properties) so tests can read them back, counts
// creates and workflow starts, and injects faults per request.
//
// What is checked against documentation only, and what is guessed, is
// listed in README.md next to this file.
package fabasoftfake

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Endpoint facts (fabasoft-api.md §2, §4).
const (
	// Path is the SOAP endpoint path below the host (vdir "fsc").
	Path = "/fsc/fscdav/wsdl"
	// WebService is the only web service definition the fake serves.
	WebService = "FSCGOVXML_1_1001_DefaultWebServiceDefinition"

	nsSOAPEnv      = "http://schemas.xmlsoap.org/soap/envelope/"
	nsSearch       = "urn:schemas-fabasoft-com:bai:search"
	nsCreateObject = "urn:schemas-editions-fabasoft-com:gov:createobject"
	nsCreateCont   = "urn:schemas-editions-fabasoft-com:gov:createcontentobjectsandconvert"
	nsUniversal    = "urn:schemas-fabasoft-com:universal"
	nsWorkflow     = "urn:schemas-fabasoft-com:baiwf:control"
	nsFaultDetails = "http://schemas.fabasoft.com/faultdetails"
	nsWebService   = "http://schemas.fabasoft.com/websvc/FSCGOVXML_1_1001_DefaultWebServiceDefinition/"

	actionPrefix = "http://schemas.fabasoft.com/object/"
)

// Operations, named by their SOAPAction suffix (fabasoft-api.md §4.2).
const (
	OpSearch        = "FSCBAI_1_1001_SOAPSearch"
	OpCreateObject  = "FSCGOVXML_1_1001_SOAPCreateObject"
	OpCreateContent = "FSCGOVXML_1_1001_SOAPCreateContentObjectsAndConvert"
	OpSetProperties = "FSCBAI_1_1001_SOAPGenericSetProperties"
	OpGetProperties = "FSCBAI_1_1001_SOAPGenericGetProperties"
	OpStartWorkflow = "FSCBAIWF_1_1001_SOAPStartWorkflow"
	OpInitWorkflow  = "FSCBAIWF_1_1001_SOAPInitializeWorkFlow"
	// OpWSDL names GET requests for the WSDL in fault rules and counters.
	OpWSDL = "WSDL"
)

// Classes the fake's object model knows (fabasoft-api.md §1).
const (
	ClassSachakte = "DEPRECONFIG@15.1001:SubjectAreaFile"
	ClassVorgang  = "DEPRECONFIG@15.1001:Procedure"
	ClassIncoming = "COOELAK@1.1001:Incoming"
	ClassOutgoing = "COOELAK@1.1001:Outgoing"
	ClassInternal = "COOELAK@1.1001:InternalFile"
	ClassPDF      = "FSCACROBAT@1.1:PDFObject"
	ClassProcInst = "COOWF@1.1:ProcessInstance"  // invented name [U]
	ClassActInst  = "COOWF@1.1:ActivityInstance" // invented name [U]

	attrObjName    = "COOSYSTEM@1.1:objname"
	attrObjAddress = "COOSYSTEM@1.1:objaddress"
)

// ErrorReference codes the fake puts into fault details. Real codes are not
// public (fabasoft-api.md §4.1 "code values [U]"); these are invented.
const (
	RefNotFound     = "FAKE_OBJECT_NOT_FOUND"
	RefWrongClass   = "FAKE_WRONG_OBJECT_CLASS"
	RefTooMany      = "FAKE_TOO_MANY_CHILDREN"
	RefTooLarge     = "FAKE_CONTENT_TOO_LARGE"
	RefInvalidValue = "FAKE_INVALID_VALUE"
	RefBadRequest   = "FAKE_BAD_REQUEST"
	RefQuery        = "FAKE_QUERY_SYNTAX"
	RefNoPermission = "FAKE_NO_PERMISSION"
	RefLocked       = "FAKE_LOCKED"
)

// Options configure a Server. Zero values get the defaults noted.
type Options struct {
	Username string // default "eingang"
	Password string // default "geheim"
	// MaxContentBytes per content object; default 100 MiB (Munich's limit).
	MaxContentBytes int64
	// MaxChildren per container; default 1000 (§1: ≥1000 refused).
	MaxChildren int
	// Depts are the accepted SOAPStartWorkflow dept references; empty
	// accepts any non-empty dept.
	Depts []string
	// KnownAttributes, if set, restricts SOAPGenericSetProperties to these
	// references; others are reported in the failed list (§12 F6).
	KnownAttributes []string
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Server is the fake. Create it with New; it is an http.Handler.
type Server struct {
	opts Options

	mu        sync.Mutex
	seq       int
	objects   map[string]*Object
	order     []string // creation order of object addresses
	workflows []Workflow
	faults    []*Fault
	outage    *Outage
	requests  map[string]int
	creates   int
	contents  int
	wfStarts  int
	lastUser  string
	lastPX    string
	lastGX    string
	akte      string
	vorgang   string
}

// Object is one stored Fabasoft object.
type Object struct {
	Address   string
	Class     string
	Name      string
	Container string
	Props     map[string]Value
	Content   []byte // content objects only
	Extension string // content objects only
	Children  []string
	CreatedAt time.Time
}

// Value is a typed property value; lists have several Values.
type Value struct {
	Type   string // STRING, DATE, …, STRINGLIST
	Values []string
}

// First returns the first value or "".
func (v Value) First() string {
	if len(v.Values) == 0 {
		return ""
	}
	return v.Values[0]
}

// Workflow records one SOAPStartWorkflow or SOAPInitializeWorkFlow call.
type Workflow struct {
	Operation   string // OpStartWorkflow or OpInitWorkflow
	Object      string
	Dept        string   // SOAPStartWorkflow
	ProcDefs    []string // SOAPInitializeWorkFlow
	ProcessInst string   // empty for SOAPInitializeWorkFlow
	ActInst     string
}

// New returns a fake holding one Sachakte with one Vorgang (see Vorgang).
func New(opts Options) *Server {
	if opts.Username == "" {
		opts.Username = "eingang"
	}
	if opts.Password == "" {
		opts.Password = "geheim"
	}
	if opts.MaxContentBytes <= 0 {
		opts.MaxContentBytes = 100 << 20
	}
	if opts.MaxChildren <= 0 {
		opts.MaxChildren = 1000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, objects: map[string]*Object{}, requests: map[string]int{}, seq: 1042400}
	s.akte = s.newObject(ClassSachakte, "", "Eingangsrechnungen 2026").Address
	s.vorgang = s.newObject(ClassVorgang, s.akte, "Rechnungseingang").Address
	return s
}

// Username and Password return the credentials the fake accepts.
func (s *Server) Username() string { return s.opts.Username }

// Password returns the accepted password.
func (s *Server) Password() string { return s.opts.Password }

// Akte returns the COO of the seeded Sachakte.
func (s *Server) Akte() string { return s.akte }

// Vorgang returns the COO of the seeded Vorgang, the container for Eingänge.
func (s *Server) Vorgang() string { return s.vorgang }

// AddVorgang creates another Vorgang in the seeded Akte.
func (s *Server) AddVorgang(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newObject(ClassVorgang, s.akte, name).Address
}

// newObject stores an object; the caller holds mu (or is New).
func (s *Server) newObject(class, container, name string) *Object {
	s.seq++
	o := &Object{
		Address:   fmt.Sprintf("COO.1.2301.1.%d", s.seq),
		Class:     class,
		Name:      name,
		Container: container,
		Props:     map[string]Value{},
		CreatedAt: s.opts.Now(),
	}
	s.objects[o.Address] = o
	s.order = append(s.order, o.Address)
	if p := s.objects[container]; p != nil {
		p.Children = append(p.Children, o.Address)
	}
	return o
}

// Object returns a copy of the object at addr.
func (s *Server) Object(addr string) (Object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[addr]
	if !ok {
		return Object{}, false
	}
	return o.clone(), true
}

func (o *Object) clone() Object {
	c := *o
	c.Props = make(map[string]Value, len(o.Props))
	for k, v := range o.Props {
		c.Props[k] = Value{Type: v.Type, Values: slices.Clone(v.Values)}
	}
	c.Children = slices.Clone(o.Children)
	c.Content = slices.Clone(o.Content)
	return c
}

// Document is a stored document with its content objects.
type Document struct {
	Object
	Contents []Object
}

// Documents returns every document (object in a Vorgang) in creation order.
func (s *Server) Documents() []Document {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Document
	for _, addr := range s.order {
		o := s.objects[addr]
		if p := s.objects[o.Container]; p == nil || p.Class != ClassVorgang {
			continue
		}
		d := Document{Object: o.clone()}
		for _, c := range o.Children {
			d.Contents = append(d.Contents, s.objects[c].clone())
		}
		out = append(out, d)
	}
	return out
}

// Workflows returns the recorded workflow calls.
func (s *Server) Workflows() []Workflow {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.workflows)
}

// Creates counts documents created with CreateObject (including those
// whose response was dropped by a fault).
func (s *Server) Creates() int { s.mu.Lock(); defer s.mu.Unlock(); return s.creates }

// ContentCreates counts content objects created.
func (s *Server) ContentCreates() int { s.mu.Lock(); defer s.mu.Unlock(); return s.contents }

// WorkflowStarts counts SOAPStartWorkflow and SOAPInitializeWorkFlow calls
// that took effect.
func (s *Server) WorkflowStarts() int { s.mu.Lock(); defer s.mu.Unlock(); return s.wfStarts }

// Requests counts requests received for op (before fault injection).
func (s *Server) Requests(op string) int { s.mu.Lock(); defer s.mu.Unlock(); return s.requests[op] }

// Impersonation returns the X-FSC-Authenticated-User header and the px and
// gx query parameters of the last request.
func (s *Server) Impersonation() (user, px, gx string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastUser, s.lastPX, s.lastGX
}

// ServeHTTP implements the endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != Path {
		http.NotFound(w, r)
		return
	}
	websvc := ""
	for k, v := range r.URL.Query() {
		if strings.EqualFold(k, "WEBSVC") && len(v) > 0 {
			websvc = v[0]
		}
	}
	if websvc != WebService {
		http.Error(w, "unknown web service definition", http.StatusNotFound)
		return
	}
	op := ""
	switch r.Method {
	case http.MethodGet:
		op = OpWSDL
	case http.MethodPost:
		op = strings.TrimPrefix(strings.Trim(r.Header.Get("SOAPAction"), `"`), actionPrefix)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}

	s.mu.Lock()
	s.requests[op]++
	s.lastUser = r.Header.Get("X-FSC-Authenticated-User")
	s.lastPX, s.lastGX = r.URL.Query().Get("px"), r.URL.Query().Get("gx")
	if s.outage != nil && !s.outage.Until.IsZero() && !s.opts.Now().Before(s.outage.Until) {
		s.outage = nil
	}
	outage := s.outage
	f := s.takeFault(op)
	s.mu.Unlock()

	if outage != nil {
		outage.apply(w)
		return
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Fabasoft"`)
		http.Error(w, "authentication required", http.StatusUnauthorized)
		return
	}
	var body []byte
	if r.Method == http.MethodPost {
		// Read the request before any injected delay, so that the server
		// notices a client that gives up (r.Context is cancelled only once
		// the body has been consumed).
		limit := 2*s.opts.MaxContentBytes + 1<<20
		var buf bytes.Buffer
		if r.ContentLength > 0 && r.ContentLength <= limit {
			buf.Grow(int(r.ContentLength) + 1)
		}
		_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
		body = buf.Bytes()
		if err != nil {
			http.Error(w, "request too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
	}
	if f != nil {
		if done := f.before(w, r); done {
			return
		}
	}
	if op == OpWSDL {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		io.WriteString(w, wsdlStub)
		return
	}
	status, out := s.handleSOAP(r, body, op)
	if f != nil && f.LoseResponse {
		// The work is done; the answer never arrives (§12 F9).
		panic(http.ErrAbortHandler)
	}
	if f != nil && f.DelayAfter > 0 {
		select {
		case <-time.After(f.DelayAfter):
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	w.Write(out)
}

func (s *Server) authorized(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	return ok && subtle.ConstantTimeCompare([]byte(u), []byte(s.opts.Username)) == 1 &&
		subtle.ConstantTimeCompare([]byte(p), []byte(s.opts.Password)) == 1
}

// wsdlStub stands in for the real WSDL, which is not reproduced here; it
// only carries the documented target namespace and operation names.
const wsdlStub = `<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" targetNamespace="` + nsWebService + `" name="FSCGOVXML_1_1001_DefaultWebServiceDefinition">
  <wsdl:documentation>eingang fabasoftfake: stub, not the product WSDL</wsdl:documentation>
  <wsdl:portType name="FSCGOVXML_1_1001_DefaultWebServiceDefinition">
    <wsdl:operation name="SOAPSearch"/>
    <wsdl:operation name="SOAPCreateObjecteGov"/>
    <wsdl:operation name="SOAPCreateContentObjectsAndConvert"/>
    <wsdl:operation name="SOAPGenericSetProperties"/>
    <wsdl:operation name="SOAPGenericGetProperties"/>
    <wsdl:operation name="SOAPInitializeWorkFlow"/>
    <wsdl:operation name="SOAPStartWorkflow"/>
  </wsdl:portType>
</wsdl:definitions>
`
