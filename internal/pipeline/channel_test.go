package pipeline

import (
	"context"
	"testing"

	"github.com/eingang/eingang/internal/config"
)

func TestClaimsRecordChannelAndOrigin(t *testing.T) {
	p, j, root := newTestPipeline(t)
	in := p.Intake(&recordingQueue{})
	ctx := context.Background()
	folder := claim(t, p, root, "a.pdf", "%PDF-1.4 a\n%%EOF")
	mailed := claim(t, p, root, "b.pdf", "%PDF-1.4 b\n%%EOF")
	mailed.Channel = config.ChannelMail
	mailed.Origin = map[string]string{"account": "rechnung", "from": "r@l.example"}
	mailed.Metadata = map[string]string{"office": "Kämmerei"}
	if err := in.HandleClaim(ctx, folder); err != nil {
		t.Fatal(err)
	}
	if err := in.HandleClaim(ctx, mailed); err != nil {
		t.Fatal(err)
	}
	fa, _ := HashFile(folder.Path)
	mb, _ := HashFile(mailed.Path)
	a, err := j.Get(ctx, fa)
	if err != nil {
		t.Fatal(err)
	}
	if a.Channel != config.ChannelFolder || a.Origin["folder"] != root+"/inbox" {
		t.Errorf("folder document: channel %q origin %v", a.Channel, a.Origin)
	}
	b, err := j.Get(ctx, mb)
	if err != nil {
		t.Fatal(err)
	}
	if b.Channel != config.ChannelMail || b.Origin["from"] != "r@l.example" || b.Fields["office"] != "Kämmerei" {
		t.Errorf("mail document: channel %q origin %v fields %v", b.Channel, b.Origin, b.Fields)
	}
}
