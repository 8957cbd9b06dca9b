package fabasoft

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Namespaces and SOAPActions of the FSCGOVXML standard web service, exactly
// as listed in fabasoft-api.md §4.1/§4.2 (taken from the public WSDL).
const (
	nsSOAPEnv      = "http://schemas.xmlsoap.org/soap/envelope/"
	nsSearch       = "urn:schemas-fabasoft-com:bai:search"
	nsCreateObject = "urn:schemas-editions-fabasoft-com:gov:createobject"
	nsCreateCont   = "urn:schemas-editions-fabasoft-com:gov:createcontentobjectsandconvert"
	nsUniversal    = "urn:schemas-fabasoft-com:universal"
	nsWorkflow     = "urn:schemas-fabasoft-com:baiwf:control"
	nsFaultDetails = "http://schemas.fabasoft.com/faultdetails"

	actionPrefix       = "http://schemas.fabasoft.com/object/"
	actionSearch       = actionPrefix + "FSCBAI_1_1001_SOAPSearch"
	actionCreateObject = actionPrefix + "FSCGOVXML_1_1001_SOAPCreateObject" // SOAPCreateObjecteGov (sic)
	actionCreateCont   = actionPrefix + "FSCGOVXML_1_1001_SOAPCreateContentObjectsAndConvert"
	actionSetProps     = actionPrefix + "FSCBAI_1_1001_SOAPGenericSetProperties"
	actionStartWF      = actionPrefix + "FSCBAIWF_1_1001_SOAPStartWorkflow"
	actionInitWF       = actionPrefix + "FSCBAIWF_1_1001_SOAPInitializeWorkFlow"

	attrObjName = "COOSYSTEM@1.1:objname"
)

// maxXMLDepth bounds element nesting in responses; real answers are < 10 deep.
const maxXMLDepth = 64

// soapWriter builds one request envelope. Requests are written by hand
// because encoding/xml cannot emit the qualified attributes (u:reference)
// that the universal and search schemas require.
type soapWriter struct{ bytes.Buffer }

func newEnvelope() *soapWriter {
	w := &soapWriter{}
	w.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	w.WriteString(`<soapenv:Envelope xmlns:soapenv="` + nsSOAPEnv + `"><soapenv:Body>`)
	return w
}

func (w *soapWriter) finish() []byte {
	w.WriteString(`</soapenv:Body></soapenv:Envelope>`)
	return w.Bytes()
}

// elem writes <p:name>text</p:name>.
func (w *soapWriter) elem(prefix, name, text string) {
	w.WriteString("<" + prefix + ":" + name + ">")
	w.text(text)
	w.WriteString("</" + prefix + ":" + name + ">")
}

func (w *soapWriter) text(s string) { xml.EscapeText(w, []byte(s)) }

func (w *soapWriter) attrValue(s string) {
	w.WriteByte('"')
	xml.EscapeText(w, []byte(s))
	w.WriteByte('"')
}

// --- responses ---

// FaultError is a SOAP fault as Fabasoft sends it (fabasoft-api.md §4.1);
// it is reachable with errors.As from the errors Deliver returns.
type FaultError struct {
	// Status is the HTTP status of the response (500 for faults).
	Status int
	// Code is the faultcode, e.g. soapenv:Server.
	Code string
	// String is the faultstring, Fabasoft's own message.
	String string
	// ErrorReference is the code from detail/fd:ErrorReference.
	ErrorReference string
}

func (f *FaultError) Error() string {
	s := fmt.Sprintf("SOAP fault %s: %s", f.Code, f.String)
	if f.ErrorReference != "" {
		s += " (ErrorReference " + f.ErrorReference + ")"
	}
	return s
}

type soapFault struct {
	Code   string `xml:"faultcode"`
	String string `xml:"faultstring"`
	Detail struct {
		ErrorReference string `xml:"http://schemas.fabasoft.com/faultdetails ErrorReference"`
	} `xml:"detail"`
}

// errMalformed marks responses that are not the SOAP we expect.
var errMalformed = errors.New("malformed SOAP response")

// checkXML rejects DTDs, entity declarations and deep nesting before the
// response is decoded. encoding/xml never expands external entities, but a
// hostile or broken proxy page should fail clearly and cheaply.
func checkXML(body []byte) error {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	depth := 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			if depth != 0 {
				return fmt.Errorf("%w: unexpected end", errMalformed)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %v", errMalformed, err)
		}
		switch tok.(type) {
		case xml.Directive:
			return fmt.Errorf("%w: DTD or directive not allowed", errMalformed)
		case xml.StartElement:
			depth++
			if depth > maxXMLDepth {
				return fmt.Errorf("%w: nesting deeper than %d", errMalformed, maxXMLDepth)
			}
		case xml.EndElement:
			depth--
		}
	}
}

// parseResponse decodes a SOAP 1.1 envelope. If the body holds a Fault it
// returns a *FaultError; otherwise the first body element must have the
// local name want and is decoded into out (out may be nil for empty
// responses). Element namespaces of the payload are not enforced so that a
// server using default namespaces or other prefixes still works.
func parseResponse(body []byte, want string, out any) error {
	if err := checkXML(body); err != nil {
		return err
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	stage := 0 // 0: expect Envelope, 1: expect Body, 2: expect payload
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				return fmt.Errorf("%w: no %s in body", errMalformed, want)
			}
			return fmt.Errorf("%w: %v", errMalformed, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			if _, end := tok.(xml.EndElement); end && stage == 2 {
				// Empty Body.
				if out == nil {
					return nil
				}
				return fmt.Errorf("%w: empty body, want %s", errMalformed, want)
			}
			continue
		}
		switch stage {
		case 0:
			if se.Name.Space != nsSOAPEnv || se.Name.Local != "Envelope" {
				return fmt.Errorf("%w: root is %s, not a SOAP 1.1 Envelope", errMalformed, se.Name.Local)
			}
			stage = 1
		case 1:
			if se.Name.Space != nsSOAPEnv {
				return fmt.Errorf("%w: unexpected %s in Envelope", errMalformed, se.Name.Local)
			}
			if se.Name.Local == "Body" {
				stage = 2
			} else if err := d.Skip(); err != nil { // Header
				return fmt.Errorf("%w: %v", errMalformed, err)
			}
		case 2:
			if se.Name.Space == nsSOAPEnv && se.Name.Local == "Fault" {
				var f soapFault
				if err := d.DecodeElement(&f, &se); err != nil {
					return fmt.Errorf("%w: fault: %v", errMalformed, err)
				}
				return &FaultError{
					Code:           strings.TrimSpace(f.Code),
					String:         strings.TrimSpace(f.String),
					ErrorReference: strings.TrimSpace(f.Detail.ErrorReference),
				}
			}
			if se.Name.Local != want {
				return fmt.Errorf("%w: got %s, want %s", errMalformed, se.Name.Local, want)
			}
			if out == nil {
				return d.Skip()
			}
			if err := d.DecodeElement(out, &se); err != nil {
				return fmt.Errorf("%w: %s: %v", errMalformed, want, err)
			}
			return nil
		}
	}
}

// value is one typed value element (STRING, DATE, …) of the universal and
// search schemas; Reference carries the qualified reference attribute.
type value struct {
	XMLName   xml.Name
	Reference string   `xml:"reference,attr"`
	Text      string   `xml:",chardata"`
	Items     []string `xml:",any"` // list types hold one child per item
}

type searchResponse struct {
	Objects []searchObject `xml:"queryresult>object"`
}

type searchObject struct {
	Name    string `xml:"objname"`
	Address string `xml:"objaddress"`
	Attrs   struct {
		Values []value `xml:",any"`
	} `xml:"attrlist"`
	Values []value `xml:",any"`
}

// attr returns the text of the attribute with reference ref. Depending on
// the server the values sit inside attrlist (documented) or directly below
// object; both are accepted.
func (o *searchObject) attr(ref string) string {
	for _, vs := range [][]value{o.Attrs.Values, o.Values} {
		for _, v := range vs {
			if v.Reference == ref {
				return strings.TrimSpace(v.Text)
			}
		}
	}
	return ""
}

type createObjectResponse struct {
	Address string `xml:"objaddress"`
	Name    string `xml:"objname"`
}

type createContentResponse struct {
	Objects []struct {
		Address   string `xml:"objaddress"`
		Name      string `xml:"objname"`
		Converted string `xml:"converted"`
	} `xml:"contentobj"`
}

type setPropertiesResponse struct {
	Result string   `xml:"result"`
	Failed []string `xml:"failed>attr"`
}

type startWorkflowResponse struct {
	ProcInst struct {
		Name    string `xml:"objname"`
		Address string `xml:"objaddress"`
	} `xml:"newprocinst"`
	ActInst struct {
		Name    string `xml:"objname"`
		Address string `xml:"objaddress"`
	} `xml:"newactinst"`
}
