package einvoicetest

import "fmt"

// Sample is one generated invoice of the benchmark matrix.
type Sample struct {
	// Name is "<syntax>/lines=<n>", e.g. "UBL/lines=10", the sub-benchmark
	// name.
	Name string
	// Data is the invoice XML.
	Data []byte
}

// Samples returns a small (10 lines) and a large (1,000 lines) invoice in
// both syntaxes, UBL first: the inputs of the parse benchmarks.
func Samples() []Sample {
	var out []Sample
	for _, syn := range []struct {
		name string
		gen  func(Options) []byte
	}{{"UBL", UBL}, {"CII", CII}} {
		for _, lines := range []int{10, 1000} {
			out = append(out, Sample{Name: fmt.Sprintf("%s/lines=%d", syn.name, lines), Data: syn.gen(Options{Lines: lines})})
		}
	}
	return out
}
