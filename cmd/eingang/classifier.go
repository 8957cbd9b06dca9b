package main

import (
	"fmt"

	"github.com/eingang/eingang/internal/classify"
)

// newClassifier builds the classifier from the classification section.
// serve's workers and inspect both call it, so that inspect shows the kind
// and route serve decides instead of an approximation of them.
func newClassifier(c classify.Config) (*classify.Classifier, error) {
	var model *classify.Model
	if c.ModelPath != "" {
		m, err := classify.LoadModel(c.ModelPath)
		if err != nil {
			return nil, fmt.Errorf("classification.model_path: %w", err)
		}
		model = m
	}
	cl, err := classify.New(c, model)
	if err != nil {
		return nil, fmt.Errorf("classification: %w", err)
	}
	return cl, nil
}
