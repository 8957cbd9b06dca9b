package ocr

// isPermanent and clerkMessage read Explain's verdict the way the tests ask.
func isPermanent(err error) bool {
	permanent, _, ok := Explain(err)
	return ok && permanent
}

func clerkMessage(err error) string {
	_, clerk, _ := Explain(err)
	return clerk
}
