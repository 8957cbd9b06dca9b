package visual

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// The same letter renders to the same bytes (a mail read again after a
// crash must be recognised as the same document) and carries the original
// as its source.
func TestRenderLetterIsReproducible(t *testing.T) {
	l := Letter{
		Title:  "Antrag",
		Fields: [][2]string{{"Von", "Jürgen Müller"}},
		Body:   strings.Repeat("Ein langer Satz über die Lindenstraße, der umbrochen werden muss. ", 400),
		Footer: "Test", Created: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC),
		Original: []byte("From: x\r\n\r\nText"), OriginalName: "mail.eml", OriginalMIME: "message/rfc822",
	}
	a, err := RenderLetter(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	b, err := RenderLetter(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("two renders of the same letter differ")
	}
	if !bytes.Contains(a, []byte("mail.eml")) || !bytes.Contains(a, []byte("/Source")) {
		t.Error("the original is not embedded as Source")
	}
	if _, err := RenderLetter(canceled(), l); err == nil {
		t.Error("a canceled context still rendered")
	}
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
