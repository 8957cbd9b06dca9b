// Package netconf holds the connection settings that every client of an
// outside service shares — the DMS targets and the mail poller: TLS trust
// and client certificates, credentials read from a file or the
// environment, and what counts as a loopback host (where plain HTTP or an
// unauthenticated listener is acceptable). Each has one meaning here, so
// the same key means the same thing in every section of the configuration.
package netconf

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strings"
)

// TLS returns a client TLS configuration (TLS 1.2 or newer) that trusts the
// system's roots plus the PEM certificates in caFile, and presents the
// client certificate in certFile/keyFile. Empty names leave that part out.
// Errors name the configuration key (ca_file, client_cert_file).
func TLS(caFile, certFile, keyFile string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_file: %s holds no PEM certificate", caFile)
		}
		cfg.RootCAs = pool
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("client_cert_file: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// Secret names where a credential is kept: a file (mode 0600, read at
// start) or an environment variable. Key is the prefix of the two
// configuration keys, e.g. "password" for password_file / password_env.
type Secret struct {
	Key  string
	File string
	Env  string
}

// Read returns the credential. The file wins when both are named (the
// configuration check refuses that anyway); a file's trailing line ending
// is not part of the secret. An empty secret is an error: a service would
// only refuse it later, with a less helpful message. getenv is os.Getenv
// in production. Errors name the key but never the value.
func (s Secret) Read(getenv func(string) string) (string, error) {
	if s.File != "" {
		b, err := os.ReadFile(s.File)
		if err != nil {
			return "", fmt.Errorf("%s_file: %w", s.Key, err)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return "", fmt.Errorf("%s_file: %s is empty", s.Key, s.File)
		}
		return v, nil
	}
	if s.Env == "" {
		return "", fmt.Errorf("%s_file: %s_file or %s_env must be set", s.Key, s.Key, s.Key)
	}
	v := getenv(s.Env)
	if v == "" {
		return "", fmt.Errorf("%s_env: environment variable %s is empty or unset", s.Key, s.Env)
	}
	return v, nil
}

// IsLoopback reports whether host — a name or address, with or without a
// port — is this machine: "localhost" or a loopback address (127.0.0.0/8,
// ::1). An empty host, as in ":8080", means every interface and is not.
func IsLoopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
