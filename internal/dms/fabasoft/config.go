package fabasoft

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/netconf"
)

// Default values applied by [Defaults]; they are the product standard names
// from fabasoft-api.md §1 and §4.
const (
	DefaultWebService    = "FSCGOVXML_1_1001_DefaultWebServiceDefinition"
	DefaultDocumentClass = "COOELAK@1.1001:Incoming"
	DefaultContentClass  = "FSCACROBAT@1.1:PDFObject"
	// DefaultReferenceAttribute is the documented fallback for the
	// idempotency key ("Fremdes Geschäftszeichen"); operators should provide
	// a dedicated DfV attribute instead (fabasoft-api.md §4.5).
	DefaultReferenceAttribute = "COOELAK@1.1001:foreignnr"
	// DefaultNameTemplate names the Eingang; it contains the short document
	// id so that a document whose create response was lost can be found again
	// by name (see [Config.NameTemplate]).
	DefaultNameTemplate = `{{with index .Metadata "invoice_number"}}Eingangsrechnung {{.}}{{else}}Eingang {{.SourceName}}{{end}} [{{short .ID}}]`
)

// Workflow operations selectable with workflow.operation.
const (
	WorkflowStart      = "start_workflow"      // SOAPStartWorkflow{objaddress, dept}; returns the process instance
	WorkflowInitialize = "initialize_workflow" // SOAPInitializeWorkFlow{obj-id, procdef-ids}; returns nothing
	WorkflowNone       = "none"                // deliver only
)

// Config configures one Fabasoft eGov-Suite target (the FSCGOVXML standard
// SOAP web service). Every installation-specific value (class references,
// container, process definition, attribute references) comes from the
// operator, see fabasoft-api.md §13.
type Config struct {
	// Name is the target name shown in receipts and logs. Default "fabasoft".
	Name string `yaml:"name"`
	// BaseURL is the installation's virtual directory, e.g.
	// "https://egov.example.de/fsc". Must be https; plain http is accepted
	// only for loopback hosts (the dms-sim fake).
	BaseURL string `yaml:"base_url"`
	// WebService is the web service definition with underscores.
	WebService string `yaml:"web_service"`

	// Username of the technical user (HTTP Basic). Alternatively
	// UsernameEnv names an environment variable holding it.
	Username    string `yaml:"username"`
	UsernameEnv string `yaml:"username_env"`
	// PasswordFile or PasswordEnv supply the password; it is never logged
	// and never part of this struct after loading.
	PasswordFile string `yaml:"password_file"`
	PasswordEnv  string `yaml:"password_env"`
	// AuthenticatedUser, when set, is sent as X-FSC-Authenticated-User
	// (impersonation; the technical user must be a privileged user).
	AuthenticatedUser string `yaml:"authenticated_user"`
	// Position and Group are sent as the px and gx query parameters.
	Position string `yaml:"position"`
	Group    string `yaml:"group"`

	// CAFile is a PEM bundle of extra trusted CAs (the operator's CA).
	CAFile string `yaml:"ca_file"`
	// ClientCertFile and ClientKeyFile enable mTLS (PEM).
	ClientCertFile string `yaml:"client_cert_file"`
	ClientKeyFile  string `yaml:"client_key_file"`

	// Container is the COO address of the Vorgang receiving the Eingänge.
	Container string `yaml:"container"`
	// DocumentClass is the class reference (or class COO) of the document.
	DocumentClass string `yaml:"document_class"`
	// ContentClass is the class of the Schriftstück holding the PDF.
	ContentClass string `yaml:"content_class"`
	// AttachmentClass is the class for attachments whose name does not end
	// in .pdf; default: ContentClass.
	AttachmentClass string `yaml:"attachment_class"`
	// NameTemplate renders the document's name (text/template over the
	// document fields). It must include the document id ({{short .ID}} or
	// {{.ID}}): after a lost create response the client finds the
	// half-delivered document by this name.
	NameTemplate string `yaml:"name_template"`
	// ReferenceAttribute is the string attribute holding the document id
	// (content SHA-256) used for the idempotent look-up. It is written last,
	// as the commit marker, once content, properties and workflow are done.
	ReferenceAttribute string `yaml:"reference_attribute"`
	// WorkflowAttribute is a string attribute (ask the operator for a
	// dedicated DfV attribute) in which the client records the workflow
	// state on the document: "angefordert <time>" right before the start
	// call, then the process instance COO ("gestartet <time>" for
	// initialize_workflow, which returns no id) together with the
	// reference. A document found with "angefordert …" but without
	// reference is not started again but rejected for a clerk to check,
	// because Fabasoft offers no way to ask whether the workflow runs.
	// Required unless workflow.operation is none; it must not be written
	// by anything else.
	WorkflowAttribute string `yaml:"workflow_attribute"`
	// Properties are set with SOAPGenericSetProperties after the content.
	Properties []Property `yaml:"properties"`

	Workflow WorkflowConfig `yaml:"workflow"`

	// Timeout bounds one SOAP call (production receive timeout is 900 s for
	// large content). Default 120s.
	Timeout time.Duration `yaml:"timeout"`
	// MaxContentBytes refuses larger files before sending ("Maximale Größe
	// der Inhalte"). Default 100 MiB.
	MaxContentBytes int64 `yaml:"max_content_bytes"`
	// MaxResponseBytes caps a response body. Default 4 MiB.
	MaxResponseBytes int64 `yaml:"max_response_bytes"`
	// RetryErrorReferences lists ErrorReference codes of SOAP faults that are
	// transient at this installation (e.g. "object locked"); all other
	// faults reject the document.
	RetryErrorReferences []string `yaml:"retry_error_references"`
}

// Property maps one document field onto a Fabasoft attribute.
type Property struct {
	// Reference is the full attribute reference, e.g.
	// "COOELAK@1.1001:foreignnr" or a DfV attribute.
	Reference string `yaml:"reference"`
	// Type is the universal value element: STRING (default), INTEGER,
	// FLOAT, BOOLEAN, DATE, DATETIME, ENUM, OBJECT or STRINGLIST (one
	// value per line of the rendered template).
	Type string `yaml:"type"`
	// Value is a text/template over the document fields, e.g.
	// `{{index .Metadata "invoice_number"}}`. Empty results are not sent.
	Value string `yaml:"value"`
}

// WorkflowConfig selects how the process (Rechnungsworkflow) is started.
type WorkflowConfig struct {
	// Operation is start_workflow (default), initialize_workflow or none.
	Operation string `yaml:"operation"`
	// Dept is the Fachanwendungsbereich reference for SOAPStartWorkflow
	// whose configuration selects the process definition.
	Dept string `yaml:"dept"`
	// ProcessDefinitions are the process definition COOs for
	// SOAPInitializeWorkFlow.
	ProcessDefinitions []string `yaml:"process_definitions"`
	// Kinds limits the workflow to these document kinds (e.g. "rechnung");
	// empty means every document.
	Kinds []string `yaml:"kinds"`
}

// Defaults returns a Config with every optional key set to its default.
func Defaults() Config {
	return Config{
		Name:               "fabasoft",
		WebService:         DefaultWebService,
		DocumentClass:      DefaultDocumentClass,
		ContentClass:       DefaultContentClass,
		NameTemplate:       DefaultNameTemplate,
		ReferenceAttribute: DefaultReferenceAttribute,
		Workflow:           WorkflowConfig{Operation: WorkflowStart},
		Timeout:            120 * time.Second,
		MaxContentBytes:    100 << 20,
		MaxResponseBytes:   4 << 20,
	}
}

var (
	cooRE       = regexp.MustCompile(`^COO\.\d+\.\d+\.\d+\.\d+$`)
	referenceRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*@\d+\.\d+:[A-Za-z_][A-Za-z0-9_]*$`)
	wsdRE       = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*_\d+_\d+_[A-Za-z0-9_]+$`)
)

var valueTypes = map[string]bool{
	"STRING": true, "INTEGER": true, "FLOAT": true, "BOOLEAN": true, "DATE": true,
	"DATETIME": true, "ENUM": true, "OBJECT": true, "STRINGLIST": true,
}

// DecodeConfig decodes the options node of a fabasoft target over
// Defaults, except the name. It does not validate.
func DecodeConfig(n *yaml.Node) (Config, error) {
	c := Defaults()
	// Left empty, the name becomes the target's own (see New): two
	// Fabasoft targets must not both sign their receipts "fabasoft".
	c.Name = ""
	if n == nil || n.Kind == 0 {
		return c, nil
	}
	if err := n.Decode(&c); err != nil {
		return c, fmt.Errorf("fabasoft options: %w", err)
	}
	return c, nil
}

// Validate checks the configuration; messages name the offending key.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if c.Name == "" {
		bad("name: must not be empty")
	}
	if u, err := url.Parse(c.BaseURL); c.BaseURL == "" || err != nil || u.Host == "" {
		bad("base_url: must be an absolute URL like https://host/fsc")
	} else if u.Scheme != "https" && !(u.Scheme == "http" && netconf.IsLoopback(u.Hostname())) {
		bad("base_url: must be https (http only for loopback)")
	} else if u.RawQuery != "" || u.Fragment != "" {
		bad("base_url: must not contain a query or fragment")
	}
	if !wsdRE.MatchString(c.WebService) {
		bad("web_service: %q is not a web service definition like %s", c.WebService, DefaultWebService)
	}
	if c.Username == "" && c.UsernameEnv == "" {
		bad("username: set username or username_env")
	}
	if c.Username != "" && c.UsernameEnv != "" {
		bad("username_env: set either username or username_env, not both")
	}
	if (c.PasswordFile == "") == (c.PasswordEnv == "") {
		bad("password_file: set exactly one of password_file or password_env")
	}
	if (c.ClientCertFile == "") != (c.ClientKeyFile == "") {
		bad("client_key_file: client_cert_file and client_key_file go together")
	}
	if !cooRE.MatchString(c.Container) {
		bad("container: %q is not a COO address (COO.a.b.c.d)", c.Container)
	}
	for key, v := range map[string]string{"document_class": c.DocumentClass, "content_class": c.ContentClass} {
		if !isClassRef(v) {
			bad("%s: %q is neither a reference (COMPONENT@1.1:name) nor a COO address", key, v)
		}
	}
	if c.AttachmentClass != "" && !isClassRef(c.AttachmentClass) {
		bad("attachment_class: %q is neither a reference nor a COO address", c.AttachmentClass)
	}
	if !referenceRE.MatchString(c.ReferenceAttribute) {
		bad("reference_attribute: %q is not an attribute reference", c.ReferenceAttribute)
	}
	if c.WorkflowAttribute != "" && !referenceRE.MatchString(c.WorkflowAttribute) {
		bad("workflow_attribute: %q is not an attribute reference", c.WorkflowAttribute)
	}
	if c.WorkflowAttribute != "" && c.WorkflowAttribute == c.ReferenceAttribute {
		bad("workflow_attribute: must differ from reference_attribute")
	}
	if c.WorkflowAttribute == "" && (c.Workflow.Operation == WorkflowStart || c.Workflow.Operation == WorkflowInitialize) {
		bad("workflow_attribute: required when workflow.operation is %s: it records that the "+
			"Rechnungsworkflow was requested, so that a lost answer never starts it twice "+
			"(or set workflow.operation: none)", c.Workflow.Operation)
	}
	if err := checkNameTemplate(c.NameTemplate); err != nil {
		bad("name_template: %v", err)
	}
	for i, p := range c.Properties {
		if !referenceRE.MatchString(p.Reference) {
			bad("properties[%d].reference: %q is not an attribute reference", i, p.Reference)
		}
		if p.Reference == c.ReferenceAttribute || (p.Reference != "" && p.Reference == c.WorkflowAttribute) {
			bad("properties[%d].reference: %s is written by the client itself", i, p.Reference)
		}
		if t := strings.ToUpper(p.Type); t != "" && !valueTypes[t] {
			bad("properties[%d].type: %q is not one of STRING, INTEGER, FLOAT, BOOLEAN, DATE, DATETIME, ENUM, OBJECT, STRINGLIST", i, p.Type)
		}
		if _, err := parseTemplate("p", p.Value); err != nil {
			bad("properties[%d].value: %v", i, err)
		}
	}
	switch c.Workflow.Operation {
	case WorkflowStart:
		if c.Workflow.Dept == "" {
			bad("workflow.dept: required for start_workflow (Fachanwendungsbereich reference)")
		}
	case WorkflowInitialize:
		if len(c.Workflow.ProcessDefinitions) == 0 {
			bad("workflow.process_definitions: required for initialize_workflow")
		}
		for i, p := range c.Workflow.ProcessDefinitions {
			if !cooRE.MatchString(p) {
				bad("workflow.process_definitions[%d]: %q is not a COO address", i, p)
			}
		}
	case WorkflowNone:
	default:
		bad("workflow.operation: %q is not start_workflow, initialize_workflow or none", c.Workflow.Operation)
	}
	if c.Timeout <= 0 {
		bad("timeout: must be positive")
	}
	if c.MaxContentBytes <= 0 {
		bad("max_content_bytes: must be positive")
	}
	if c.MaxResponseBytes < 4096 {
		bad("max_response_bytes: must be at least 4096")
	}
	return errors.Join(errs...)
}

func isClassRef(s string) bool { return referenceRE.MatchString(s) || cooRE.MatchString(s) }

// checkNameTemplate makes sure two documents that differ only in their id
// get different names, which the lost-response recovery relies on.
func checkNameTemplate(text string) error {
	t, err := parseTemplate("name", text)
	if err != nil {
		return err
	}
	a, errA := render(t, &dms.Document{ID: strings.Repeat("a", 64)})
	b, errB := render(t, &dms.Document{ID: strings.Repeat("b", 64)})
	if err := errors.Join(errA, errB); err != nil {
		return err
	}
	if a == b {
		return errors.New("must include the document id, e.g. [{{short .ID}}]")
	}
	return nil
}
