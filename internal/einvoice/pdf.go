package einvoice

import (
	"context"
	"errors"
)

type pdfResult struct {
	xml          []byte
	name         string
	relationship string
	attachments  []PDFAttachment
	warnings     []string
}

func isErr(err, target error) bool { return errors.Is(err, target) }

func extractPDFInvoice(ctx context.Context, data []byte, lim Limits) (*pdfResult, error) {
	return nil, ErrNoInvoiceInPDF
}
