// The SOAP operations of the FSCGOVXML web service, one method each; the
// envelopes and response types are in soap.go, the HTTP call in transport.go.

package fabasoft

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

func (c *Client) search(ctx context.Context, class, ref, val string) ([]searchObject, error) {
	w := newEnvelope()
	w.WriteString(`<s:SOAPSearchRequest xmlns:s="` + nsSearch + `">`)
	// LIMIT 2 so that a duplicate would at least be visible in a trace.
	w.elem("s", "query", fmt.Sprintf(`NOCHECK LIMIT 2 SELECT * FROM %s WHERE .%s = "%s"`, class, ref, val))
	w.WriteString(`<s:attrlist>`)
	w.elem("s", "attr", attrObjName)
	w.elem("s", "attr", c.cfg.ReferenceAttribute)
	if c.cfg.WorkflowAttribute != "" {
		w.elem("s", "attr", c.cfg.WorkflowAttribute)
	}
	w.WriteString(`</s:attrlist></s:SOAPSearchRequest>`)
	var resp searchResponse
	if err := c.call(ctx, actionSearch, w.finish(), "SOAPSearchResponse", &resp); err != nil {
		return nil, err
	}
	return resp.Objects, nil
}

// findByName returns the document with the given name that has no
// reference yet (a half-delivered one), or nil.
func (c *Client) findByName(ctx context.Context, name string) (*searchObject, error) {
	hits, err := c.search(ctx, c.cfg.DocumentClass, attrObjName, name)
	if err != nil {
		return nil, err
	}
	for i, h := range hits {
		if h.attr(c.cfg.ReferenceAttribute) == "" && cooRE.MatchString(h.Address) {
			return &hits[i], nil
		}
	}
	return nil, nil
}

func (c *Client) createObject(ctx context.Context, name string) (string, error) {
	w := newEnvelope()
	w.WriteString(`<c:CreateObjectRequest xmlns:c="` + nsCreateObject + `">`)
	// xsd:sequence: objclass, context?, container?, name?, data?
	w.elem("c", "objclass", c.cfg.DocumentClass)
	w.elem("c", "container", c.cfg.Container)
	w.elem("c", "name", name)
	w.WriteString(`<c:data/></c:CreateObjectRequest>`) // as in the documented example
	var resp createObjectResponse
	if err := c.call(ctx, actionCreateObject, w.finish(), "CreateObjectResponse", &resp); err != nil {
		return "", err
	}
	coo := strings.TrimSpace(resp.Address)
	if !cooRE.MatchString(coo) {
		return "", fmt.Errorf("%w: CreateObjectResponse without a COO address", ErrMalformed)
	}
	return coo, nil
}

func (c *Client) createContent(ctx context.Context, coo, name string, files []contentFile) error {
	w := newEnvelope()
	w.WriteString(`<c:CreateContentObjectsAndConvertRequest xmlns:c="` + nsCreateCont + `">`)
	for i, f := range files {
		contname := f.name
		if i == 0 {
			contname = name // the resume check finds the PDF by this name
		}
		// xsd:sequence: objclass, context?, container?, contname?, contextension?, content?, finalform?, data?
		w.WriteString(`<c:contentobj>`)
		w.elem("c", "objclass", f.class)
		w.elem("c", "container", coo)
		w.elem("c", "contname", contname)
		w.elem("c", "contextension", f.ext)
		w.WriteString(`<c:content>`)
		if err := encodeFile(&w.Buffer, f.path); err != nil {
			return c.reject(0, "Datei nicht lesbar: "+filepath.Base(f.path), fmt.Errorf("%w: %w", ErrBadDocument, err))
		}
		w.WriteString(`</c:content></c:contentobj>`)
	}
	w.WriteString(`</c:CreateContentObjectsAndConvertRequest>`)
	var resp createContentResponse
	if err := c.call(ctx, actionCreateCont, w.finish(), "CreateContentObjectsAndConvertResponse", &resp); err != nil {
		return err
	}
	if len(resp.Objects) != len(files) {
		return fmt.Errorf("%w: %d content objects created, %d sent", ErrMalformed, len(resp.Objects), len(files))
	}
	return nil
}

func encodeFile(buf *bytes.Buffer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil {
		buf.Grow(base64.StdEncoding.EncodedLen(int(st.Size())) + 64)
	}
	enc := base64.NewEncoder(base64.StdEncoding, buf)
	if _, err := io.Copy(enc, f); err != nil {
		return err
	}
	return enc.Close()
}

func (c *Client) setProperties(ctx context.Context, coo string, props []propValue) error {
	w := newEnvelope()
	w.WriteString(`<u:OBJECT xmlns:u="` + nsUniversal + `" u:objaddress=`)
	w.attrValue(coo)
	w.WriteString(`>`)
	for _, p := range props {
		if p.typ == "STRINGLIST" {
			w.WriteString(`<u:STRINGLIST u:reference=`)
			w.attrValue(p.ref)
			w.WriteString(`>`)
			for _, v := range p.values {
				w.elem("u", "STRING", v)
			}
			w.WriteString(`</u:STRINGLIST>`)
			continue
		}
		w.WriteString(`<u:` + p.typ + ` u:reference=`)
		w.attrValue(p.ref)
		w.WriteString(`>`)
		w.text(p.values[0])
		w.WriteString(`</u:` + p.typ + `>`)
	}
	w.WriteString(`</u:OBJECT>`)
	var resp setPropertiesResponse
	if err := c.call(ctx, actionSetProps, w.finish(), "response", &resp); err != nil {
		return err
	}
	var failed []string
	for _, f := range resp.Failed {
		if f = strings.TrimSpace(f); f != "" {
			failed = append(failed, f)
		}
	}
	if len(failed) > 0 {
		return c.reject(0, "Eigenschaften nicht gesetzt: "+strings.Join(failed, ", "),
			fmt.Errorf("%w: %s", ErrPropertiesFailed, strings.Join(failed, ", ")))
	}
	return nil
}

func (c *Client) startWorkflow(ctx context.Context, coo string) (string, error) {
	w := newEnvelope()
	if c.cfg.Workflow.Operation == WorkflowInitialize {
		w.WriteString(`<w:SOAPInitializeWorkFlowRequest xmlns:w="` + nsWorkflow + `">`)
		w.WriteString(`<w:obj-id>`)
		w.elem("w", "id-ref", coo)
		w.WriteString(`</w:obj-id><w:procdef-ids>`)
		for _, p := range c.cfg.Workflow.ProcessDefinitions {
			w.WriteString(`<w:obj-id>`)
			w.elem("w", "id-ref", p)
			w.WriteString(`</w:obj-id>`)
		}
		w.WriteString(`</w:procdef-ids></w:SOAPInitializeWorkFlowRequest>`)
		// The response is an empty BAIWFNoResponse: no process id exists.
		return "", c.call(ctx, actionInitWF, w.finish(), "BAIWFNoResponse", nil)
	}
	w.WriteString(`<w:SOAPStartWorkflowRequest xmlns:w="` + nsWorkflow + `">`)
	w.elem("w", "objaddress", coo)
	w.elem("w", "dept", c.cfg.Workflow.Dept)
	w.WriteString(`</w:SOAPStartWorkflowRequest>`)
	var resp startWorkflowResponse
	if err := c.call(ctx, actionStartWF, w.finish(), "SOAPStartWorkflowResponse", &resp); err != nil {
		return "", err
	}
	return strings.TrimSpace(resp.ProcInst.Address), nil
}
