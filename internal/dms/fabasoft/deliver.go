package fabasoft

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/eingang/eingang/internal/dms"
)

var idRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Deliver stores doc in the configured Vorgang and starts the workflow; see
// the package documentation for the idempotency protocol.
func (c *Client) Deliver(ctx context.Context, doc *dms.Document) (dms.Receipt, error) {
	rcpt := dms.Receipt{Target: c.cfg.Name}
	if doc == nil || !idRE.MatchString(doc.ID) {
		return rcpt, c.reject(0, "Dokument-ID fehlt oder ist kein SHA-256", ErrBadDocument)
	}
	name, err := render(c.name, doc)
	if err != nil {
		return rcpt, c.reject(0, "name_template: "+err.Error(), fmt.Errorf("%w: %w", ErrBadDocument, err))
	}
	name = cleanName(name)
	props, err := c.renderProperties(doc)
	if err != nil {
		return rcpt, err
	}
	files, err := c.checkFiles(doc)
	if err != nil {
		return rcpt, err
	}
	// Two deliveries of the same document (the same file in two hot
	// folders) would both miss in step 1 and create and start twice.
	unlock, err := c.locks.Lock(ctx, doc.ID)
	if err != nil {
		return rcpt, err
	}
	defer unlock()

	// 1. Delivered before?
	hits, err := c.search(ctx, c.cfg.DocumentClass, c.cfg.ReferenceAttribute, doc.ID)
	if err != nil {
		return rcpt, err
	}
	if len(hits) > 0 {
		c.forget(doc.ID)
		rcpt.Ref, rcpt.Existing = hits[0].Address, true
		if v := c.workflowValue(&hits[0]); cooRE.MatchString(v) {
			rcpt.Workflow = v
		}
		return rcpt, nil
	}

	// 2. Half-delivered by an earlier attempt?
	half, err := c.findByName(ctx, name)
	if err != nil {
		return rcpt, err
	}
	var coo string
	resumed := half != nil
	if resumed {
		coo = half.Address
	} else {
		// 3. Create.
		coo, err = c.createObject(ctx, name)
		if err != nil {
			if !ambiguous(err) || ctx.Err() != nil {
				return rcpt, err
			}
			// The create may have happened although we saw no answer.
			found, ferr := c.findByName(ctx, name)
			if ferr != nil || found == nil {
				return rcpt, err
			}
			half, coo, resumed = found, found.Address, true
		}
	}
	rcpt.Ref = coo

	// A resumed document may carry the workflow state of the earlier
	// attempt; decide before doing any work whether it may go on.
	started := ""
	if resumed {
		started, err = c.earlierWorkflow(doc.ID, coo, name, c.workflowValue(half))
		if err != nil {
			return rcpt, err
		}
	}

	// 4. Content.
	haveContent := false
	if resumed {
		hits, err := c.search(ctx, c.cfg.ContentClass, attrObjName, name)
		if err != nil {
			return rcpt, err
		}
		haveContent = len(hits) > 0
	}
	if !haveContent {
		if err := c.createContent(ctx, coo, name, files); err != nil {
			return rcpt, err
		}
	}

	// 5. Properties.
	if len(props) > 0 {
		if err := c.setProperties(ctx, coo, props); err != nil {
			return rcpt, err
		}
	}

	// 6. Workflow, unless an earlier attempt started it.
	if started == "" && c.wantsWorkflow(doc) {
		started, err = c.requestWorkflow(ctx, doc.ID, coo, name)
		if err != nil {
			return rcpt, err
		}
	}
	if cooRE.MatchString(started) {
		rcpt.Workflow = started
	}

	// 7. Commit marker.
	marker := []propValue{{ref: c.cfg.ReferenceAttribute, typ: "STRING", values: []string{doc.ID}}}
	if c.cfg.WorkflowAttribute != "" && started != "" {
		marker = append(marker, propValue{ref: c.cfg.WorkflowAttribute, typ: "STRING", values: []string{started}})
	}
	if err := c.setProperties(ctx, coo, marker); err != nil {
		return rcpt, err
	}
	c.forget(doc.ID)
	return rcpt, nil
}

// cleanName keeps names usable inside a quoted query literal: the query
// language's escaping rules are not documented, so quotes and control
// characters are replaced.
func cleanName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case r < 0x20 || r == 0x7f:
			return ' '
		}
		return r
	}, s)
}

type propValue struct {
	ref, typ string
	values   []string
}

func (c *Client) renderProperties(doc *dms.Document) ([]propValue, error) {
	var out []propValue
	for _, p := range c.props {
		s, err := render(p.tmpl, doc)
		if err != nil {
			return nil, c.reject(0, "Vorlage für "+p.ref+": "+err.Error(), fmt.Errorf("%w: %w", ErrBadDocument, err))
		}
		if s == "" {
			continue
		}
		pv := propValue{ref: p.ref, typ: p.typ}
		if p.typ == "STRINGLIST" {
			for _, line := range strings.Split(s, "\n") {
				if line = strings.TrimSpace(line); line != "" {
					pv.values = append(pv.values, line)
				}
			}
		} else {
			pv.values = []string{s}
		}
		out = append(out, pv)
	}
	return out, nil
}

type contentFile struct {
	path, name, ext, class string
}

func (c *Client) checkFiles(doc *dms.Document) ([]contentFile, error) {
	if doc.PDFPath == "" {
		return nil, c.reject(0, "keine PDF-Datei", ErrBadDocument)
	}
	files := []contentFile{{path: doc.PDFPath, ext: "pdf", class: c.cfg.ContentClass}}
	for _, a := range doc.Attachments {
		ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(a.Name)), ".")
		class := c.cfg.AttachmentClass
		if class == "" || ext == "pdf" {
			class = c.cfg.ContentClass
		}
		files = append(files, contentFile{
			path: a.Path, ext: ext, class: class,
			name: cleanName(strings.TrimSuffix(a.Name, filepath.Ext(a.Name))),
		})
	}
	var total int64
	for _, f := range files {
		st, err := os.Stat(f.path)
		if err != nil {
			return nil, c.reject(0, "Datei nicht lesbar: "+filepath.Base(f.path), fmt.Errorf("%w: %w", ErrBadDocument, err))
		}
		total += st.Size()
	}
	if total > c.cfg.MaxContentBytes {
		return nil, c.reject(0, fmt.Sprintf("Inhalt zu groß (%d Bytes, erlaubt %d)", total, c.cfg.MaxContentBytes), ErrTooLarge)
	}
	return files, nil
}
