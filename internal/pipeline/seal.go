package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/journal"
	"github.com/eingang/eingang/internal/layout"
	"github.com/eingang/eingang/internal/transfervermerk"
)

// StepSign embeds the Transfervermerk and seals the PDF, between
// classification and delivery, for profiles that ask for it.
const StepSign = "sign"

// Sealer signs a PDF (package sign).
type Sealer interface {
	Seal(ctx context.Context, inPath, outPath string) error
}

// ErrNoSealer means a profile requires signing but no key is loaded.
var ErrNoSealer = errors.New("signing required but no signing key is configured")

func needsSign(prof config.Profile) bool { return prof.Sign || prof.ScanProtocol != nil }

func (p *Pipeline) seal(ctx context.Context, doc *journal.Document) (string, error) {
	prof, err := p.profile(doc)
	if err != nil {
		return "", err
	}
	w := p.docDir(doc.ID)
	if w.Sealed() {
		// Done before a crash; signing again would add a second signature.
		return StepDeliver, p.advance(ctx, doc.ID, StepSign, StepDeliver, "already sealed", nil)
	}
	cur := w.PDF()
	var did []string
	pages, err := w.Pages()
	if err != nil {
		return "", err
	}
	if sp := prof.ScanProtocol; sp != nil && len(pages) > 0 {
		tvb, err := p.batchRecord(doc.ID)
		if err != nil {
			return "", err
		}
		rec := p.transfervermerk(doc, sp, pages, tvb)
		out := w.TransfervermerkPart()
		if err := transfervermerk.Embed(cur, out, rec); err != nil {
			os.Remove(out)
			return "", fmt.Errorf("transfervermerk: %w", err)
		}
		if err := w.WriteTransfervermerk(rec); err != nil {
			return "", err
		}
		cur = out
		did = append(did, "Transfervermerk embedded")
	}
	if prof.Sign {
		if p.sealer == nil {
			return "", ErrNoSealer
		}
		out := w.SealedPart()
		if err := p.sealer.Seal(ctx, cur, out); err != nil {
			os.Remove(out)
			return "", fmt.Errorf("seal: %w", err)
		}
		cur = out
		did = append(did, "sealed (PAdES)")
	}
	if len(did) == 0 {
		return StepDeliver, p.advance(ctx, doc.ID, StepSign, StepDeliver, "nothing to seal (not a scan)", nil)
	}
	if err := w.CommitFinal(cur); err != nil {
		return "", err
	}
	detail := did[0]
	for _, d := range did[1:] {
		detail += ", " + d
	}
	return StepDeliver, p.advance(ctx, doc.ID, StepSign, StepDeliver, detail, nil)
}

// transfervermerk builds the scan protocol from the profile's scan station
// description and what OCR did to each page. Page hashes are filled in by
// Embed from the PDF itself.
func (p *Pipeline) transfervermerk(doc *journal.Document, sp *config.ScanProtocol, pages []layout.PageInfo, b *transfervermerk.Batch) *transfervermerk.Record {
	return transfervermerk.FromScan(transfervermerk.Facts{
		DocumentID: doc.ID,
		Creator:    transfervermerk.Person{Name: sp.Operator},
		Environment: transfervermerk.Environment{
			OrgUnit:     transfervermerk.OrgUnit{Name: sp.OrgUnit, Address: sp.OrgAddress},
			Scanner:     transfervermerk.Scanner{Product: sp.Scanner, InventoryNumber: sp.ScannerInventory},
			Workstation: sp.Workstation,
			Procedure:   transfervermerk.Procedure{Name: sp.Procedure, Version: sp.ProcedureVersion},
		},
		// The scanner's own capture time is not known here; intake's claim
		// is the closest evidence (scanners write the file right after the
		// last sheet).
		CaptureTime:  doc.Created,
		Capture:      transfervermerk.Capture{DPI: sp.DPI, ColourMode: sp.ColourMode, Duplex: sp.Duplex},
		ProcessedAt:  p.now(),
		Batch:        b,
		System:       p.cfg.Instance,
		OCRLanguages: p.cfg.OCR.Languages,
	}, pages)
}
