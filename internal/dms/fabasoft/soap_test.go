package fabasoft

import (
	"bytes"
	"context"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eingang/eingang/internal/dms/fabasoft/fabasoftfake"
)

// canonical renders XML as namespace-resolved lines (prefixes and
// namespace declarations do not matter, text is trimmed), dropping
// elements whose local name is in skip.
func canonical(t *testing.T, data string, skip ...string) string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(data))
	var b strings.Builder
	depth, skipping := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("canonical: %v\n%s", err, data)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			depth++
			if skipping > 0 || slices.Contains(skip, x.Name.Local) {
				skipping++
				continue
			}
			var attrs []string
			for _, a := range x.Attr {
				if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
					continue
				}
				attrs = append(attrs, fmt.Sprintf("{%s}%s=%q", a.Name.Space, a.Name.Local, a.Value))
			}
			slices.Sort(attrs)
			fmt.Fprintf(&b, "%s{%s}%s %s\n", strings.Repeat(" ", depth), x.Name.Space, x.Name.Local, strings.Join(attrs, " "))
		case xml.EndElement:
			depth--
			if skipping > 0 {
				skipping--
			}
		case xml.CharData:
			if s := strings.TrimSpace(string(x)); s != "" && skipping == 0 {
				fmt.Fprintf(&b, "%s%q\n", strings.Repeat(" ", depth+1), s)
			}
		}
	}
	return b.String()
}

// docEnvelope wraps a body example from fabasoft-api.md in the documented
// SOAP 1.1 envelope.
func docEnvelope(body string) string {
	return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>` +
		body + `</soapenv:Body></soapenv:Envelope>`
}

// captureClient returns a client whose requests are recorded; every call
// is answered with HTTP 500 without body, so calls fail after sending. It
// has no workflow_attribute (the documented search example asks for two
// attributes only) and therefore no workflow unless mutate adds both.
func captureClient(t *testing.T, mutate func(*Config)) (*Client, *[]http.Header, *[]string) {
	t.Helper()
	var headers []http.Header
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		headers = append(headers, r.Header.Clone())
		bodies = append(bodies, string(b))
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	cfg := testConfig(t, srv.URL, fabasoftfake.New(fabasoftfake.Options{}))
	cfg.Container = "COO.1.2301.1.1042432"
	cfg.ReferenceAttribute = DefaultReferenceAttribute
	cfg.WorkflowAttribute = ""
	cfg.Workflow = WorkflowConfig{Operation: WorkflowNone}
	cfg.Properties = nil
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := New("fabasoft", cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, &headers, &bodies
}

// The requests are compared with the examples of fabasoft-api.md §4.3–4.6
// (copied verbatim from the document, an independent source).
func TestRequestsMatchDocumentedExamples(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		call   func(c *Client) error
		action string
		doc    string
		skip   []string // documented optional elements the client leaves out
	}{
		{
			name:   "create Eingang §4.3 A",
			call:   func(c *Client) error { _, err := c.createObject(ctx, "Eingangsrechnung RE-2025-0042"); return err },
			action: "http://schemas.fabasoft.com/object/FSCGOVXML_1_1001_SOAPCreateObject",
			doc: `<c:CreateObjectRequest xmlns:c="urn:schemas-editions-fabasoft-com:gov:createobject">
   <c:objclass>COOELAK@1.1001:Incoming</c:objclass>
   <c:container>COO.1.2301.1.1042432</c:container>
   <c:name>Eingangsrechnung RE-2025-0042</c:name>
   <c:data/>
  </c:CreateObjectRequest>`,
		},
		{
			name: "content §4.3 B",
			call: func(c *Client) error {
				p := filepath.Join(t.TempDir(), "x.pdf")
				os.WriteFile(p, []byte("%PDF-1.7\n"), 0o600)
				return c.createContent(ctx, "COO.1.2301.1.1042441", "RE-2025-0042", []contentFile{{path: p, ext: "pdf", class: DefaultContentClass}})
			},
			action: "http://schemas.fabasoft.com/object/FSCGOVXML_1_1001_SOAPCreateContentObjectsAndConvert",
			doc: `<c:CreateContentObjectsAndConvertRequest
    xmlns:c="urn:schemas-editions-fabasoft-com:gov:createcontentobjectsandconvert">
 <c:contentobj>
  <c:objclass>FSCACROBAT@1.1:PDFObject</c:objclass>
  <c:container>COO.1.2301.1.1042441</c:container>
  <c:contname>RE-2025-0042</c:contname>
  <c:contextension>pdf</c:contextension>
  <c:content>JVBERi0xLjcK</c:content>
  <c:finalform>pdf</c:finalform>
 </c:contentobj>
</c:CreateContentObjectsAndConvertRequest>`,
			skip: []string{"finalform"},
		},
		{
			name: "set properties §4.4",
			call: func(c *Client) error {
				return c.setProperties(ctx, "COO.1.2301.1.1042441", []propValue{
					{ref: "COOELAK@1.1001:foreignnr", typ: "STRING", values: []string{"RE-2025-0042"}},
					{ref: "COOELAK@1.1001:delivery", typ: "DATE", values: []string{"2025-01-14"}},
					{ref: "COOELAK@1.1001:filesubj", typ: "STRINGLIST", values: []string{"Rechnung Lieferant GmbH"}},
					{ref: "lhmdfvpublic@2150.8800:fhattr1", typ: "STRING", values: []string{"scan-7f3a"}},
				})
			},
			action: "http://schemas.fabasoft.com/object/FSCBAI_1_1001_SOAPGenericSetProperties",
			doc: `<u:OBJECT xmlns:u="urn:schemas-fabasoft-com:universal" u:objaddress="COO.1.2301.1.1042441">
  <u:STRING u:reference="COOELAK@1.1001:foreignnr">RE-2025-0042</u:STRING>
  <u:DATE u:reference="COOELAK@1.1001:delivery">2025-01-14</u:DATE>
  <u:STRINGLIST u:reference="COOELAK@1.1001:filesubj"><u:STRING>Rechnung Lieferant GmbH</u:STRING></u:STRINGLIST>
  <u:STRING u:reference="lhmdfvpublic@2150.8800:fhattr1">scan-7f3a</u:STRING>
</u:OBJECT>`,
		},
		{
			name: "search §4.5",
			call: func(c *Client) error {
				_, err := c.search(ctx, "COOELAK@1.1001:Incoming", "COOELAK@1.1001:foreignnr", "RE-2025-0042")
				return err
			},
			action: "http://schemas.fabasoft.com/object/FSCBAI_1_1001_SOAPSearch",
			doc: `<s:SOAPSearchRequest xmlns:s="urn:schemas-fabasoft-com:bai:search">
  <s:query>NOCHECK LIMIT 2 SELECT * FROM COOELAK@1.1001:Incoming WHERE .COOELAK@1.1001:foreignnr = "RE-2025-0042"</s:query>
  <s:attrlist><s:attr>COOSYSTEM@1.1:objname</s:attr><s:attr>COOELAK@1.1001:foreignnr</s:attr></s:attrlist>
</s:SOAPSearchRequest>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, headers, bodies := captureClient(t, nil)
			if err := tt.call(c); !errors.Is(err, ErrUnavailable) {
				t.Fatalf("call: %v", err)
			}
			if len(*bodies) != 1 {
				t.Fatalf("%d requests", len(*bodies))
			}
			h := (*headers)[0]
			if h.Get("SOAPAction") != tt.action || h.Get("Content-Type") != "text/xml; charset=utf-8" {
				t.Errorf("headers: SOAPAction %q, Content-Type %q", h.Get("SOAPAction"), h.Get("Content-Type"))
			}
			if u, p, ok := (&http.Request{Header: h}).BasicAuth(); !ok || u != "eingang" || p != "geheim" {
				t.Errorf("basic auth = %q %q %v", u, p, ok)
			}
			got := canonical(t, (*bodies)[0])
			want := canonical(t, docEnvelope(tt.doc), tt.skip...)
			if got != want {
				t.Errorf("request differs from the documented example\ngot:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestWorkflowRequestShapes(t *testing.T) {
	// No verbatim example exists for SOAPStartWorkflow; the documented shape
	// is SOAPStartWorkflowRequest{objaddress, dept} in baiwf:control.
	c, headers, bodies := captureClient(t, func(cfg *Config) {
		cfg.Workflow = WorkflowConfig{Operation: WorkflowStart, Dept: testDept}
		cfg.WorkflowAttribute = "lhmdfvpublic@2150.8800:prozessid"
	})
	c.startWorkflow(context.Background(), "COO.1.2301.1.1042441")
	want := "" +
		" {http://schemas.xmlsoap.org/soap/envelope/}Envelope \n" +
		"  {http://schemas.xmlsoap.org/soap/envelope/}Body \n" +
		"   {urn:schemas-fabasoft-com:baiwf:control}SOAPStartWorkflowRequest \n" +
		"    {urn:schemas-fabasoft-com:baiwf:control}objaddress \n     \"COO.1.2301.1.1042441\"\n" +
		"    {urn:schemas-fabasoft-com:baiwf:control}dept \n     \"" + testDept + "\"\n"
	if got := canonical(t, (*bodies)[0]); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if a := (*headers)[0].Get("SOAPAction"); a != "http://schemas.fabasoft.com/object/FSCBAIWF_1_1001_SOAPStartWorkflow" {
		t.Errorf("SOAPAction %q", a)
	}

	// SOAPInitializeWorkFlow: compared with the §4.6 example; the example
	// writes procdef-ids/obj-id as text while the documented type is
	// obj-id{id-ref}; the client follows the type.
	c, _, bodies = captureClient(t, func(cfg *Config) {
		cfg.Workflow = WorkflowConfig{Operation: WorkflowInitialize, ProcessDefinitions: []string{"COO.1.1001.1.99999"}}
		cfg.WorkflowAttribute = "lhmdfvpublic@2150.8800:prozessid"
	})
	c.startWorkflow(context.Background(), "COO.1.2301.1.1042441")
	doc := `<w:SOAPInitializeWorkFlowRequest xmlns:w="urn:schemas-fabasoft-com:baiwf:control">
  <w:obj-id><w:id-ref>COO.1.2301.1.1042441</w:id-ref></w:obj-id>
  <w:procdef-ids><w:obj-id><w:id-ref>COO.1.1001.1.99999</w:id-ref></w:obj-id></w:procdef-ids>
  <w:submit-deadline>2025-01-29T00:00:00Z</w:submit-deadline>
</w:SOAPInitializeWorkFlowRequest>`
	if got, want := canonical(t, (*bodies)[0]), canonical(t, docEnvelope(doc), "submit-deadline"); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// The documented response examples (fabasoft-api.md §4.3, §4.5, §4.1)
// must parse.
func TestParseDocumentedResponses(t *testing.T) {
	t.Run("create", func(t *testing.T) {
		var r createObjectResponse
		err := parseResponse([]byte(docEnvelope(`<CreateObjectResponse xmlns="urn:schemas-editions-fabasoft-com:gov:createobject">
  <objaddress>COO.1.2301.1.1042441</objaddress>
  <objname>Eingangsrechnung RE-2025-0042</objname>
</CreateObjectResponse>`)), "CreateObjectResponse", &r)
		if err != nil || r.Address != "COO.1.2301.1.1042441" || r.Name != "Eingangsrechnung RE-2025-0042" {
			t.Fatalf("%+v %v", r, err)
		}
	})
	t.Run("search", func(t *testing.T) {
		var r searchResponse
		err := parseResponse([]byte(docEnvelope(`<s:SOAPSearchResponse xmlns:s="urn:schemas-fabasoft-com:bai:search">
 <s:queryresult>
  <s:object>
   <s:objname>Eingangsrechnung RE-2025-0042</s:objname>
   <s:objaddress>COO.1.2301.1.1042441</s:objaddress>
   <s:attrlist><s:STRING s:reference="COOELAK@1.1001:foreignnr">RE-2025-0042</s:STRING></s:attrlist>
  </s:object>
 </s:queryresult>
</s:SOAPSearchResponse>`)), "SOAPSearchResponse", &r)
		if err != nil || len(r.Objects) != 1 || r.Objects[0].Address != "COO.1.2301.1.1042441" ||
			r.Objects[0].attr("COOELAK@1.1001:foreignnr") != "RE-2025-0042" || r.Objects[0].attr("x@1.1:y") != "" {
			t.Fatalf("%+v %v", r, err)
		}
	})
	t.Run("fault", func(t *testing.T) {
		err := parseResponse([]byte(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
 <soapenv:Body>
  <soapenv:Fault>
   <faultcode>soapenv:Server</faultcode>
   <faultstring>Object COO.1.2301.1.9999999 not found</faultstring>
   <detail><fd:ErrorReference xmlns:fd="http://schemas.fabasoft.com/faultdetails">X42</fd:ErrorReference></detail>
  </soapenv:Fault>
 </soapenv:Body>
</soapenv:Envelope>`), "CreateObjectResponse", &createObjectResponse{})
		var f *FaultError
		if !errors.As(err, &f) || f.Code != "soapenv:Server" || f.String != "Object COO.1.2301.1.9999999 not found" || f.ErrorReference != "X42" {
			t.Fatalf("%v", err)
		}
	})
	t.Run("set properties with failed", func(t *testing.T) {
		var r setPropertiesResponse
		err := parseResponse([]byte(docEnvelope(`<u:response xmlns:u="urn:schemas-fabasoft-com:universal"><u:object>COO.1.2.3.4</u:object><u:result>x</u:result><u:failed><u:attr>a@1.1:b</u:attr><u:attr>c@1.1:d</u:attr></u:failed></u:response>`)), "response", &r)
		if err != nil || !slices.Equal(r.Failed, []string{"a@1.1:b", "c@1.1:d"}) {
			t.Fatalf("%+v %v", r, err)
		}
	})
}

func TestParseResponseRejectsHostileInput(t *testing.T) {
	tests := map[string]string{
		"DTD": `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>` +
			docEnvelope(`<CreateObjectResponse><objaddress>&b;</objaddress></CreateObjectResponse>`),
		"external entity":  `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>` + docEnvelope(`<CreateObjectResponse><objaddress>&e;</objaddress></CreateObjectResponse>`),
		"deep nesting":     docEnvelope(strings.Repeat("<a>", 200) + strings.Repeat("</a>", 200)),
		"html error page":  `<html><body>502 Bad Gateway</body></html>`,
		"SOAP 1.2":         `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><CreateObjectResponse/></env:Body></env:Envelope>`,
		"wrong element":    docEnvelope(`<SOAPSearchResponse/>`),
		"truncated":        docEnvelope(`<CreateObjectResponse><objaddress>COO.1`)[:80],
		"empty":            ``,
		"undefined entity": docEnvelope(`<CreateObjectResponse><objaddress>&x;</objaddress></CreateObjectResponse>`),
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			var r createObjectResponse
			err := parseResponse([]byte(body), "CreateObjectResponse", &r)
			if err == nil {
				t.Fatalf("accepted: %+v", r)
			}
			if !errors.Is(err, errMalformed) {
				t.Errorf("err = %v, want errMalformed", err)
			}
		})
	}
}

func TestResponseSizeLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(docEnvelope(`<SOAPSearchResponse><queryresult>`)))
		w.Write(bytes.Repeat([]byte("<object><objname>x</objname></object>"), 10_000))
		w.Write([]byte(`</queryresult></SOAPSearchResponse>`))
	}))
	defer srv.Close()
	cfg := testConfig(t, srv.URL, fabasoftfake.New(fabasoftfake.Options{}))
	cfg.MaxResponseBytes = 64 << 10
	c, err := New("fabasoft", cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.search(context.Background(), DefaultDocumentClass, DefaultReferenceAttribute, "x")
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v", err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 2 * time.Minute, true},
		{" 0 ", 0, true},
		{"Mon, 23 Nov 2026 10:05:00 GMT", 5 * time.Minute, true},
		{"Mon, 23 Nov 2026 09:00:00 GMT", 0, true},
		{"9999999999", 24 * time.Hour, true},
		{"-5", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %v %v, want %v %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestTLSWithCustomCA(t *testing.T) {
	fake := fabasoftfake.New(fabasoftfake.Options{})
	srv := httptest.NewUnstartedServer(fake)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failing handshake is expected
	srv.StartTLS()
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, srv.URL, fake)
	c, err := New("fabasoft", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("without the CA: %v, want a TLS failure", err)
	}
	cfg.CAFile = caFile
	if c, err = New("fabasoft", cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Deliver(context.Background(), testDoc(t, pdfBytes(1000, "tls"), nil)); err != nil {
		t.Fatalf("Deliver over TLS: %v", err)
	}
	cfg.CAFile = filepath.Join(t.TempDir(), "missing.pem")
	if _, err := New("fabasoft", cfg); err == nil || !strings.Contains(err.Error(), "ca_file") {
		t.Errorf("missing CA file: %v", err)
	}
}

func FuzzParseResponse(f *testing.F) {
	f.Add([]byte(docEnvelope(`<s:SOAPSearchResponse xmlns:s="urn:schemas-fabasoft-com:bai:search"><s:queryresult><s:object><s:objname>n</s:objname><s:objaddress>COO.1.2.3.4</s:objaddress><s:attrlist><s:STRING s:reference="a@1.1:b">v</s:STRING><s:STRINGLIST s:reference="c@1.1:d"><s:STRING>x</s:STRING></s:STRINGLIST></s:attrlist></s:object></s:queryresult></s:SOAPSearchResponse>`)))
	f.Add([]byte(docEnvelope(`<CreateObjectResponse xmlns="urn:schemas-editions-fabasoft-com:gov:createobject"><objaddress>COO.1.2301.1.1042441</objaddress></CreateObjectResponse>`)))
	f.Add([]byte(docEnvelope(`<soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>x</faultstring><detail><fd:ErrorReference xmlns:fd="http://schemas.fabasoft.com/faultdetails">1</fd:ErrorReference></detail></soapenv:Fault>`)))
	f.Add([]byte(docEnvelope(`<u:response xmlns:u="urn:schemas-fabasoft-com:universal"><u:failed><u:attr>a</u:attr></u:failed></u:response>`)))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>`))
	f.Add([]byte(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header/><soapenv:Body/></soapenv:Envelope>`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, want := range []string{"SOAPSearchResponse", "CreateObjectResponse", "response", "SOAPStartWorkflowResponse"} {
			var out any
			switch want {
			case "SOAPSearchResponse":
				out = &searchResponse{}
			case "CreateObjectResponse":
				out = &createObjectResponse{}
			case "response":
				out = &setPropertiesResponse{}
			default:
				out = &startWorkflowResponse{}
			}
			err := parseResponse(data, want, out)
			var f *FaultError
			if err != nil && !errors.Is(err, errMalformed) && !errors.As(err, &f) {
				t.Fatalf("unclassified error %v", err)
			}
			if sr, ok := out.(*searchResponse); ok && err == nil {
				for _, o := range sr.Objects {
					_ = o.attr("a@1.1:b")
				}
			}
		}
		if checkXML(data) == nil && bytes.Contains(data, []byte("<!DOCTYPE")) && !bytes.Contains(data, []byte("<![CDATA[")) && !bytes.Contains(data, []byte("<!--")) {
			t.Fatalf("DOCTYPE accepted")
		}
	})
}
