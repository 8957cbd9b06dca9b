package fabasoftfake

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// These tests drive the fake with the raw examples of fabasoft-api.md, not
// with the client, so the fake is checked against the document on its own.

const endpoint = Path + "?WEBSVC=" + WebService

func env(body string) string {
	return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>` +
		body + `</soapenv:Body></soapenv:Envelope>`
}

type call struct {
	action      string // suffix; "" sends no SOAPAction
	body        string
	noAuth      bool
	contentType string
	method      string
	url         string
}

func do(t *testing.T, srv *httptest.Server, c call) (int, http.Header, string) {
	t.Helper()
	if c.method == "" {
		c.method = http.MethodPost
	}
	if c.url == "" {
		c.url = endpoint
	}
	req, _ := http.NewRequest(c.method, srv.URL+c.url, strings.NewReader(c.body))
	if c.contentType == "" {
		c.contentType = "text/xml; charset=utf-8"
	}
	req.Header.Set("Content-Type", c.contentType)
	if c.action != "" {
		req.Header.Set("SOAPAction", actionPrefix+c.action)
	}
	if !c.noAuth {
		req.SetBasicAuth("eingang", "geheim")
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func newFake(t *testing.T, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	f := New(opts)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

// faultOf parses a fault answer with namespace-qualified matching.
func faultOf(t *testing.T, body string) (code, msg, ref string) {
	t.Helper()
	var e struct {
		Body struct {
			Fault *struct {
				Code   string `xml:"faultcode"`
				String string `xml:"faultstring"`
				Detail struct {
					Ref struct {
						XMLName xml.Name
						Text    string `xml:",chardata"`
					} `xml:"http://schemas.fabasoft.com/faultdetails ErrorReference"`
				} `xml:"detail"`
			} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Fault"`
		} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
	}
	if err := xml.Unmarshal([]byte(body), &e); err != nil || e.Body.Fault == nil {
		t.Fatalf("not a SOAP fault (%v): %s", err, body)
	}
	return e.Body.Fault.Code, e.Body.Fault.String, e.Body.Fault.Detail.Ref.Text
}

func TestDocumentedFlow(t *testing.T) {
	f, srv := newFake(t, Options{})

	// §4.3 step A, container replaced by the fake's Vorgang.
	status, _, body := do(t, srv, call{action: OpCreateObject, body: env(`<c:CreateObjectRequest xmlns:c="urn:schemas-editions-fabasoft-com:gov:createobject">
   <c:objclass>COOELAK@1.1001:Incoming</c:objclass>
   <c:container>` + f.Vorgang() + `</c:container>
   <c:name>Eingangsrechnung RE-2025-0042</c:name>
   <c:data/>
  </c:CreateObjectRequest>`)})
	if status != 200 {
		t.Fatalf("create: %d %s", status, body)
	}
	var cr struct {
		Body struct {
			R struct {
				Addr string `xml:"urn:schemas-editions-fabasoft-com:gov:createobject objaddress"`
				Name string `xml:"urn:schemas-editions-fabasoft-com:gov:createobject objname"`
			} `xml:"urn:schemas-editions-fabasoft-com:gov:createobject CreateObjectResponse"`
		} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
	}
	if err := xml.Unmarshal([]byte(body), &cr); err != nil || !cooRE.MatchString(cr.Body.R.Addr) || cr.Body.R.Name != "Eingangsrechnung RE-2025-0042" {
		t.Fatalf("create response %+v %v\n%s", cr, err, body)
	}
	doc := cr.Body.R.Addr

	// §4.3 step B.
	status, _, body = do(t, srv, call{action: OpCreateContent, body: env(`<c:CreateContentObjectsAndConvertRequest
    xmlns:c="urn:schemas-editions-fabasoft-com:gov:createcontentobjectsandconvert">
 <c:contentobj>
  <c:objclass>FSCACROBAT@1.1:PDFObject</c:objclass>
  <c:container>` + doc + `</c:container>
  <c:contname>RE-2025-0042</c:contname>
  <c:contextension>pdf</c:contextension>
  <c:content>JVBERi0xLjcK</c:content>
  <c:finalform>pdf</c:finalform>
 </c:contentobj>
</c:CreateContentObjectsAndConvertRequest>`)})
	if status != 200 || !strings.Contains(body, "<c:converted>") {
		t.Fatalf("content: %d %s", status, body)
	}

	// §4.4 set.
	status, _, body = do(t, srv, call{action: OpSetProperties, body: env(`<u:OBJECT xmlns:u="urn:schemas-fabasoft-com:universal" u:objaddress="` + doc + `">
  <u:STRING u:reference="COOELAK@1.1001:foreignnr">RE-2025-0042</u:STRING>
  <u:DATE u:reference="COOELAK@1.1001:delivery">2025-01-14</u:DATE>
  <u:STRINGLIST u:reference="COOELAK@1.1001:filesubj"><u:STRING>Rechnung Lieferant GmbH</u:STRING></u:STRINGLIST>
  <u:STRING u:reference="lhmdfvpublic@2150.8800:fhattr1">scan-7f3a</u:STRING>
</u:OBJECT>`)})
	if status != 200 || !strings.Contains(body, "<u:response") || strings.Contains(body, "<u:failed>") {
		t.Fatalf("set: %d %s", status, body)
	}

	// §4.5 search.
	status, _, body = do(t, srv, call{action: OpSearch, body: env(`<s:SOAPSearchRequest xmlns:s="urn:schemas-fabasoft-com:bai:search">
  <s:query>NOCHECK LIMIT 2 SELECT * FROM COOELAK@1.1001:Incoming WHERE .COOELAK@1.1001:foreignnr = "RE-2025-0042"</s:query>
  <s:attrlist><s:attr>COOSYSTEM@1.1:objname</s:attr><s:attr>COOELAK@1.1001:foreignnr</s:attr></s:attrlist>
</s:SOAPSearchRequest>`)})
	var sr struct {
		Body struct {
			R struct {
				Objects []struct {
					Name  string `xml:"urn:schemas-fabasoft-com:bai:search objname"`
					Addr  string `xml:"urn:schemas-fabasoft-com:bai:search objaddress"`
					Attrs []struct {
						XMLName xml.Name
						Ref     string `xml:"urn:schemas-fabasoft-com:bai:search reference,attr"`
						Text    string `xml:",chardata"`
					} `xml:"urn:schemas-fabasoft-com:bai:search attrlist>STRING"`
				} `xml:"urn:schemas-fabasoft-com:bai:search queryresult>object"`
			} `xml:"urn:schemas-fabasoft-com:bai:search SOAPSearchResponse"`
		} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
	}
	if err := xml.Unmarshal([]byte(body), &sr); err != nil || status != 200 {
		t.Fatalf("search: %d %v %s", status, err, body)
	}
	objs := sr.Body.R.Objects
	if len(objs) != 1 || objs[0].Addr != doc || len(objs[0].Attrs) != 1 ||
		objs[0].Attrs[0].Ref != "COOELAK@1.1001:foreignnr" || objs[0].Attrs[0].Text != "RE-2025-0042" {
		t.Fatalf("search result %+v\n%s", objs, body)
	}
	// Only attributes from attrlist come back (§4.5): delivery was not asked for.
	if strings.Contains(body, "delivery") {
		t.Error("search returned an attribute not in attrlist")
	}

	// §4.4 read.
	status, _, body = do(t, srv, call{action: OpGetProperties, body: env(`<u:object xmlns:u="urn:schemas-fabasoft-com:universal">
  <u:objaddress>` + doc + `</u:objaddress>
  <u:attrlist><u:attr>COOSYSTEM@1.1:objname</u:attr></u:attrlist>
</u:object>`)})
	if status != 200 || !strings.Contains(body, `<u:STRING u:reference="COOSYSTEM@1.1:objname">Eingangsrechnung RE-2025-0042</u:STRING>`) {
		t.Fatalf("get: %d %s", status, body)
	}

	// §4.6 initialize (documented example form, procdef as text).
	status, _, body = do(t, srv, call{action: OpInitWorkflow, body: env(`<w:SOAPInitializeWorkFlowRequest xmlns:w="urn:schemas-fabasoft-com:baiwf:control">
  <w:obj-id><w:id-ref>` + doc + `</w:id-ref></w:obj-id>
  <w:procdef-ids><w:obj-id>COO.1.1001.1.99999</w:obj-id></w:procdef-ids>
  <w:submit-deadline>2025-01-29T00:00:00Z</w:submit-deadline>
</w:SOAPInitializeWorkFlowRequest>`)})
	if status != 200 || !strings.Contains(body, "BAIWFNoResponse") {
		t.Fatalf("init workflow: %d %s", status, body)
	}
	status, _, body = do(t, srv, call{action: OpStartWorkflow, body: env(`<w:SOAPStartWorkflowRequest xmlns:w="urn:schemas-fabasoft-com:baiwf:control"><w:objaddress>` + doc + `</w:objaddress><w:dept>FSCBAI@1.1:Department</w:dept></w:SOAPStartWorkflowRequest>`)})
	if status != 200 || !strings.Contains(body, "<w:newprocinst>") {
		t.Fatalf("start workflow: %d %s", status, body)
	}

	docs := f.Documents()
	if len(docs) != 1 || string(docs[0].Contents[0].Content) != "%PDF-1.7\n" || docs[0].Props["COOELAK@1.1001:filesubj"].Values[0] != "Rechnung Lieferant GmbH" {
		t.Fatalf("stored %+v", docs)
	}
	if f.Creates() != 1 || f.ContentCreates() != 1 || f.WorkflowStarts() != 2 {
		t.Errorf("counters %d %d %d", f.Creates(), f.ContentCreates(), f.WorkflowStarts())
	}
	wfs := f.Workflows()
	if wfs[0].ProcDefs[0] != "COO.1.1001.1.99999" || wfs[1].Dept != "FSCBAI@1.1:Department" {
		t.Errorf("workflows %+v", wfs)
	}
}

func TestStrictness(t *testing.T) {
	f, srv := newFake(t, Options{})
	create := func(inner string) string {
		return env(`<c:CreateObjectRequest xmlns:c="urn:schemas-editions-fabasoft-com:gov:createobject">` + inner + `</c:CreateObjectRequest>`)
	}
	tests := []struct {
		name       string
		c          call
		wantStatus int
		wantInMsg  string
	}{
		{"unqualified reference attribute", call{action: OpSetProperties, body: env(`<u:OBJECT xmlns:u="urn:schemas-fabasoft-com:universal" u:objaddress="` + f.Vorgang() + `"><u:STRING reference="a@1.1:b">x</u:STRING></u:OBJECT>`)}, 500, "namespace-qualified"},
		{"unqualified objaddress attribute", call{action: OpSetProperties, body: env(`<u:OBJECT xmlns:u="urn:schemas-fabasoft-com:universal" objaddress="` + f.Vorgang() + `"/>`)}, 500, "namespace-qualified"},
		{"child in no namespace", call{action: OpCreateObject, body: env(`<c:CreateObjectRequest xmlns:c="urn:schemas-editions-fabasoft-com:gov:createobject"><objclass>COOELAK@1.1001:Incoming</objclass></c:CreateObjectRequest>`)}, 500, "must be in namespace"},
		{"out of sequence", call{action: OpCreateObject, body: create(`<c:name>x</c:name><c:objclass>COOELAK@1.1001:Incoming</c:objclass>`)}, 500, "out of sequence"},
		{"action and body differ", call{action: OpSearch, body: create(`<c:objclass>COOELAK@1.1001:Incoming</c:objclass>`)}, 500, "expects"},
		{"unknown action", call{action: "FSCBAI_1_1001_SOAPNope", body: create(``)}, 500, "unknown SOAPAction"},
		{"SOAP 1.2 envelope", call{action: OpSearch, body: `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body/></env:Envelope>`}, 500, "SOAP 1.1"},
		{"DTD", call{action: OpSearch, body: `<!DOCTYPE x [<!ENTITY a "b">]>` + env(``)}, 500, "DTD"},
		{"content directly in Vorgang", call{action: OpCreateContent, body: env(`<c:CreateContentObjectsAndConvertRequest xmlns:c="urn:schemas-editions-fabasoft-com:gov:createcontentobjectsandconvert"><c:contentobj><c:objclass>FSCACROBAT@1.1:PDFObject</c:objclass><c:container>` + f.Vorgang() + `</c:container><c:content>!!</c:content></c:contentobj></c:CreateContentObjectsAndConvertRequest>`)}, 500, "cannot hold content objects"},
		{"unknown COO", call{action: OpCreateObject, body: create(`<c:objclass>COOELAK@1.1001:Incoming</c:objclass><c:container>COO.1.2301.1.9999999</c:container>`)}, 500, "Object COO.1.2301.1.9999999 not found"},
		{"wrong class", call{action: OpCreateObject, body: create(`<c:objclass>FSCACROBAT@1.1:PDFObject</c:objclass><c:container>` + f.Vorgang() + `</c:container>`)}, 500, "cannot be created here"},
		{"document in Akte", call{action: OpCreateObject, body: create(`<c:objclass>COOELAK@1.1001:Incoming</c:objclass><c:container>` + f.Akte() + `</c:container>`)}, 500, "cannot hold documents"},
		{"query with SCOPE", call{action: OpSearch, body: env(`<s:SOAPSearchRequest xmlns:s="urn:schemas-fabasoft-com:bai:search"><s:query>SELECT * FROM a@1.1:b SCOPE x</s:query></s:SOAPSearchRequest>`)}, 500, "Invalid query"},
		{"no auth", call{action: OpSearch, noAuth: true}, 401, ""},
		{"wrong media type", call{action: OpSearch, contentType: "application/soap+xml"}, 415, ""},
		{"wrong web service", call{action: OpSearch, url: Path + "?WEBSVC=LHMBAI_15_1700_GIWSD"}, 404, ""},
		{"wrong path", call{action: OpSearch, url: "/fsc/wsjson/x"}, 404, ""},
		{"PUT", call{method: http.MethodPut}, 405, ""},
		{"WSDL", call{method: http.MethodGet}, 200, ""},
		{"lower-case websvc key", call{method: http.MethodGet, url: Path + "?websvc=" + WebService}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := do(t, srv, tt.c)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", status, tt.wantStatus, body)
			}
			if status == 500 {
				code, msg, ref := faultOf(t, body)
				if !strings.Contains(msg, tt.wantInMsg) || code == "" || ref == "" {
					t.Errorf("fault %q %q %q, want message with %q", code, msg, ref, tt.wantInMsg)
				}
			}
			if status == 401 && h.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	if f.Creates() != 0 {
		t.Errorf("refused requests created %d objects", f.Creates())
	}
}

func TestNoSOAPActionDispatchesOnBody(t *testing.T) {
	f, srv := newFake(t, Options{})
	status, _, body := do(t, srv, call{body: env(`<c:CreateObjectRequest xmlns:c="urn:schemas-editions-fabasoft-com:gov:createobject"><c:objclass>COOELAK@1.1001:Incoming</c:objclass><c:container>` + f.Vorgang() + `</c:container></c:CreateObjectRequest>`)})
	if status != 200 || f.Creates() != 1 {
		t.Fatalf("%d %s", status, body)
	}
}

func TestModelLimits(t *testing.T) {
	f, srv := newFake(t, Options{MaxChildren: 2, MaxContentBytes: 4})
	mk := func() (int, string) {
		status, _, body := do(t, srv, call{action: OpCreateObject, body: env(`<c:CreateObjectRequest xmlns:c="urn:schemas-editions-fabasoft-com:gov:createobject"><c:objclass>COOELAK@1.1001:Incoming</c:objclass><c:container>` + f.Vorgang() + `</c:container></c:CreateObjectRequest>`)})
		return status, body
	}
	mk()
	mk()
	status, body := mk()
	if _, msg, ref := faultOf(t, body); status != 500 || ref != RefTooMany || !strings.Contains(msg, "already holds 2") {
		t.Errorf("third child: %d %s", status, body)
	}
	doc := f.Documents()[0].Address
	status, _, body = do(t, srv, call{action: OpCreateContent, body: env(`<c:CreateContentObjectsAndConvertRequest xmlns:c="urn:schemas-editions-fabasoft-com:gov:createcontentobjectsandconvert"><c:contentobj><c:objclass>FSCACROBAT@1.1:PDFObject</c:objclass><c:container>` + doc + `</c:container><c:content>JVBERi0xLjcK</c:content></c:contentobj></c:CreateContentObjectsAndConvertRequest>`)})
	if _, _, ref := faultOf(t, body); status != 500 || ref != RefTooLarge {
		t.Errorf("too large: %d %s", status, body)
	}
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		q     string
		class string
		conds []cond
		limit int
		bad   bool
	}{
		{q: `NOCHECK LIMIT 2 SELECT * FROM COOELAK@1.1001:Incoming WHERE .COOELAK@1.1001:foreignnr = "RE-2025-0042"`, class: "COOELAK@1.1001:Incoming", conds: []cond{{"COOELAK@1.1001:foreignnr", "RE-2025-0042"}}, limit: 2},
		{q: "\n  NOCHECK\n  SELECT *\n  FROM DEPRECONFIG@15.1001:Procedure \n  WHERE\n    .a@1.1:b = \"x AND y\"\n  AND\n    .c@1.1:d = 'z'\n", class: "DEPRECONFIG@15.1001:Procedure", conds: []cond{{"a@1.1:b", "x AND y"}, {"c@1.1:d", "z"}}, limit: 1000},
		{q: `LIMIT 1 SELECT objname FROM X@1.1:Y`, class: "X@1.1:Y", limit: 1},
		{q: `SELECT * FROM a@1.1:b WHERE .x@1.1:y = "1" OR .x@1.1:y = "2"`, bad: true},
		{q: `SELECT * FROM a@1.1:b WHERE .x@1.1:y > "1"`, bad: true},
		{q: `DELETE FROM a@1.1:b`, bad: true},
		{q: `LIMIT 0 SELECT * FROM a@1.1:b`, bad: true},
	}
	for _, tt := range tests {
		class, conds, limit, err := parseQuery(tt.q)
		if tt.bad {
			if err == nil {
				t.Errorf("%q accepted", tt.q)
			}
			continue
		}
		if err != nil || class != tt.class || limit != tt.limit || len(conds) != len(tt.conds) {
			t.Errorf("%q = %s %v %d %v", tt.q, class, conds, limit, err)
			continue
		}
		for i := range conds {
			if conds[i] != tt.conds[i] {
				t.Errorf("%q cond %d = %v, want %v", tt.q, i, conds[i], tt.conds[i])
			}
		}
	}
}

func TestFaultInjection(t *testing.T) {
	f, srv := newFake(t, Options{})
	search := call{action: OpSearch, body: env(`<s:SOAPSearchRequest xmlns:s="urn:schemas-fabasoft-com:bai:search"><s:query>SELECT * FROM a@1.1:b</s:query></s:SOAPSearchRequest>`)}

	f.Inject(Fault{Op: OpSearch, Skip: 1, Times: 2, Status: 429, RetryAfter: "30"})
	var statuses []int
	for range 4 {
		s, h, _ := do(t, srv, search)
		statuses = append(statuses, s)
		if s == 429 && h.Get("Retry-After") != "30" {
			t.Errorf("Retry-After = %q", h.Get("Retry-After"))
		}
	}
	if want := []int{200, 429, 429, 200}; !equalInts(statuses, want) {
		t.Errorf("statuses %v, want %v", statuses, want)
	}

	f.Inject(Fault{Op: OpSearch, SOAPFault: &SOAPFault{String: "Keine Berechtigung", ErrorReference: "E2"}})
	s, _, body := do(t, srv, search)
	if code, msg, ref := faultOf(t, body); s != 500 || code != "soapenv:Server" || msg != "Keine Berechtigung" || ref != "E2" {
		t.Errorf("injected fault: %d %s", s, body)
	}

	f.SetOutage(&Outage{RetryAfter: "60"})
	if s, h, _ := do(t, srv, search); s != 503 || h.Get("Retry-After") != "60" {
		t.Errorf("outage: %d", s)
	}
	f.SetOutage(nil)

	// A lost response: the create happens, the client sees a broken connection.
	f.Inject(Fault{Op: OpCreateObject, LoseResponse: true})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+endpoint, strings.NewReader(env(`<c:CreateObjectRequest xmlns:c="urn:schemas-editions-fabasoft-com:gov:createobject"><c:objclass>COOELAK@1.1001:Incoming</c:objclass><c:container>`+f.Vorgang()+`</c:container></c:CreateObjectRequest>`)))
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("SOAPAction", actionPrefix+OpCreateObject)
	req.SetBasicAuth("eingang", "geheim")
	if resp, err := srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("lost response delivered: %d", resp.StatusCode)
	}
	if f.Creates() != 1 || len(f.Documents()) != 1 {
		t.Errorf("lost create not stored: %d", f.Creates())
	}

	// Delay before processing: a client that gives up leaves nothing behind.
	f.Inject(Fault{Op: OpCreateObject, Delay: 2 * time.Second})
	client := &http.Client{Timeout: 100 * time.Millisecond}
	req2, _ := http.NewRequest(http.MethodPost, srv.URL+endpoint, strings.NewReader(env(`<c:CreateObjectRequest xmlns:c="urn:schemas-editions-fabasoft-com:gov:createobject"><c:objclass>COOELAK@1.1001:Incoming</c:objclass><c:container>`+f.Vorgang()+`</c:container></c:CreateObjectRequest>`)))
	req2.Header = req.Header.Clone()
	if _, err := client.Do(req2); err == nil {
		t.Fatal("delayed request did not time out")
	}
	time.Sleep(100 * time.Millisecond)
	if f.Creates() != 1 {
		t.Errorf("abandoned request was processed")
	}
	if f.PendingFaults() != 0 {
		t.Errorf("%d faults pending", f.PendingFaults())
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestControlHandler(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	f := New(Options{Now: func() time.Time { return now }})
	mux := http.NewServeMux()
	mux.Handle(Path, f)
	mux.Handle(ControlPath, f.ControlHandler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	post := func(path string) int {
		t.Helper()
		resp, err := http.Post(srv.URL+path, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	search := call{action: OpSearch, body: env(`<s:SOAPSearchRequest xmlns:s="urn:schemas-fabasoft-com:bai:search"><s:query>SELECT * FROM a@1.1:b</s:query></s:SOAPSearchRequest>`)}

	if s := post(ControlPath + "outage?for=2m&status=503&retry_after=60"); s != 204 {
		t.Fatalf("outage: %d", s)
	}
	if s, h, _ := do(t, srv, search); s != 503 || h.Get("Retry-After") != "60" {
		t.Errorf("during outage: %d", s)
	}
	now = now.Add(2 * time.Minute)
	if s, _, _ := do(t, srv, search); s != 200 {
		t.Errorf("after the outage window: %d", s)
	}
	if s := post(ControlPath + "fault?op=" + OpSearch + "&status=429&retry_after=5&times=2"); s != 204 {
		t.Fatalf("fault: %d", s)
	}
	if s, _, _ := do(t, srv, search); s != 429 {
		t.Errorf("injected: %d", s)
	}
	if s := post(ControlPath + "fault?delay=soon"); s != 400 {
		t.Errorf("bad delay accepted: %d", s)
	}
	resp, err := http.Get(srv.URL + ControlPath + "state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), `"pending_faults":1`) || !strings.Contains(string(b), `"creates":0`) {
		t.Errorf("state = %s", b)
	}
}
