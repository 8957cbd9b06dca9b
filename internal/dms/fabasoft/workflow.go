// The workflow side of Deliver: request marker, start and the ledger of
// starts and stale markers known to this process (see the package doc).

package fabasoft

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/eingang/eingang/internal/dms"
)

// Values written to workflow_attribute besides a process instance COO.
// Neither can be mistaken for a COO address.
const (
	// WorkflowRequestedPrefix starts the marker written right before the
	// workflow start call; an RFC 3339 UTC time follows.
	WorkflowRequestedPrefix = "angefordert "
	// WorkflowStartedPrefix starts the value written by the commit marker
	// when the start call returns no process id (SOAPInitializeWorkFlow, or
	// a SOAPStartWorkflow answer without newprocinst); a time follows.
	WorkflowStartedPrefix = "gestartet "
)

// clearTimeout bounds the best-effort clearing of a request marker, which
// runs even when the caller's context is already cancelled.
const clearTimeout = 10 * time.Second

// ledgerEntry is what this process knows about the workflow of one
// half-delivered document beyond what Fabasoft shows: either the value of
// a start that succeeded but whose commit marker was not written yet
// (started), or a request marker whose start certainly did not happen but
// whose clearing failed (stale).
type ledgerEntry struct {
	coo     string
	stale   string // request marker known not to stand for a started workflow
	started string // process COO or "gestartet …"
}

// workflowValue returns the workflow_attribute of a search hit, or "".
func (c *Client) workflowValue(h *searchObject) string {
	if h == nil || c.cfg.WorkflowAttribute == "" {
		return ""
	}
	return h.attr(c.cfg.WorkflowAttribute)
}

// earlierWorkflow interprets the workflow_attribute value v of a resumed
// document: "" (no workflow requested), a started workflow whose commit
// marker is missing (returned, so that it is not started again), or a
// request marker. A request marker means the outcome of an earlier start is
// unknown, unless this process knows better from its ledger; then the
// document is rejected for a clerk to check.
func (c *Client) earlierWorkflow(id, coo, name, v string) (string, error) {
	c.mu.Lock()
	e, known := c.ledger[id]
	c.mu.Unlock()
	known = known && e.coo == coo
	switch {
	case known && e.started != "":
		return e.started, nil // our start succeeded, only the commit failed
	case !strings.HasPrefix(v, WorkflowRequestedPrefix):
		return v, nil
	case known && e.stale == v:
		return "", nil // our start certainly did not happen
	}
	return "", c.unconfirmed(coo, name, v, nil)
}

// requestWorkflow writes the request marker, starts the workflow and
// returns the value for the commit marker.
func (c *Client) requestWorkflow(ctx context.Context, id, coo, name string) (string, error) {
	// workflow_attribute is set whenever a workflow is (Validate).
	pending := WorkflowRequestedPrefix + c.now().UTC().Format(time.RFC3339)
	if err := c.setWorkflowAttribute(ctx, coo, pending); err != nil {
		if !notProcessed(err) {
			// The marker may have been written although no start
			// followed: clear it, or the next attempt would reject.
			c.clearRequest(ctx, id, coo, pending)
		}
		return "", err
	}
	if err := ctx.Err(); err != nil { // nothing sent yet: no ambiguity
		c.clearRequest(ctx, id, coo, pending)
		return "", err
	}
	proc, err := c.startWorkflow(ctx, coo)
	if err != nil {
		if !notProcessed(err) {
			return "", c.unconfirmed(coo, name, pending, err)
		}
		c.clearRequest(ctx, id, coo, pending)
		var re *dms.RejectedError
		if errors.As(err, &re) {
			re.Reason = "Rechnungsworkflow: " + re.Reason
		}
		return "", err
	}
	started := proc
	if !cooRE.MatchString(started) {
		started = WorkflowStartedPrefix + c.now().UTC().Format(time.RFC3339)
	}
	// Remembered until the commit marker is written, so that a transient
	// failure of step 7 does not end in a rejection on the next attempt.
	c.remember(id, ledgerEntry{coo: coo, started: started})
	return started, nil
}

// clearRequest removes the request marker after a start that certainly did
// not happen. It is best effort: if it fails, the ledger vouches for the
// stale marker in this process, and after a restart the next attempt takes
// the cautious branch (rejection).
func (c *Client) clearRequest(ctx context.Context, id, coo, pending string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), clearTimeout)
	defer cancel()
	if err := c.setWorkflowAttribute(ctx, coo, ""); err != nil {
		c.remember(id, ledgerEntry{coo: coo, stale: pending})
		return
	}
	c.forget(id)
}

func (c *Client) setWorkflowAttribute(ctx context.Context, coo, v string) error {
	return c.setProperties(ctx, coo, []propValue{{ref: c.cfg.WorkflowAttribute, typ: "STRING", values: []string{v}}})
}

func (c *Client) remember(id string, e ledgerEntry) {
	c.mu.Lock()
	c.ledger[id] = e
	c.mu.Unlock()
}

func (c *Client) forget(id string) {
	c.mu.Lock()
	delete(c.ledger, id)
	c.mu.Unlock()
}

// unconfirmed is the rejection for a workflow start with unknown outcome
// for the object coo named name; marker is the request marker
// ("angefordert <time>"), cause the error of the start call if this
// attempt made it. The wording follows the d.3 client's equivalent message.
func (c *Client) unconfirmed(coo, name, marker string, cause error) error {
	raw := strings.TrimSpace(strings.TrimPrefix(marker, WorkflowRequestedPrefix))
	when := raw
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		when = t.UTC().Format("02.01.2006 um 15:04:05 UTC")
	}
	reason := fmt.Sprintf("Rechnungsworkflow: Start am %s bei Fabasoft angefordert, aber nicht bestätigt "+
		"(die Antwort ging verloren). Bitte in der E-Akte beim Objekt „%s“ (%s) prüfen, ob der Rechnungsworkflow läuft, "+
		"und ihn sonst von Hand starten. Die Datei bitte nicht wieder in den Eingangsordner legen: "+
		"das würde nur diese Prüfung wiederholen.", when, name, coo)
	err := fmt.Errorf("%w: %s, requested %s", ErrWorkflowUnconfirmed, coo, raw)
	if cause != nil {
		err = fmt.Errorf("%w: %w", err, cause)
	}
	return c.reject(0, reason, err)
}

func (c *Client) wantsWorkflow(doc *dms.Document) bool {
	if c.cfg.Workflow.Operation == WorkflowNone || doc.HoldWorkflow != "" {
		return false
	}
	return len(c.cfg.Workflow.Kinds) == 0 || slices.Contains(c.cfg.Workflow.Kinds, doc.Kind)
}
