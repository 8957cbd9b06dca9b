package fabasoftfake

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzHandleSOAP feeds arbitrary bodies to every operation: the fake must
// answer (200, fault or 4xx) and never panic.
func FuzzHandleSOAP(f *testing.F) {
	f.Add(env(`<s:SOAPSearchRequest xmlns:s="urn:schemas-fabasoft-com:bai:search"><s:query>NOCHECK LIMIT 2 SELECT * FROM COOELAK@1.1001:Incoming WHERE .COOELAK@1.1001:foreignnr = "x"</s:query><s:attrlist><s:attr>COOELAK@1.1001:foreignnr</s:attr></s:attrlist></s:SOAPSearchRequest>`))
	f.Add(env(`<u:OBJECT xmlns:u="urn:schemas-fabasoft-com:universal" u:objaddress="COO.1.2301.1.1042402"><u:STRINGLIST u:reference="a@1.1:b"><u:STRING>x</u:STRING></u:STRINGLIST><u:DATE u:reference="c@1.1:d">2025-01-14</u:DATE></u:OBJECT>`))
	f.Add(env(`<c:CreateObjectRequest xmlns:c="urn:schemas-editions-fabasoft-com:gov:createobject"><c:objclass>COOELAK@1.1001:Incoming</c:objclass><c:container>COO.1.2301.1.1042402</c:container></c:CreateObjectRequest>`))
	f.Add(env(`<w:SOAPInitializeWorkFlowRequest xmlns:w="urn:schemas-fabasoft-com:baiwf:control"><w:obj-id><w:id-ref>COO.1.2301.1.1042402</w:id-ref></w:obj-id><w:procdef-ids><w:obj-id>COO.1.1.1.1</w:obj-id></w:procdef-ids></w:SOAPInitializeWorkFlowRequest>`))
	f.Add(`<!DOCTYPE x><x/>`)
	f.Fuzz(func(t *testing.T, body string) {
		s := New(Options{MaxContentBytes: 1 << 16})
		for op := range roots {
			r := httptest.NewRequest("POST", endpoint, strings.NewReader(body))
			r.Header.Set("Content-Type", "text/xml")
			status, out := s.handleSOAP(r, []byte(body), op)
			if status != 200 && status != 500 && status != 415 {
				t.Fatalf("%s: status %d", op, status)
			}
			if len(out) == 0 {
				t.Fatalf("%s: empty answer", op)
			}
		}
	})
}

func FuzzParseQuery(f *testing.F) {
	f.Add(`NOCHECK LIMIT 2 SELECT * FROM COOELAK@1.1001:Incoming WHERE .COOELAK@1.1001:foreignnr = "RE-2025-0042"`)
	f.Add(`SELECT * FROM a@1.1:b WHERE .x = 'y' AND .z = "w"`)
	f.Fuzz(func(t *testing.T, q string) {
		class, _, limit, err := parseQuery(q)
		if err == nil && (class == "" || limit < 1 || limit > 1000) {
			t.Fatalf("%q: class %q limit %d", q, class, limit)
		}
	})
}
