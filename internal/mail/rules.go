// Package mail reads IMAP mailboxes as an intake channel: every mail's
// attachments of a supported type become documents through the same claim,
// journal and dedupe path as files of a hot folder. A mail leaves its
// folder only after every document from it is registered.
package mail

import (
	"net/mail"
	"path"
	"strings"

	"github.com/eingang/eingang/internal/config"
)

// Decision is what the rules say about one attachment.
type Decision struct {
	Profile  string
	Metadata map[string]string
	Ignore   bool
	// Rule is the index of the rule that matched, -1 for none.
	Rule int
}

// Decide applies the account's rules in order to an attachment of a mail
// from sender with subject; the first rule whose every condition holds
// wins. Without a match the account's profile applies.
func Decide(acct config.MailAccount, from, subject, filename string) Decision {
	for i, r := range acct.Rules {
		if r.From != "" && !matchSender(r.From, from) {
			continue
		}
		if r.Subject != "" && !strings.Contains(strings.ToLower(subject), strings.ToLower(r.Subject)) {
			continue
		}
		if r.Filename != "" {
			if ok, _ := path.Match(strings.ToLower(r.Filename), strings.ToLower(filename)); !ok {
				continue
			}
		}
		d := Decision{Profile: r.Profile, Metadata: r.Metadata, Ignore: r.Ignore, Rule: i}
		if d.Profile == "" {
			d.Profile = acct.Profile
		}
		return d
	}
	return Decision{Profile: acct.Profile, Rule: -1}
}

// matchSender: pattern is an address (exact) or a domain ("kreis.example"
// or "@kreis.example", which also matches its subdomains).
func matchSender(pattern, from string) bool {
	addr := strings.ToLower(senderAddress(from))
	pattern = strings.ToLower(strings.TrimSpace(pattern))
	if strings.Contains(strings.TrimPrefix(pattern, "@"), "@") {
		return addr == pattern
	}
	domain := strings.TrimPrefix(pattern, "@")
	_, host, ok := strings.Cut(addr, "@")
	return ok && (host == domain || strings.HasSuffix(host, "."+domain))
}

// senderAddress is the bare address of a From field, or the field itself
// when it does not parse.
func senderAddress(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		return a.Address
	}
	if list, err := mail.ParseAddressList(from); err == nil && len(list) > 0 {
		return list[0].Address
	}
	from = strings.TrimSpace(from)
	if i := strings.LastIndex(from, "<"); i >= 0 {
		return strings.Trim(from[i:], "<> ")
	}
	return from
}
