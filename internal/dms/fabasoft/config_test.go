package fabasoft

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func validConfig() Config {
	c := Defaults()
	c.BaseURL = "https://egov.example.de/fsc"
	c.Username = "svc-eingang"
	c.PasswordFile = "/run/secrets/fabasoft"
	c.Container = "COO.1.2301.1.1042432"
	c.Workflow.Dept = "FSCBAI@1.1:Department"
	c.WorkflowAttribute = "lhmdfvpublic@2150.8800:prozessid"
	return c
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantKey string // "" = valid
	}{
		{"valid", func(*Config) {}, ""},
		{"http loopback allowed", func(c *Config) { c.BaseURL = "http://127.0.0.1:8091/fsc" }, ""},
		{"http remote refused", func(c *Config) { c.BaseURL = "http://egov.example.de/fsc" }, "base_url: must be https"},
		{"base_url with query", func(c *Config) { c.BaseURL = "https://h/fsc?x=1" }, "base_url:"},
		{"no base_url", func(c *Config) { c.BaseURL = "" }, "base_url:"},
		{"bad web service", func(c *Config) { c.WebService = "FSCGOVXML@1.1001:Default" }, "web_service:"},
		{"no user", func(c *Config) { c.Username = "" }, "username:"},
		{"user twice", func(c *Config) { c.UsernameEnv = "U" }, "username_env:"},
		{"no password", func(c *Config) { c.PasswordFile = "" }, "password_file:"},
		{"password twice", func(c *Config) { c.PasswordEnv = "P" }, "password_file:"},
		{"cert without key", func(c *Config) { c.ClientCertFile = "c.pem" }, "client_key_file:"},
		{"container not COO", func(c *Config) { c.Container = "Rechnungen" }, "container:"},
		{"bad class", func(c *Config) { c.DocumentClass = "Incoming" }, "document_class:"},
		{"class as COO", func(c *Config) { c.DocumentClass = "COO.1.1001.1.16603" }, ""},
		{"bad reference attribute", func(c *Config) { c.ReferenceAttribute = "foreignnr" }, "reference_attribute:"},
		{"name without id", func(c *Config) { c.NameTemplate = "Eingang {{.SourceName}}" }, "name_template: must include the document id"},
		{"name template syntax", func(c *Config) { c.NameTemplate = "{{.ID" }, "name_template:"},
		{"property reference", func(c *Config) { c.Properties = []Property{{Reference: "x", Value: "y"}} }, "properties[0].reference:"},
		{"property type", func(c *Config) {
			c.Properties = []Property{{Reference: "a@1.1:b", Type: "MONEY", Value: "y"}}
		}, "properties[0].type:"},
		{"property template", func(c *Config) { c.Properties = []Property{{Reference: "a@1.1:b", Value: "{{"}} }, "properties[0].value:"},
		{"property is the reference", func(c *Config) {
			c.Properties = []Property{{Reference: DefaultReferenceAttribute, Value: "x"}}
		}, "properties[0].reference:"},
		{"start without dept", func(c *Config) { c.Workflow.Dept = "" }, "workflow.dept:"},
		{"initialize without procdefs", func(c *Config) { c.Workflow.Operation = WorkflowInitialize }, "workflow.process_definitions:"},
		{"initialize bad procdef", func(c *Config) {
			c.Workflow = WorkflowConfig{Operation: WorkflowInitialize, ProcessDefinitions: []string{"Rechnungsworkflow"}}
		}, "workflow.process_definitions[0]:"},
		{"unknown operation", func(c *Config) { c.Workflow.Operation = "start" }, "workflow.operation:"},
		{"no workflow", func(c *Config) { c.Workflow = WorkflowConfig{Operation: WorkflowNone} }, ""},
		{"no workflow needs no workflow attribute", func(c *Config) {
			c.Workflow = WorkflowConfig{Operation: WorkflowNone}
			c.WorkflowAttribute = ""
		}, ""},
		{"start without workflow attribute", func(c *Config) { c.WorkflowAttribute = "" }, "workflow_attribute: required when workflow.operation is start_workflow"},
		{"initialize without workflow attribute", func(c *Config) {
			c.Workflow = WorkflowConfig{Operation: WorkflowInitialize, ProcessDefinitions: []string{"COO.1.1001.1.99999"}}
			c.WorkflowAttribute = ""
		}, "workflow_attribute: required when workflow.operation is initialize_workflow"},
		{"workflow attribute is the reference", func(c *Config) { c.WorkflowAttribute = c.ReferenceAttribute }, "workflow_attribute: must differ from reference_attribute"},
		{"bad workflow attribute", func(c *Config) { c.WorkflowAttribute = "prozessid" }, "workflow_attribute:"},
		{"timeout", func(c *Config) { c.Timeout = 0 }, "timeout:"},
		{"max response", func(c *Config) { c.MaxResponseBytes = 10 }, "max_response_bytes:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.mutate(&c)
			err := c.Validate()
			if tt.wantKey == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantKey) {
				t.Fatalf("error = %v, want it to mention %q", err, tt.wantKey)
			}
		})
	}
}

func TestConfigFromYAML(t *testing.T) {
	src := `
base_url: https://egov.example.de/fsc
username: svc-eingang
password_env: FABASOFT_PASSWORD
ca_file: /etc/eingang/krzn-ca.pem
container: COO.1.2301.1.1042432
reference_attribute: lhmdfvpublic@2150.8800:externeid
workflow_attribute: lhmdfvpublic@2150.8800:prozessid
properties:
  - reference: COOELAK@1.1001:foreignnr
    value: '{{index .Metadata "invoice_number"}}'
  - reference: lhmdfvpublic@2150.8800:betrag
    type: FLOAT
    value: '{{index .Metadata "grand_total"}}'
workflow:
  operation: start_workflow
  dept: FSCBAI@1.1:Department
  kinds: [rechnung]
timeout: 15m
`
	c := Defaults()
	if err := yaml.Unmarshal([]byte(src), &c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Timeout.Minutes() != 15 || c.Properties[1].Type != "FLOAT" || c.Workflow.Kinds[0] != "rechnung" || c.WebService != DefaultWebService ||
		c.WorkflowAttribute != "lhmdfvpublic@2150.8800:prozessid" {
		t.Errorf("decoded %+v", c)
	}
}

func TestEndpointURL(t *testing.T) {
	c := validConfig()
	c.BaseURL = "https://egov.example.de/fsc/"
	c.Position = "COO.1.1.1.7"
	c.Group = "COO.1.1.1.8"
	want := "https://egov.example.de/fsc/fscdav/wsdl?WEBSVC=FSCGOVXML_1_1001_DefaultWebServiceDefinition&px=COO.1.1.1.7&gx=COO.1.1.1.8"
	if got := endpointURL(c); got != want {
		t.Errorf("endpoint = %s\nwant       %s", got, want)
	}
}
