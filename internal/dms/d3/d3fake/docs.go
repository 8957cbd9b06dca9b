package d3fake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

func (s *Server) firstChunk(w http.ResponseWriter, r *http.Request) {
	if !s.octetStream(w, r) {
		return
	}
	b, ok := s.readBlob(w, r, 0)
	if !ok {
		return
	}
	id := s.opts.Now().Format("2006-01-02") + "_temp_master_file_eingang_" + randHex(8)
	s.mu.Lock()
	s.blobs[id] = b
	s.mu.Unlock()
	w.Header().Set("Location", "/dms/r/"+s.opts.Repo+"/blob/chunk/"+id)
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) nextChunk(w http.ResponseWriter, r *http.Request) {
	if !s.octetStream(w, r) {
		return
	}
	id := r.PathValue("blob")
	s.mu.Lock()
	have, ok := s.blobs[id]
	s.mu.Unlock()
	if !ok {
		reason(w, http.StatusNotFound, "Die temporäre Datei %s wurde nicht gefunden.", id)
		return
	}
	b, ok := s.readBlob(w, r, int64(len(have)))
	if !ok {
		return
	}
	s.mu.Lock()
	s.blobs[id] = append(s.blobs[id], b...)
	s.mu.Unlock()
	// Follow-up chunks answer without Location (F11).
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) octetStream(w http.ResponseWriter, r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/octet-stream" {
		reason(w, http.StatusUnsupportedMediaType, "Content-Type application/octet-stream erwartet.")
		return false
	}
	return true
}

func (s *Server) readBlob(w http.ResponseWriter, r *http.Request, have int64) ([]byte, bool) {
	limit := s.opts.MaxBlob - have
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max(limit, 0)))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			reason(w, http.StatusRequestEntityTooLarge, "Die Datei ist zu groß.")
		} else {
			reason(w, http.StatusBadRequest, "Upload abgebrochen: %v", err)
		}
		return nil, false
	}
	return b, true
}

// body is an o2m create or update body; field names are matched
// case-insensitively because clients send both filename and fileName (§4.2).
type body struct {
	fields map[string]json.RawMessage
}

func parseBody(r *http.Request) (body, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(io.LimitReader(r.Body, 4<<20))
	if err := dec.Decode(&raw); err != nil {
		return body{}, fmt.Errorf("Der Inhalt der Anfrage ist kein gültiges JSON: %v", err)
	}
	b := body{fields: map[string]json.RawMessage{}}
	for k, v := range raw {
		b.fields[strings.ToLower(k)] = v
	}
	return b, nil
}

func (b body) str(name string) (string, bool, error) {
	v, ok := b.fields[strings.ToLower(name)]
	if !ok || string(v) == "null" {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", true, fmt.Errorf("Das Feld %s muss eine Zeichenkette sein.", name)
	}
	return s, true, nil
}

// properties parses sourceProperties.properties[] {key, values[]} and
// checks keys and types against the source.
func (s *Server) properties(b body) (map[string][]string, error) {
	v, ok := b.fields["sourceproperties"]
	if !ok {
		return map[string][]string{}, nil
	}
	var sp struct {
		Properties []struct {
			Key    string          `json:"key"`
			Values json.RawMessage `json:"values"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(v, &sp); err != nil {
		return nil, fmt.Errorf("sourceProperties.properties muss eine Liste von {key, values} sein.")
	}
	out := map[string][]string{}
	for _, p := range sp.Properties {
		def, known := s.opts.Properties[p.Key]
		if !known {
			return nil, fmt.Errorf("Die Eigenschaft %q ist in der Quelle %s nicht bekannt.", p.Key, s.SourceID())
		}
		var vals []string
		if err := json.Unmarshal(p.Values, &vals); err != nil || !bytes.HasPrefix(bytes.TrimSpace(p.Values), []byte("[")) {
			return nil, fmt.Errorf("Die Werte der Eigenschaft %q müssen als Liste übergeben werden.", p.Key)
		}
		for _, val := range vals {
			if err := checkType(def.Type, val); err != nil {
				return nil, fmt.Errorf("Ungültiger Wert für Eigenschaft %q (%s): %v", p.Key, def.DisplayName, err)
			}
		}
		out[p.Key] = vals
	}
	return out, nil
}

var (
	numberRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
	dateRE   = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// checkType applies the documented value formats (§4.2): numbers and money
// without thousands separator with "." as the decimal point, dates
// YYYY-MM-DD.
func checkType(typ, v string) error {
	switch typ {
	case "Number", "Money":
		if !numberRE.MatchString(v) {
			return fmt.Errorf("%q ist keine Zahl im Format 1234.56", v)
		}
	case "Date":
		if _, err := time.Parse("2006-01-02", v); err != nil || !dateRE.MatchString(v) {
			return fmt.Errorf("%q ist kein Datum im Format JJJJ-MM-TT", v)
		}
	}
	return nil
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	b, err := parseBody(r)
	if err != nil {
		reason(w, http.StatusBadRequest, "%v", err)
		return
	}
	fail := func(format string, a ...any) { reason(w, http.StatusBadRequest, format, a...) }
	src, _, err := b.str("sourceId")
	if err != nil {
		fail("%v", err)
		return
	}
	if src != s.SourceID() {
		fail("Die Quelle %q ist nicht bekannt.", src)
		return
	}
	cat, _, err := b.str("sourceCategory")
	if err != nil {
		fail("%v", err)
		return
	}
	def, ok := s.opts.Categories[cat]
	if !ok {
		fail("Die Kategorie %q ist in der Quelle nicht bekannt.", cat)
		return
	}
	filename, hasName, err := b.str("filename")
	if err != nil || !hasName || filename == "" {
		fail("Für ein Dokument muss ein Dateiname (filename) angegeben werden.")
		return
	}
	loc, _, err := b.str("contentLocationUri")
	if err != nil || loc == "" {
		fail("contentLocationUri fehlt.")
		return
	}
	parent, _, err := b.str("parentId")
	if err != nil {
		fail("%v", err)
		return
	}
	props, err := s.properties(b)
	if err != nil {
		fail("%v", err)
		return
	}
	for _, m := range def.Mandatory {
		if vs := props[m]; len(vs) == 0 || vs[0] == "" {
			fail("Die Pflichteigenschaft %q (%s) fehlt.", m, s.opts.Properties[m].DisplayName)
			return
		}
	}
	blobID := strings.TrimPrefix(pathOf(loc), "/dms/r/"+s.opts.Repo+"/blob/chunk/")
	s.mu.Lock()
	defer s.mu.Unlock()
	content, ok := s.blobs[blobID]
	if !ok {
		fail("Die Datei unter contentLocationUri %q wurde nicht gefunden.", loc)
		return
	}
	if parent != "" {
		if _, ok := s.docs[parent]; !ok {
			fail("Die übergeordnete Akte %q wurde nicht gefunden.", parent)
			return
		}
	}
	delete(s.blobs, blobID)
	s.nextID++
	id := fmt.Sprintf("D%09d", s.nextID)
	s.docs[id] = &Document{ID: id, Category: cat, Filename: filename, ParentID: parent, Content: content,
		Properties: props, Version: 1, Created: s.opts.Now()}
	s.creates++
	w.Header().Set("Location", "/dms/r/"+s.opts.Repo+"/o2m/"+id+"?sourceid="+url.QueryEscape(s.SourceID()))
	w.WriteHeader(http.StatusCreated)
}

func pathOf(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Path
	}
	return u
}

// docJSON renders the mapped view (§6). Multi-value properties carry a
// values object keyed by row number.
func (s *Server) docJSON(d *Document, full bool) map[string]any {
	p := "/dms/r/" + s.opts.Repo
	links := map[string]any{
		"self":              link(p + "/o2m/" + d.ID),
		"mainblobcontent":   link(p + "/o2/" + d.ID + "/v/current/b/main/c"),
		"children":          link(p + "/srm/?children_of=" + d.ID),
		"versions":          link(p + "/o2m/" + d.ID + "/v/"),
		"update":            link(p + "/o2m/" + d.ID),
		"updateWithContent": link(p + "/o2m/" + d.ID),
		"deleteWithReason":  link(p + "/o2/" + d.ID),
	}
	out := map[string]any{"id": d.ID, "_links": links}
	if !full {
		return out
	}
	var props []map[string]any
	for _, k := range sortedKeys(d.Properties) {
		vs := d.Properties[k]
		if len(vs) == 0 {
			continue
		}
		e := map[string]any{"key": k, "value": vs[0], "displayValue": vs[0], "isMultiValue": len(vs) > 1}
		if len(vs) > 1 {
			rows := map[string]string{}
			for i, v := range vs {
				rows[strconv.Itoa(i+1)] = v
			}
			e["values"] = rows
		}
		props = append(props, e)
	}
	props = append(props,
		map[string]any{"key": "property_filename", "value": d.Filename},
		map[string]any{"key": "property_last_modified_date", "value": d.Created.Format("2006-01-02T15:04:05.000-07:00")})
	out["sourceProperties"] = props
	out["sourceCategories"] = []string{d.Category}
	return out
}

// lookupDoc finds a document or answers 404 {"reason"} (F9).
func (s *Server) lookupDoc(w http.ResponseWriter, id string) (*Document, bool) {
	d, ok := s.docs[id]
	if !ok {
		reason(w, http.StatusNotFound, "Das Dokument %s wurde nicht gefunden.", id)
	}
	return d, ok
}

func (s *Server) read(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.lookupDoc(w, r.PathValue("id"))
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.docJSON(d, queryGet(r.URL.Query(), "sourceid") != ""))
}

func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	b, err := parseBody(r)
	if err != nil {
		reason(w, http.StatusBadRequest, "%v", err)
		return
	}
	if src, _, _ := b.str("sourceId"); src != s.SourceID() {
		reason(w, http.StatusBadRequest, "Die Quelle %q ist nicht bekannt.", src)
		return
	}
	props, err := s.properties(b)
	if err != nil {
		reason(w, http.StatusBadRequest, "%v", err)
		return
	}
	cat, hasCat, _ := b.str("sourceCategory")
	if hasCat {
		if _, ok := s.opts.Categories[cat]; !ok {
			reason(w, http.StatusBadRequest, "Die Kategorie %q ist in der Quelle nicht bekannt.", cat)
			return
		}
	}
	loc, hasLoc, _ := b.str("contentLocationUri")
	filename, hasName, _ := b.str("filename")
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.lookupDoc(w, r.PathValue("id"))
	if !ok {
		return
	}
	if d.Locked {
		reason(w, http.StatusLocked, "Das Dokument %s ist gesperrt.", d.ID)
		return
	}
	if hasLoc {
		blobID := strings.TrimPrefix(pathOf(loc), "/dms/r/"+s.opts.Repo+"/blob/chunk/")
		content, ok := s.blobs[blobID]
		if !ok {
			reason(w, http.StatusBadRequest, "Die Datei unter contentLocationUri %q wurde nicht gefunden.", loc)
			return
		}
		delete(s.blobs, blobID)
		d.Content = content
		d.Version++
		if hasName && filename != "" {
			d.Filename = filename
		}
	}
	if hasCat {
		d.Category = cat
	}
	// Only the listed properties change (§7).
	for k, v := range props {
		d.Properties[k] = v
	}
	writeJSON(w, http.StatusOK, s.docJSON(d, true))
}

func (s *Server) content(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	d, ok := s.lookupDoc(w, r.PathValue("id"))
	var c []byte
	if ok {
		c = d.Content
	}
	s.mu.Unlock()
	if !ok {
		return
	}
	w.Header().Set("Content-Type", http.DetectContentType(c))
	w.Header().Set("Content-Length", strconv.Itoa(len(c)))
	_, _ = w.Write(c)
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	var v struct {
		Reason string `json:"reason"`
	}
	_ = json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&v)
	if strings.TrimSpace(v.Reason) == "" {
		reason(w, http.StatusBadRequest, "Sie müssen einen Grund für diesen Löschvorgang angeben. [0004002]")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.lookupDoc(w, r.PathValue("id"))
	if !ok {
		return
	}
	if d.Locked {
		reason(w, http.StatusLocked, "Das Dokument %s ist gesperrt.", d.ID)
		return
	}
	delete(s.docs, d.ID)
	w.WriteHeader(http.StatusNoContent)
}

// queryGet reads a query parameter case-insensitively (§5.1 [I]).
func queryGet(q url.Values, name string) string {
	for k, v := range q {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// search implements srm (§5): exact match per property key (any of the
// given values), category filter, paging; new documents appear only after
// SearchLag (F5).
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if src := queryGet(q, "sourceid"); src != s.SourceID() {
		reason(w, http.StatusBadRequest, "Die Quelle %q ist nicht bekannt.", src)
		return
	}
	var cats []string
	if v := queryGet(q, "sourcecategories"); v != "" {
		if err := json.Unmarshal([]byte(v), &cats); err != nil {
			reason(w, http.StatusBadRequest, "sourcecategories muss ein JSON-Array sein.")
			return
		}
	}
	var props map[string][]string
	if v := queryGet(q, "sourceproperties"); v != "" {
		if err := json.Unmarshal([]byte(v), &props); err != nil {
			reason(w, http.StatusBadRequest, "sourceproperties muss ein JSON-Objekt mit Wertelisten sein.")
			return
		}
		for k := range props {
			if _, ok := s.opts.Properties[k]; !ok {
				reason(w, http.StatusBadRequest, "Die Eigenschaft %q ist in der Quelle nicht bekannt.", k)
				return
			}
		}
	}
	page, pageSize := 1, 25
	if v := queryGet(q, "page"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 && n <= 1_000_000 {
			page = n
		}
	}
	if v := queryGet(q, "pagesize"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 && n <= 1000 {
			pageSize = n
		}
	}
	parent := queryGet(q, "children_of")

	s.mu.Lock()
	now := s.opts.Now()
	var hits []*Document
	for _, d := range s.docs {
		if now.Before(d.Created.Add(s.opts.SearchLag)) {
			continue
		}
		if len(cats) > 0 && !contains(cats, d.Category) {
			continue
		}
		if parent != "" && d.ParentID != parent {
			continue
		}
		if !matches(d, props) {
			continue
		}
		hits = append(hits, d)
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].ID < hits[j].ID })
	from := min((page-1)*pageSize, len(hits))
	to := min(from+pageSize, len(hits))
	items := make([]map[string]any, 0, to-from)
	for _, d := range hits[from:to] {
		e := s.docJSON(d, true)
		e["_links"] = map[string]any{
			"self":            link("/dms/r/" + s.opts.Repo + "/o2m/" + d.ID + "?sourceid=" + url.QueryEscape(s.SourceID())),
			"mainblobcontent": link("/dms/r/" + s.opts.Repo + "/o2/" + d.ID + "/v/current/b/main/c"),
		}
		items = append(items, e)
	}
	s.mu.Unlock()

	self := func(p int) map[string]any {
		qq := url.Values{}
		for k, v := range q {
			qq[strings.ToLower(k)] = v
		}
		qq.Set("page", strconv.Itoa(p))
		qq.Set("pagesize", strconv.Itoa(pageSize))
		return map[string]any{"href": "/dms/r/" + s.opts.Repo + "/srm/?" + qq.Encode()}
	}
	links := map[string]any{"self": self(page)}
	if to < len(hits) {
		links["next"] = self(page + 1)
	}
	if page > 1 {
		links["prev"] = self(page - 1)
	}
	writeJSON(w, http.StatusOK, map[string]any{"_links": links, "page": page, "items": items})
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func matches(d *Document, props map[string][]string) bool {
	for k, want := range props {
		if len(want) == 0 {
			continue
		}
		hit := false
		for _, have := range d.Properties[k] {
			if contains(want, have) {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	return true
}
