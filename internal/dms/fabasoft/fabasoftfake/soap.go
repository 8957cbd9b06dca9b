package fabasoftfake

import (
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// soapErr becomes a SOAP fault answer.
type soapErr struct {
	code, msg, ref string
}

func clientErr(ref, format string, args ...any) *soapErr {
	return &soapErr{code: "soapenv:Client", msg: fmt.Sprintf(format, args...), ref: ref}
}

func serverErr(ref, format string, args ...any) *soapErr {
	return &soapErr{code: "soapenv:Server", msg: fmt.Sprintf(format, args...), ref: ref}
}

// payload roots per operation (fabasoft-api.md §4.2).
var roots = map[string][2]string{
	OpSearch:        {nsSearch, "SOAPSearchRequest"},
	OpCreateObject:  {nsCreateObject, "CreateObjectRequest"},
	OpCreateContent: {nsCreateCont, "CreateContentObjectsAndConvertRequest"},
	OpSetProperties: {nsUniversal, "OBJECT"},
	OpGetProperties: {nsUniversal, "object"},
	OpStartWorkflow: {nsWorkflow, "SOAPStartWorkflowRequest"},
	OpInitWorkflow:  {nsWorkflow, "SOAPInitializeWorkFlowRequest"},
}

// handleSOAP parses and executes one POST and returns status and body.
func (s *Server) handleSOAP(r *http.Request, body []byte, op string) (int, []byte) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "text/xml" {
		// SOAP 1.2 (application/soap+xml) exists in the WSDL but the fake
		// only speaks the SOAP 1.1 binding.
		return http.StatusUnsupportedMediaType, []byte("SOAP 1.1 requires Content-Type text/xml\n")
	}
	env, err := parseDOM(body)
	if err != nil {
		return fault(clientErr(RefBadRequest, "XML parse error: %v", err))
	}
	if env.Name.Space != nsSOAPEnv || env.Name.Local != "Envelope" {
		return fault(&soapErr{code: "soapenv:VersionMismatch", msg: "expected a SOAP 1.1 Envelope", ref: RefBadRequest})
	}
	b := env.child(nsSOAPEnv, "Body")
	if b == nil || len(b.Children) != 1 {
		return fault(clientErr(RefBadRequest, "SOAP Body must hold exactly one element"))
	}
	p := b.Children[0]
	if op == "" { // no SOAPAction: dispatch on the body's root QName
		for k, v := range roots {
			if p.Name.Space == v[0] && p.Name.Local == v[1] {
				op = k
			}
		}
	}
	want, ok := roots[op]
	if !ok {
		return fault(clientErr(RefBadRequest, "unknown SOAPAction %q", op))
	}
	if p.Name.Space != want[0] || p.Name.Local != want[1] {
		return fault(clientErr(RefBadRequest, "SOAPAction %s expects {%s}%s, got {%s}%s", op, want[0], want[1], p.Name.Space, p.Name.Local))
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var out []byte
	var serr *soapErr
	switch op {
	case OpSearch:
		out, serr = s.search(p)
	case OpCreateObject:
		out, serr = s.createObject(p)
	case OpCreateContent:
		out, serr = s.createContent(p)
	case OpSetProperties:
		out, serr = s.setProperties(p)
	case OpGetProperties:
		out, serr = s.getProperties(p)
	case OpStartWorkflow:
		out, serr = s.startWorkflow(p)
	case OpInitWorkflow:
		out, serr = s.initWorkflow(p)
	}
	if serr != nil {
		return fault(serr)
	}
	return http.StatusOK, out
}

func fault(e *soapErr) (int, []byte) {
	return http.StatusInternalServerError, faultBody(e.code, e.msg, e.ref)
}

func notFound(addr string) *soapErr {
	return serverErr(RefNotFound, "Object %s not found", addr)
}

var cooRE = regexp.MustCompile(`^COO\.\d+\.\d+\.\d+\.\d+$`)

func isDocumentClass(c string) bool {
	return c == ClassIncoming || c == ClassOutgoing || c == ClassInternal
}

// --- SOAPSearch ---

var (
	queryRE = regexp.MustCompile(`(?is)^\s*(NOCHECK\s+)?(?:LIMIT\s+(\d+)\s+)?SELECT\s+(.+?)\s+FROM\s+(\S+)(?:\s+WHERE\s+(.+?))?\s*$`)
	condRE  = regexp.MustCompile(`(?is)^\.(\S+?)\s*=\s*(?:"([^"]*)"|'([^']*)')\s*(?:AND\s+|$)`)
)

type cond struct{ ref, val string }

// parseQuery understands the subset of the Fabasoft query language that
// fabasoft-api.md §4.5 documents: NOCHECK, LIMIT n, SELECT … FROM <class>
// WHERE .<ref> = "v" [AND …]. SCOPE, OR and dotted paths are refused.
func parseQuery(q string) (class string, conds []cond, limit int, err error) {
	m := queryRE.FindStringSubmatch(q)
	if m == nil {
		return "", nil, 0, errors.New("query syntax not supported by the fake")
	}
	limit = 1000 // search results are capped at 1000 (§1)
	if m[2] != "" {
		n, err := strconv.Atoi(m[2])
		if err != nil || n <= 0 {
			return "", nil, 0, errors.New("bad LIMIT")
		}
		limit = min(n, 1000)
	}
	class = m[4]
	rest := strings.TrimSpace(m[5])
	for rest != "" {
		cm := condRE.FindStringSubmatch(rest)
		if cm == nil {
			return "", nil, 0, fmt.Errorf("cannot parse condition near %q", truncate(rest, 40))
		}
		val := cm[2]
		if cm[3] != "" {
			val = cm[3]
		}
		conds = append(conds, cond{ref: cm[1], val: val})
		rest = strings.TrimSpace(rest[len(cm[0]):])
	}
	return class, conds, limit, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (o *Object) get(ref string) []string {
	switch ref {
	case attrObjName:
		return []string{o.Name}
	case attrObjAddress:
		return []string{o.Address}
	}
	return o.Props[ref].Values
}

func (s *Server) search(p *node) ([]byte, *soapErr) {
	if err := p.checkNamespace(nsSearch); err != nil {
		return nil, clientErr(RefBadRequest, "%v", err)
	}
	q := p.childText(nsSearch, "query")
	if q == "" {
		return nil, clientErr(RefQuery, "query is required")
	}
	class, conds, limit, err := parseQuery(q)
	if err != nil {
		return nil, clientErr(RefQuery, "Invalid query: %v", err)
	}
	var attrs []string
	if al := p.child(nsSearch, "attrlist"); al != nil {
		for _, a := range al.all(nsSearch, "attr") {
			attrs = append(attrs, strings.TrimSpace(a.Text))
		}
	}
	w := newEnvelope()
	w.WriteString(`<s:SOAPSearchResponse xmlns:s="` + nsSearch + `"><s:queryresult>`)
	n := 0
	for _, addr := range s.order {
		o := s.objects[addr]
		if o.Class != class || !matches(o, conds) {
			continue
		}
		if n++; n > limit {
			break
		}
		w.WriteString(`<s:object>`)
		w.elem("s", "objname", o.Name)
		w.elem("s", "objaddress", o.Address)
		// Only attributes named in attrlist come back (§4.5).
		w.WriteString(`<s:attrlist>`)
		for _, a := range attrs {
			if a == attrObjName || a == attrObjAddress {
				continue
			}
			v, ok := o.Props[a]
			if !ok {
				continue
			}
			writeValue(w, "s", a, v)
		}
		w.WriteString(`</s:attrlist></s:object>`)
	}
	w.WriteString(`</s:queryresult></s:SOAPSearchResponse>`)
	return w.finish(), nil
}

func matches(o *Object, conds []cond) bool {
	for _, c := range conds {
		if !slices.Contains(o.get(c.ref), c.val) {
			return false
		}
	}
	return true
}

// writeValue writes a typed value element with the qualified reference
// attribute; list types hold one item element per value.
func writeValue(w *writer, prefix, ref string, v Value) {
	w.WriteString(`<` + prefix + `:` + v.Type + ` ` + prefix + `:reference=`)
	w.attrValue(ref)
	w.WriteString(`>`)
	if item, ok := strings.CutSuffix(v.Type, "LIST"); ok {
		for _, x := range v.Values {
			w.elem(prefix, item, x)
		}
	} else {
		w.text(v.First())
	}
	w.WriteString(`</` + prefix + `:` + v.Type + `>`)
}

// --- SOAPCreateObjecteGov ---

func (s *Server) createObject(p *node) ([]byte, *soapErr) {
	if err := p.checkNamespace(nsCreateObject, "data"); err != nil {
		return nil, clientErr(RefBadRequest, "%v", err)
	}
	if err := p.checkSequence([]string{"objclass", "context", "container", "name", "data"}); err != nil {
		return nil, clientErr(RefBadRequest, "%v", err)
	}
	class := p.childText(nsCreateObject, "objclass")
	if class == "" {
		return nil, clientErr(RefBadRequest, "objclass is required")
	}
	contAddr := p.childText(nsCreateObject, "container")
	if contAddr == "" {
		return nil, clientErr(RefBadRequest, "the fake requires a container")
	}
	cont, ok := s.objects[contAddr]
	if !ok {
		return nil, notFound(contAddr)
	}
	// Levels cannot be skipped: documents live in a Vorgang (§1).
	if !isDocumentClass(class) {
		return nil, serverErr(RefWrongClass, "Object class %s cannot be created here", class)
	}
	if cont.Class != ClassVorgang {
		return nil, serverErr(RefWrongClass, "%s (%s) cannot hold documents", contAddr, cont.Class)
	}
	if len(cont.Children) >= s.opts.MaxChildren {
		return nil, serverErr(RefTooMany, "%s already holds %d objects", contAddr, len(cont.Children))
	}
	name := p.childText(nsCreateObject, "name")
	if name == "" {
		name = "Eingang"
	}
	o := s.newObject(class, contAddr, name)
	s.creates++
	w := newEnvelope()
	// Default namespace, as in the documented response.
	w.WriteString(`<CreateObjectResponse xmlns="` + nsCreateObject + `">`)
	w.elem("", "objaddress", o.Address)
	w.elem("", "objname", o.Name)
	w.WriteString(`</CreateObjectResponse>`)
	return w.finish(), nil
}

// --- SOAPCreateContentObjectsAndConvert ---

func (s *Server) createContent(p *node) ([]byte, *soapErr) {
	if err := p.checkNamespace(nsCreateCont, "data"); err != nil {
		return nil, clientErr(RefBadRequest, "%v", err)
	}
	if err := p.checkSequence([]string{"contentobj"}, "contentobj"); err != nil {
		return nil, clientErr(RefBadRequest, "%v", err)
	}
	if len(p.Children) == 0 {
		return nil, clientErr(RefBadRequest, "at least one contentobj is required")
	}
	type item struct {
		class, container, name, ext string
		content                     []byte
	}
	var items []item
	added := map[string]int{}
	// Validate everything first so a refused call changes nothing.
	for _, c := range p.Children {
		if err := c.checkSequence([]string{"objclass", "context", "container", "contname", "contextension", "content", "finalform", "data"}); err != nil {
			return nil, clientErr(RefBadRequest, "%v", err)
		}
		it := item{
			class:     c.childText(nsCreateCont, "objclass"),
			container: c.childText(nsCreateCont, "container"),
			name:      c.childText(nsCreateCont, "contname"),
			ext:       c.childText(nsCreateCont, "contextension"),
		}
		if it.class == "" || it.container == "" {
			return nil, clientErr(RefBadRequest, "contentobj needs objclass and container")
		}
		cont, ok := s.objects[it.container]
		if !ok {
			return nil, notFound(it.container)
		}
		// No Schriftstück directly in a Vorgang (§1).
		if !isDocumentClass(cont.Class) {
			return nil, serverErr(RefWrongClass, "%s (%s) cannot hold content objects", it.container, cont.Class)
		}
		if len(cont.Children)+added[it.container] >= s.opts.MaxChildren {
			return nil, serverErr(RefTooMany, "%s already holds %d objects", it.container, len(cont.Children))
		}
		added[it.container]++
		raw := c.childText(nsCreateCont, "content")
		if strings.ContainsAny(raw, " \t\r\n") {
			raw = strings.Map(dropSpace, raw)
		}
		if int64(base64.StdEncoding.DecodedLen(len(raw))) > s.opts.MaxContentBytes+2 {
			return nil, serverErr(RefTooLarge, "Content exceeds the maximum size of %d bytes", s.opts.MaxContentBytes)
		}
		data, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			return nil, clientErr(RefBadRequest, "content is not base64: %v", err)
		}
		if int64(len(data)) > s.opts.MaxContentBytes {
			return nil, serverErr(RefTooLarge, "Content exceeds the maximum size of %d bytes", s.opts.MaxContentBytes)
		}
		it.content = data
		if it.name == "" {
			it.name = "Schriftstück"
		}
		items = append(items, it)
	}
	w := newEnvelope()
	w.WriteString(`<c:CreateContentObjectsAndConvertResponse xmlns:c="` + nsCreateCont + `">`)
	for _, it := range items {
		o := s.newObject(it.class, it.container, it.name)
		o.Content, o.Extension = it.content, it.ext
		s.contents++
		w.WriteString(`<c:contentobj>`)
		w.elem("c", "objaddress", o.Address)
		w.elem("c", "objname", o.Name)
		w.elem("c", "converted", "false")
		w.WriteString(`</c:contentobj>`)
	}
	w.WriteString(`</c:CreateContentObjectsAndConvertResponse>`)
	return w.finish(), nil
}

func dropSpace(r rune) rune {
	switch r {
	case ' ', '\t', '\r', '\n':
		return -1
	}
	return r
}

// --- SOAPGenericSetProperties / SOAPGenericGetProperties ---

var scalarTypes = []string{"BOOLEAN", "STRING", "FLOAT", "INTEGER", "CONTENT", "OBJECT", "DATETIME", "DATE", "ENUM"}

func (s *Server) setProperties(p *node) ([]byte, *soapErr) {
	if err := p.checkNamespace(nsUniversal); err != nil {
		return nil, clientErr(RefBadRequest, "%v", err)
	}
	addr, found, qualified := p.attr(nsUniversal, "objaddress")
	if found && !qualified {
		return nil, clientErr(RefBadRequest, "attribute objaddress must be namespace-qualified (u:objaddress)")
	}
	o, ok := s.objects[addr]
	if !ok {
		return nil, notFound(addr)
	}
	type change struct {
		ref   string
		val   Value
		clear bool
	}
	var changes []change
	var failed []string
	for _, c := range p.Children {
		typ := c.Name.Local
		item, isList := strings.CutSuffix(typ, "LIST")
		if !slices.Contains(scalarTypes, item) {
			return nil, clientErr(RefBadRequest, "unknown value element %s", typ)
		}
		ref, found, qualified := c.attr(nsUniversal, "reference")
		if !found || ref == "" {
			return nil, clientErr(RefBadRequest, "%s without reference", typ)
		}
		if !qualified {
			return nil, clientErr(RefBadRequest, "attribute reference must be namespace-qualified (u:reference)")
		}
		if clr, _, _ := c.attr(nsUniversal, "clear"); clr == "true" || clr == "1" {
			changes = append(changes, change{ref: ref, clear: true})
			continue
		}
		v := Value{Type: typ}
		if isList {
			for _, x := range c.Children {
				if x.Name.Local != item {
					return nil, clientErr(RefBadRequest, "%s holds %s", typ, x.Name.Local)
				}
				v.Values = append(v.Values, strings.TrimSpace(x.Text))
			}
		} else {
			v.Values = []string{strings.TrimSpace(c.Text)}
		}
		for _, x := range v.Values {
			if err := s.checkValue(item, x); err != nil {
				return nil, serverErr(RefInvalidValue, "Invalid value %q for attribute %s: %v", truncate(x, 80), ref, err)
			}
		}
		if s.opts.KnownAttributes != nil && ref != attrObjName && !slices.Contains(s.opts.KnownAttributes, ref) {
			failed = append(failed, ref)
			continue
		}
		changes = append(changes, change{ref: ref, val: v})
	}
	for _, ch := range changes {
		switch {
		case ch.ref == attrObjName && !ch.clear:
			o.Name = ch.val.First()
		case ch.clear:
			delete(o.Props, ch.ref)
		default:
			o.Props[ch.ref] = ch.val
		}
	}
	w := newEnvelope()
	w.WriteString(`<u:response xmlns:u="` + nsUniversal + `">`)
	w.elem("u", "object", o.Address)
	w.WriteString(`<u:result/>`)
	if len(failed) > 0 {
		w.WriteString(`<u:failed>`)
		for _, f := range failed {
			w.elem("u", "attr", f)
		}
		w.WriteString(`</u:failed>`)
	}
	w.WriteString(`</u:response>`)
	return w.finish(), nil
}

func (s *Server) checkValue(typ, v string) error {
	var err error
	switch typ {
	case "BOOLEAN":
		_, err = strconv.ParseBool(v)
	case "INTEGER", "ENUM":
		_, err = strconv.ParseInt(v, 10, 64)
	case "FLOAT":
		_, err = strconv.ParseFloat(v, 64)
	case "DATE":
		_, err = time.Parse(time.DateOnly, v)
	case "DATETIME":
		_, err = time.Parse(time.RFC3339, v)
	case "CONTENT":
		_, err = base64.StdEncoding.DecodeString(strings.Map(dropSpace, v))
	case "OBJECT":
		if _, ok := s.objects[v]; !ok {
			err = errors.New("no such object")
		}
	}
	if err != nil {
		return fmt.Errorf("not a valid %s", typ)
	}
	return nil
}

func (s *Server) getProperties(p *node) ([]byte, *soapErr) {
	if err := p.checkNamespace(nsUniversal); err != nil {
		return nil, clientErr(RefBadRequest, "%v", err)
	}
	addr := p.childText(nsUniversal, "objaddress")
	o, ok := s.objects[addr]
	if !ok {
		return nil, notFound(addr)
	}
	w := newEnvelope()
	w.WriteString(`<u:OBJECT xmlns:u="` + nsUniversal + `" u:objaddress=`)
	w.attrValue(o.Address)
	w.WriteString(`>`)
	if al := p.child(nsUniversal, "attrlist"); al != nil {
		for _, a := range al.all(nsUniversal, "attr") {
			ref := strings.TrimSpace(a.Text)
			switch ref {
			case attrObjName, attrObjAddress:
				writeValue(w, "u", ref, Value{Type: "STRING", Values: o.get(ref)})
			default:
				if v, ok := o.Props[ref]; ok {
					writeValue(w, "u", ref, v)
				}
			}
		}
	}
	w.WriteString(`</u:OBJECT>`)
	return w.finish(), nil
}

// --- workflow ---

func (s *Server) startWorkflow(p *node) ([]byte, *soapErr) {
	if err := p.checkNamespace(nsWorkflow); err != nil {
		return nil, clientErr(RefBadRequest, "%v", err)
	}
	addr := p.childText(nsWorkflow, "objaddress")
	dept := p.childText(nsWorkflow, "dept")
	if addr == "" || dept == "" {
		return nil, clientErr(RefBadRequest, "objaddress and dept are required")
	}
	o, ok := s.objects[addr]
	if !ok {
		return nil, notFound(addr)
	}
	if len(s.opts.Depts) > 0 && !slices.Contains(s.opts.Depts, dept) {
		return nil, serverErr(RefNotFound, "Fachanwendungsbereich %s not found", dept)
	}
	pi := s.newObject(ClassProcInst, "", "Rechnungsworkflow "+o.Name)
	ai := s.newObject(ClassActInst, "", "Rechnung prüfen")
	s.workflows = append(s.workflows, Workflow{Operation: OpStartWorkflow, Object: addr, Dept: dept, ProcessInst: pi.Address, ActInst: ai.Address})
	s.wfStarts++
	w := newEnvelope()
	w.WriteString(`<w:SOAPStartWorkflowResponse xmlns:w="` + nsWorkflow + `"><w:newprocinst>`)
	w.elem("w", "objname", pi.Name)
	w.elem("w", "objaddress", pi.Address)
	w.WriteString(`</w:newprocinst><w:newactinst>`)
	w.elem("w", "objname", ai.Name)
	w.elem("w", "objaddress", ai.Address)
	w.WriteString(`</w:newactinst></w:SOAPStartWorkflowResponse>`)
	return w.finish(), nil
}

// idRef accepts obj-id{id-ref} (the documented type) and a bare obj-id
// text (as in the documented example).
func idRef(n *node) string {
	if r := n.childText(nsWorkflow, "id-ref"); r != "" {
		return r
	}
	return strings.TrimSpace(n.Text)
}

func (s *Server) initWorkflow(p *node) ([]byte, *soapErr) {
	if err := p.checkNamespace(nsWorkflow); err != nil {
		return nil, clientErr(RefBadRequest, "%v", err)
	}
	oid := p.child(nsWorkflow, "obj-id")
	pd := p.child(nsWorkflow, "procdef-ids")
	if oid == nil || pd == nil {
		return nil, clientErr(RefBadRequest, "obj-id and procdef-ids are required")
	}
	addr := idRef(oid)
	if _, ok := s.objects[addr]; !ok {
		return nil, notFound(addr)
	}
	var defs []string
	for _, d := range pd.all(nsWorkflow, "obj-id") {
		r := idRef(d)
		if !cooRE.MatchString(r) {
			return nil, clientErr(RefBadRequest, "procdef %q is not a COO address", r)
		}
		defs = append(defs, r)
	}
	if len(defs) == 0 {
		return nil, clientErr(RefBadRequest, "procdef-ids needs at least one obj-id")
	}
	s.workflows = append(s.workflows, Workflow{Operation: OpInitWorkflow, Object: addr, ProcDefs: defs})
	s.wfStarts++
	w := newEnvelope()
	w.WriteString(`<w:BAIWFNoResponse xmlns:w="` + nsWorkflow + `"/>`)
	return w.finish(), nil
}
