package classify

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"github.com/eingang/eingang/internal/fsutil"
)

// ErrBadModel is returned when a model file cannot be read; retraining or
// pointing to the right file is needed, retrying is not.
var ErrBadModel = errors.New("classify: unreadable model file")

// ErrNoExamples is returned by Train for too few or single-class examples.
var ErrNoExamples = errors.New("classify: not enough labelled examples")

const modelFormat = "eingang-classify/1"

// Model is a trained tf-idf + multinomial logistic regression classifier.
// Its fields are exported only for JSON; treat a Model as read-only.
type Model struct {
	Format  string         `json:"format"`
	Classes []string       `json:"classes"`
	Vocab   map[string]int `json:"vocab"`
	IDF     []float64      `json:"idf"`
	W       [][]float64    `json:"weights"` // [class][feature]
	B       []float64      `json:"bias"`
	// Temperature divides the scores before the softmax; fitted on
	// held-out predictions so that a probability of 0.9 is right about
	// nine times in ten (temperature scaling). 0 means 1.
	Temperature float64 `json:"temperature,omitempty"`
}

// Example is one labelled document.
type Example struct {
	Text string `json:"text"`
	Kind string `json:"kind"`
}

// TrainOptions tune training; the zero value uses the defaults.
type TrainOptions struct {
	Epochs   int     // full-batch gradient steps, default 300
	L2       float64 // weight decay, default 1e-3
	Rate     float64 // learning rate, default 1.0
	MaxVocab int     // most frequent terms kept, default 20000
	MinDF    int     // terms in fewer documents are dropped, default 1
	// NoCalibration skips fitting the temperature on cross-validated
	// predictions (which trains five extra models).
	NoCalibration bool
}

func (o *TrainOptions) defaults() {
	if o.Epochs <= 0 {
		o.Epochs = 300
	}
	if o.L2 <= 0 {
		o.L2 = 1e-3
	}
	if o.Rate <= 0 {
		o.Rate = 1.0
	}
	if o.MaxVocab <= 0 {
		o.MaxVocab = 20000
	}
	if o.MinDF <= 0 {
		o.MinDF = 1
	}
}

// tokens splits text into lower-case word terms plus word bigrams. Digits
// collapse to "0" so that amounts and dates become shape features
// ("00.00.0000") instead of unique terms.
func tokens(text string) []string {
	if len(text) > 1<<20 {
		text = text[:1<<20]
	}
	var words []string
	for _, f := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '.' && r != ',' && r != '-' && r != '/'
	}) {
		f = strings.Trim(f, ".,-/")
		if len([]rune(f)) < 2 {
			continue
		}
		words = append(words, strings.Map(func(r rune) rune {
			if unicode.IsDigit(r) {
				return '0'
			}
			return r
		}, f))
	}
	out := append([]string(nil), words...)
	for i := 1; i < len(words); i++ {
		out = append(out, words[i-1]+" "+words[i])
	}
	return out
}

// vector returns the L2-normalised sublinear tf-idf vector as sparse pairs.
func (m *Model) vector(text string) ([]int, []float64) {
	tf := map[int]float64{}
	for _, t := range tokens(text) {
		if i, ok := m.Vocab[t]; ok {
			tf[i]++
		}
	}
	idx := make([]int, 0, len(tf))
	for i := range tf {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	val := make([]float64, len(idx))
	norm := 0.0
	for k, i := range idx {
		v := (1 + math.Log(tf[i])) * m.IDF[i]
		val[k] = v
		norm += v * v
	}
	if norm > 0 {
		norm = math.Sqrt(norm)
		for k := range val {
			val[k] /= norm
		}
	}
	return idx, val
}

// Predict returns the most probable kind and its probability, and the
// probabilities of all classes.
func (m *Model) Predict(text string) (string, float64, map[string]float64) {
	idx, val := m.vector(text)
	p := m.probs(idx, val)
	best := 0
	all := make(map[string]float64, len(p))
	for c := range p {
		all[m.Classes[c]] = p[c]
		if p[c] > p[best] {
			best = c
		}
	}
	return m.Classes[best], p[best], all
}

func (m *Model) probs(idx []int, val []float64) []float64 {
	z := make([]float64, len(m.Classes))
	mx := math.Inf(-1)
	for c := range z {
		s := m.B[c]
		w := m.W[c]
		for k, i := range idx {
			s += w[i] * val[k]
		}
		if m.Temperature > 0 {
			s /= m.Temperature
		}
		z[c] = s
		mx = math.Max(mx, s)
	}
	sum := 0.0
	for c := range z {
		z[c] = math.Exp(z[c] - mx)
		sum += z[c]
	}
	for c := range z {
		z[c] /= sum
	}
	return z
}

// Train fits a model to the examples and, unless opt.NoCalibration is set
// or there are fewer than 10 examples, calibrates its probabilities.
func Train(examples []Example, opt TrainOptions) (*Model, error) {
	m, err := train(examples, opt)
	if err != nil || opt.NoCalibration || len(examples) < 10 {
		return m, err
	}
	sub := opt
	sub.NoCalibration = true
	fold := Folds(examples, 5)
	var held [][]float64 // held-out class scores (log-probabilities) per example
	var ys []int
	for f := 0; f < 5; f++ {
		var tr []Example
		for i, e := range examples {
			if fold[i] != f {
				tr = append(tr, e)
			}
		}
		fm, err := train(tr, sub)
		if err != nil {
			// A fold without two kinds cannot be trained; keep T = 1.
			return m, nil
		}
		for i, e := range examples {
			if fold[i] != f {
				continue
			}
			idx, val := fm.vector(e.Text)
			p := fm.probs(idx, val)
			lp := make([]float64, len(m.Classes))
			for c, name := range m.Classes {
				lp[c] = math.Log(1e-12)
				for fc, fname := range fm.Classes {
					if fname == name {
						lp[c] = math.Log(math.Max(p[fc], 1e-12))
					}
				}
			}
			held = append(held, lp)
			for c, name := range m.Classes {
				if name == e.Kind {
					ys = append(ys, c)
				}
			}
		}
	}
	m.Temperature = fitTemperature(held, ys)
	return m, nil
}

// fitTemperature finds the T that minimises the negative log-likelihood of
// the held-out labels under softmax(log p / T), by a grid search.
func fitTemperature(lp [][]float64, ys []int) float64 {
	best, bestNLL := 1.0, math.Inf(1)
	for t := 0.25; t <= 8; t *= 1.1 {
		nll := 0.0
		for i, l := range lp {
			mx := math.Inf(-1)
			for _, v := range l {
				mx = math.Max(mx, v/t)
			}
			sum := 0.0
			for _, v := range l {
				sum += math.Exp(v/t - mx)
			}
			nll -= l[ys[i]]/t - mx - math.Log(sum)
		}
		if nll < bestNLL {
			best, bestNLL = t, nll
		}
	}
	return best
}

func train(examples []Example, opt TrainOptions) (*Model, error) {
	opt.defaults()
	classSet := map[string]bool{}
	for _, e := range examples {
		if strings.TrimSpace(e.Kind) != "" {
			classSet[e.Kind] = true
		}
	}
	if len(examples) < 2 || len(classSet) < 2 {
		return nil, fmt.Errorf("%w: need at least two kinds, have %d examples of %d kinds", ErrNoExamples, len(examples), len(classSet))
	}
	m := &Model{Format: modelFormat, Vocab: map[string]int{}}
	for k := range classSet {
		m.Classes = append(m.Classes, k)
	}
	sort.Strings(m.Classes)
	classIdx := map[string]int{}
	for i, c := range m.Classes {
		classIdx[c] = i
	}
	// Document frequencies decide the vocabulary and the idf.
	df := map[string]int{}
	for _, e := range examples {
		seen := map[string]bool{}
		for _, t := range tokens(e.Text) {
			if !seen[t] {
				seen[t] = true
				df[t]++
			}
		}
	}
	type term struct {
		t  string
		df int
	}
	var terms []term
	for t, n := range df {
		if n >= opt.MinDF {
			terms = append(terms, term{t, n})
		}
	}
	sort.Slice(terms, func(i, j int) bool {
		if terms[i].df != terms[j].df {
			return terms[i].df > terms[j].df
		}
		return terms[i].t < terms[j].t
	})
	if len(terms) > opt.MaxVocab {
		terms = terms[:opt.MaxVocab]
	}
	n := float64(len(examples))
	m.IDF = make([]float64, len(terms))
	for i, t := range terms {
		m.Vocab[t.t] = i
		m.IDF[i] = math.Log((1+n)/(1+float64(t.df))) + 1
	}
	nc, nf := len(m.Classes), len(terms)
	m.W = make([][]float64, nc)
	for c := range m.W {
		m.W[c] = make([]float64, nf)
	}
	m.B = make([]float64, nc)
	type vec struct {
		idx []int
		val []float64
		y   int
	}
	var data []vec
	for _, e := range examples {
		y, ok := classIdx[e.Kind]
		if !ok {
			continue
		}
		idx, val := m.vector(e.Text)
		data = append(data, vec{idx, val, y})
	}
	// Full-batch gradient descent on the L2-regularised cross-entropy; the
	// problem is convex and small, so plain steps converge.
	gW := make([][]float64, nc)
	for c := range gW {
		gW[c] = make([]float64, nf)
	}
	gB := make([]float64, nc)
	// Classes are weighted to equal total weight so that a majority class
	// (usually invoices) does not swamp the rest.
	count := make([]float64, nc)
	for _, d := range data {
		count[d.y]++
	}
	cw := make([]float64, nc)
	for c := range cw {
		if count[c] > 0 {
			cw[c] = float64(len(data)) / (float64(nc) * count[c])
		}
	}
	inv := 1 / float64(len(data))
	for ep := 0; ep < opt.Epochs; ep++ {
		for c := range gW {
			clear(gW[c])
		}
		clear(gB)
		for _, d := range data {
			p := m.probs(d.idx, d.val)
			for c := range p {
				g := p[c]
				if c == d.y {
					g--
				}
				g *= inv * cw[d.y]
				gB[c] += g
				row := gW[c]
				for k, i := range d.idx {
					row[i] += g * d.val[k]
				}
			}
		}
		for c := range m.W {
			w := m.W[c]
			for i := range w {
				w[i] -= opt.Rate * (gW[c][i] + opt.L2*w[i])
			}
			m.B[c] -= opt.Rate * gB[c]
		}
	}
	return m, nil
}

// Save writes the model as JSON.
func (m *Model) Save(path string) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("classify: save model: %w", err)
	}
	if err := fsutil.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("classify: save model: %w", err)
	}
	return nil
}

// LoadModel reads a model written by Save.
func LoadModel(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("classify: load model: %w", err)
	}
	defer f.Close()
	var m Model
	if err := json.NewDecoder(io.LimitReader(f, 512<<20)).Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadModel, path, err)
	}
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadModel, path, err)
	}
	return &m, nil
}

func (m *Model) check() error {
	if m.Format != modelFormat {
		return fmt.Errorf("format %q, want %q", m.Format, modelFormat)
	}
	if len(m.Classes) < 2 || len(m.W) != len(m.Classes) || len(m.B) != len(m.Classes) {
		return errors.New("class count does not match weights")
	}
	for _, w := range m.W {
		if len(w) != len(m.IDF) {
			return errors.New("weight length does not match vocabulary")
		}
	}
	for _, i := range m.Vocab {
		if i < 0 || i >= len(m.IDF) {
			return errors.New("vocabulary index out of range")
		}
	}
	return nil
}

// LoadExamplesDir reads a folder with one subfolder per kind holding text
// files (*.txt). Other files are returned in others so that the caller can
// OCR them.
func LoadExamplesDir(dir string) (examples []Example, others []Example, err error) {
	kinds, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("classify: examples: %w", err)
	}
	for _, k := range kinds {
		if !k.IsDir() {
			continue
		}
		files, err := os.ReadDir(filepath.Join(dir, k.Name()))
		if err != nil {
			return nil, nil, fmt.Errorf("classify: examples: %w", err)
		}
		for _, f := range files {
			if f.IsDir() || strings.HasPrefix(f.Name(), ".") {
				continue
			}
			p := filepath.Join(dir, k.Name(), f.Name())
			if strings.EqualFold(filepath.Ext(p), ".txt") {
				b, err := os.ReadFile(p)
				if err != nil {
					return nil, nil, fmt.Errorf("classify: examples: %w", err)
				}
				examples = append(examples, Example{Text: string(b), Kind: k.Name()})
			} else {
				others = append(others, Example{Text: p, Kind: k.Name()})
			}
		}
	}
	return examples, others, nil
}

// ReadExamplesJSONL reads corrected history, one {"text":…,"kind":…}
// object per line; lines without text or kind are skipped.
func ReadExamplesJSONL(r io.Reader) ([]Example, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	var out []Example
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		var e Example
		if err := json.Unmarshal([]byte(s), &e); err != nil {
			return nil, fmt.Errorf("classify: jsonl line %d: %w", line, err)
		}
		if e.Text != "" && e.Kind != "" {
			out = append(out, e)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("classify: jsonl: %w", err)
	}
	return out, nil
}

// Folds assigns each example to one of k folds, stratified: the examples
// of every kind are spread round-robin, so each fold sees every kind.
func Folds(examples []Example, k int) []int {
	out := make([]int, len(examples))
	next := map[string]int{}
	for i, e := range examples {
		out[i] = next[e.Kind] % k
		next[e.Kind]++
	}
	return out
}

// CrossValidate trains k models, each without one fold (see Folds), and
// returns the prediction and its probability for every example (in input
// order). k outside 2..len(examples) means leave-one-out.
func CrossValidate(examples []Example, k int, opt TrainOptions) (pred []string, prob []float64, err error) {
	var fold []int
	if k < 2 || k >= len(examples) {
		k = len(examples)
		fold = make([]int, len(examples))
		for i := range fold {
			fold[i] = i
		}
	} else {
		fold = Folds(examples, k)
	}
	pred = make([]string, len(examples))
	prob = make([]float64, len(examples))
	for f := 0; f < k; f++ {
		var train []Example
		for i, e := range examples {
			if fold[i] != f {
				train = append(train, e)
			}
		}
		m, err := Train(train, opt)
		if err != nil {
			return nil, nil, err
		}
		for i, e := range examples {
			if fold[i] == f {
				pred[i], prob[i], _ = m.Predict(e.Text)
			}
		}
	}
	return pred, prob, nil
}
