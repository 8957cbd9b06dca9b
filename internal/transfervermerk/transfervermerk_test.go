package transfervermerk

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"github.com/eingang/eingang/internal/testenv"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

func corpusScans(t testing.TB) []string {
	t.Helper()
	dir := filepath.Join(testenv.RepoRoot(t), "..", "shared", "corpus", "scans")
	if _, err := os.Stat(filepath.Join(testenv.RepoRoot(t), "..", "shared")); err != nil {
		t.Skip("shared corpus absent")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
	if len(files) == 0 {
		t.Fatal("no corpus PDFs")
	}
	return files
}

// imagePDF builds an image-only PDF from generated JPEGs with pdfcpu and
// returns it with the JPEG bytes of each page.
func imagePDF(t testing.TB, pages int) (string, [][]byte) {
	t.Helper()
	dir := t.TempDir()
	var files []string
	var jpgs [][]byte
	for i := 0; i < pages; i++ {
		img := image.NewGray(image.Rect(0, 0, 600, 800))
		for y := 0; y < 800; y++ {
			for x := 0; x < 600; x++ {
				v := uint8(250)
				if (x/25+y/20+i)%5 == 0 {
					v = 20
				}
				img.SetGray(x, y, color.Gray{Y: v})
			}
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 70}); err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, "p"+strconv.Itoa(i)+".jpg")
		os.WriteFile(f, b.Bytes(), 0o600)
		files = append(files, f)
		jpgs = append(jpgs, b.Bytes())
	}
	out := filepath.Join(dir, "scan.pdf")
	if err := api.ImportImagesFile(files, out, api.DefaultImportConfig(), nil); err != nil {
		t.Fatal(err)
	}
	return out, jpgs
}

// pdfcpuPageHashes computes the page hashes with pdfcpu's object model, an
// implementation independent of ours.
func pdfcpuPageHashes(t *testing.T, path string) []string {
	t.Helper()
	ctx, err := api.ReadContextFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := 1; i <= ctx.PageCount; i++ {
		d, _, inh, err := ctx.PageDict(i, false)
		if err != nil {
			t.Fatal(err)
		}
		res := d.DictEntry("Resources")
		if res == nil && inh != nil {
			res = inh.Resources
		}
		xo, err := ctx.DereferenceDict(res["XObject"])
		if err != nil {
			t.Fatal(err)
		}
		var best []byte
		bestArea := -1
		for _, o := range xo {
			sd, _, err := ctx.DereferenceStreamDict(o)
			if err != nil || sd == nil || sd.Subtype() == nil || *sd.Subtype() != "Image" {
				continue
			}
			w := sd.IntEntry("Width")
			h := sd.IntEntry("Height")
			if w != nil && h != nil && *w**h > bestArea {
				best, bestArea = sd.Raw, *w**h
			}
		}
		sum := sha256.Sum256(best)
		out = append(out, hex.EncodeToString(sum[:]))
	}
	return out
}

var _ = types.Dict{}

func TestPageHashesMatchIndependentSources(t *testing.T) {
	// pdfcpu stores imported JPEGs unchanged as DCT streams, so the page
	// hash must equal the SHA-256 of the JPEG file itself.
	path, jpgs := imagePDF(t, 3)
	got, err := PageHashes(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := range jpgs {
		sum := sha256.Sum256(j)
		if got[i] != hex.EncodeToString(sum[:]) {
			t.Fatalf("page %d: %s, want SHA-256 of the JPEG %x", i+1, got[i], sum)
		}
	}
	for _, f := range append(corpusScans(t)[:6], path) {
		got, err := PageHashes(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if want := pdfcpuPageHashes(t, f); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: ours %v, pdfcpu %v", filepath.Base(f), got, want)
		}
	}
}

func sampleRecord() *Record {
	at := time.Date(2026, 11, 23, 8, 15, 0, 0, time.UTC)
	r := New()
	r.DocumentID = "sha256:c81d2990b761b7478c8a7f9537fa740dc2f0942a9e3811ec1cbfd0b16137b2aa"
	r.Creator = Person{Pseudonym: "scan-07"}
	r.Environment = Environment{
		OrgUnit:     OrgUnit{Name: "Stadt Musterstadt, Zentrale Scanstelle", Address: "Marktplatz 1, 12345 Musterstadt"},
		Scanner:     Scanner{Product: "Fujitsu fi-7160", InventoryNumber: "INV-4711"},
		Workstation: "SCAN-PC-02",
		Procedure:   Procedure{Name: "Posteingang Rechnungen", Variant: "Farbe", Version: "1.3"},
	}
	r.Batch = &Batch{ID: "2026-11-23-001", Position: "Abbild 4 bis 6",
		RemovedPages: []RemovedPage{{BatchPage: 5, Reason: "leere Seite", Detail: "0.01 % Tinte"}}}
	r.CaptureTime = at
	r.Capture = Capture{DPI: 300, ColourMode: ColourGray, Duplex: true}
	r.Steps = []Step{
		{Name: "capture", CompletedAt: at, ActorKind: ActorStaff, Actor: "scan-07", System: "Kofax", Attributes: map[string]string{"dpi": "300", "duplex": "true"}},
		{Name: "rotation", CompletedAt: at.Add(time.Minute), ActorKind: ActorService, Actor: "eingang-worker", Attributes: map[string]string{"pages": "2", "degrees": "180"}},
		{Name: "deskew", CompletedAt: at.Add(time.Minute), ActorKind: ActorService, Actor: "eingang-worker", Attributes: map[string]string{"applied_to": "recognition_only"}},
		{Name: "ocr", CompletedAt: at.Add(2 * time.Minute), ActorKind: ActorService, Actor: "eingang-worker", System: "tesseract 5.3", Attributes: map[string]string{"lang": "deu"}},
	}
	r.QualityCheck.CheckedAt = at.Add(3 * time.Minute)
	r.QualityCheck.Method = "automatic"
	r.QualityCheck.Result = QSWithAnomalies
	r.QualityCheck.LowOCRConfidencePages = []int{2}
	r.QualityCheck.PageCountChecked = true
	r.Anomalies = []Anomaly{{Page: 2, Kind: "low_ocr_confidence", Description: "mittlere OCR-Konfidenz 61 %"}}
	r.Statement.Matches = true
	return r
}

func TestEmbedAndRead(t *testing.T) {
	in := corpusScans(t)[0]
	dir := t.TempDir()
	out := filepath.Join(dir, "tv.pdf")
	rec := sampleRecord()
	if err := Embed(in, out, rec); err != nil {
		t.Fatal(err)
	}
	if rec.PageCount != 3 || len(rec.Pages) != 3 {
		t.Fatalf("pages not filled: %+v", rec.Pages)
	}
	got, err := Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, rec) {
		t.Fatalf("read back differs:\n%+v\n%+v", got, rec)
	}
	if err := Check(out, got); err != nil {
		t.Fatal(err)
	}
	// The original bytes are untouched (incremental update).
	a, _ := os.ReadFile(in)
	b, _ := os.ReadFile(out)
	if !bytes.HasPrefix(b, a) {
		t.Fatal("Embed rewrote the original bytes")
	}

	if _, err := exec.LookPath("qpdf"); err == nil {
		if o, err := exec.Command("qpdf", "--check", out).CombinedOutput(); err != nil {
			t.Fatalf("qpdf --check: %v\n%s", err, o)
		}
	}
	// pdfcpu finds the attachment with identical content.
	f, _ := os.Open(out)
	defer f.Close()
	atts, err := api.ExtractAttachmentsRaw(f, "", []string{AttachmentName}, model.NewDefaultConfiguration())
	if err != nil || len(atts) != 1 {
		t.Fatalf("pdfcpu attachments: %v %d", err, len(atts))
	}
	data, _ := io.ReadAll(atts[0])
	js, _ := json.MarshalIndent(rec, "", "  ")
	if !bytes.Equal(data, js) {
		t.Fatalf("pdfcpu attachment differs:\n%s", data)
	}
	// poppler sees the XMP with our namespace.
	if _, err := exec.LookPath("pdfinfo"); err == nil {
		o, err := exec.Command("pdfinfo", "-meta", out).CombinedOutput()
		if err != nil || !strings.Contains(string(o), XMPNamespace) || !strings.Contains(string(o), "<tv:PageCount>3</tv:PageCount>") {
			t.Fatalf("pdfinfo -meta: %v\n%s", err, o)
		}
	}

	// Embedding again replaces the record instead of adding a second one.
	rec2 := *got
	rec2.Creator = Person{Name: "Erika Mustermann"}
	out2 := filepath.Join(dir, "tv2.pdf")
	if err := Embed(out, out2, &rec2); err != nil {
		t.Fatal(err)
	}
	got2, err := Read(out2)
	if err != nil || got2.Creator.Name != "Erika Mustermann" {
		t.Fatalf("second embed: %v %+v", err, got2)
	}
	o, _ := exec.Command("pdfinfo", "-meta", out2).CombinedOutput()
	if strings.Count(string(o), `xmlns:tv="`+XMPNamespace) != 1 || strings.Count(string(o), "<pdfaSchema:namespaceURI>"+XMPNamespace) != 1 {
		t.Fatalf("XMP description duplicated:\n%s", o)
	}
}

func TestEmbedRefusesWrongPages(t *testing.T) {
	in := corpusScans(t)[0]
	rec := sampleRecord()
	rec.PageCount = 3
	for i := 1; i <= 3; i++ {
		rec.Pages = append(rec.Pages, Page{Number: i, SHA256: strings.Repeat("0", 64)})
	}
	err := Embed(in, filepath.Join(t.TempDir(), "x.pdf"), rec)
	if !errors.Is(err, ErrPageMismatch) {
		t.Fatalf("got %v, want ErrPageMismatch", err)
	}
	if err := Check(in, rec); !errors.Is(err, ErrPageMismatch) {
		t.Fatalf("Check: %v", err)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		modify func(*Record)
		want   string
	}{
		{"ok", func(*Record) {}, ""},
		{"organisation only", func(r *Record) { r.Creator = Person{} }, "creator:"},
		{"colour", func(r *Record) { r.Capture.ColourMode = "sepia" }, "capture.colour_mode"},
		{"schema", func(r *Record) { r.SchemaVersion = "2.0" }, "schema_version"},
		{"qs", func(r *Record) { r.QualityCheck.Result = "" }, "quality_check.result"},
		{"step actor", func(r *Record) { r.Steps[0].ActorKind = "robot" }, "processing_steps[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := sampleRecord()
			r.PageCount = 1
			r.Pages = []Page{{Number: 1, SHA256: strings.Repeat("a", 64)}}
			tc.modify(r)
			err := r.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidRecord) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// TestSchema validates a record against the JSON Schema with Python's
// jsonschema (an independent validator) and checks that the schema names
// exactly the JSON fields of Record.
func TestSchema(t *testing.T) {
	var schema map[string]any
	if err := json.Unmarshal(Schema, &schema); err != nil {
		t.Fatal(err)
	}
	props := schema["properties"].(map[string]any)
	rt := reflect.TypeOf(Record{})
	for i := 0; i < rt.NumField(); i++ {
		name := strings.Split(rt.Field(i).Tag.Get("json"), ",")[0]
		if _, ok := props[name]; !ok {
			t.Errorf("schema lacks %q", name)
		}
	}
	if len(props) != rt.NumField() {
		t.Errorf("schema has %d properties, Record %d fields", len(props), rt.NumField())
	}
	if _, err := exec.Command("python3", "-c", "import jsonschema").CombinedOutput(); err != nil {
		t.Skip("python3 jsonschema not available")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "schema.json"), Schema, 0o600)
	r := sampleRecord()
	r.PageCount = 1
	r.Pages = []Page{{Number: 1, SHA256: strings.Repeat("a", 64)}}
	good, _ := os.ReadFile(filepath.Join("testdata", "record.golden.json"))
	r.Creator = Person{}
	r.Capture.ColourMode = "sepia"
	bad, _ := json.Marshal(r)
	script := `import json,sys,jsonschema
s=json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(s)
jsonschema.validate(json.load(open(sys.argv[2])), s, cls=jsonschema.Draft202012Validator)`
	for _, c := range []struct {
		doc  []byte
		want bool
	}{{good, true}, {bad, false}} {
		f := filepath.Join(dir, "doc.json")
		os.WriteFile(f, c.doc, 0o600)
		o, err := exec.Command("python3", "-c", script, filepath.Join(dir, "schema.json"), f).CombinedOutput()
		if (err == nil) != c.want {
			t.Fatalf("jsonschema valid=%v, want %v:\n%s\n%s", err == nil, c.want, o, c.doc)
		}
	}
}

func TestReadWithoutRecord(t *testing.T) {
	if _, err := Read(corpusScans(t)[0]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
}
