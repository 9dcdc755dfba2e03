// Package pki is the host's own certificate authority: it creates the CA once per data dir,
// issues the listener's server certificate for the configured names and renews it, so that a
// site needs no public certificate. Agents pin the CA by the fingerprint their enrolment token
// carries.
package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"patchdesk/model/atomicfile"
)

// Files inside the pki dir. ca.pem holds the CA key, so it is 0600; ca.crt is the public half
// for administrators who want to inspect it.
const (
	caFile     = "ca.pem"
	caCertFile = "ca.crt"
	serverFile = "server.pem"
)

// Lifetimes. The server certificate is renewed a month before it ends, so a host that is off
// for a few weeks still starts with a valid one.
const (
	caLifetime     = 20 * 365 * 24 * time.Hour
	serverLifetime = 365 * 24 * time.Hour
	renewBefore    = 30 * 24 * time.Hour
)

// Authority is the host CA.
type Authority struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// Dir is where a data dir keeps its certificates.
func Dir(dataDir string) string { return filepath.Join(dataDir, "pki") }

// LoadOrCreateCA reads the CA from dir, creating it on first use. Two processes starting at once
// (the host and a `token create`) end up with the same CA: the first to publish its file wins.
func LoadOrCreateCA(dir string) (*Authority, error) {
	path := filepath.Join(dir, caFile)
	if ca, err := loadCA(path); err == nil {
		return ca, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create pki dir %s: %w", dir, err)
	}
	ca, pemBytes, err := newCA()
	if err != nil {
		return nil, err
	}
	if err := publishOnce(path, pemBytes); err != nil {
		return nil, err
	}
	ca, err = loadCA(path) // another process may have published first
	if err != nil {
		return nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
	if err := atomicfile.Write(filepath.Join(dir, caCertFile), certPEM, 0o644); err != nil {
		return nil, fmt.Errorf("write CA certificate: %w", err)
	}
	return ca, nil
}

// publishOnce writes data to path only if path does not exist yet, atomically: a hard link of a
// complete temporary file either creates path or fails because it exists.
func publishOnce(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".new-*")
	if err != nil {
		return fmt.Errorf("write CA: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write CA: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("publish CA %s: %w", path, err)
	}
	return nil
}

func newCA() (*Authority, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate CA key: %w", err)
	}
	host, _ := os.Hostname()
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "PatchDesk host CA " + host, Organization: []string{"PatchDesk"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("create CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse new CA certificate: %w", err)
	}
	pemBytes, err := encodePair(der, key)
	if err != nil {
		return nil, nil, err
	}
	return &Authority{Cert: cert, Key: key}, pemBytes, nil
}

func loadCA(path string) (*Authority, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read CA %s: %w", path, err)
	}
	pair, err := tls.X509KeyPair(b, b)
	if err != nil {
		return nil, fmt.Errorf("read CA %s: %w", path, err)
	}
	key, ok := pair.PrivateKey.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("read CA %s: the key is not ECDSA", path)
	}
	return &Authority{Cert: pair.Leaf, Key: key}, nil
}

func encodePair(der []byte, key *ecdsa.PrivateKey) ([]byte, error) {
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return append(out, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})...), nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n.Add(n, big.NewInt(1))
}

// Fingerprint is the pin an enrolment token carries: hex SHA-256 of a certificate's DER.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// Fingerprint of the CA certificate.
func (a *Authority) Fingerprint() string { return Fingerprint(a.Cert.Raw) }

// Issue makes a server certificate for names (host names and IP addresses), valid from now.
// The chain includes the CA, so that an agent can find the certificate it pins.
func (a *Authority) Issue(names []string, now time.Time) (*tls.Certificate, []byte, error) {
	if len(names) == 0 {
		return nil, nil, errors.New("issue server certificate: no names")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate server key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: names[0], Organization: []string{"PatchDesk"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(serverLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.Cert, &key.PublicKey, a.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("issue server certificate: %w", err)
	}
	pemBytes, err := encodePair(der, key)
	if err != nil {
		return nil, nil, err
	}
	pemBytes = append(pemBytes, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.Cert.Raw})...)
	cert, err := parseServerPEM(pemBytes)
	return cert, pemBytes, err
}

// parseServerPEM reads a server.pem: leaf, key, then the CA.
func parseServerPEM(b []byte) (*tls.Certificate, error) {
	pair, err := tls.X509KeyPair(b, b)
	if err != nil {
		return nil, fmt.Errorf("read server certificate: %w", err)
	}
	return &pair, nil
}

// NeedsReissue tells whether cert must be replaced: it is due for renewal, was not issued by
// this CA, or does not cover exactly names.
func (a *Authority) NeedsReissue(cert *tls.Certificate, names []string, now time.Time) bool {
	if cert == nil || cert.Leaf == nil || len(cert.Certificate) < 2 {
		return true
	}
	leaf := cert.Leaf
	if now.After(leaf.NotAfter.Add(-renewBefore)) || now.Before(leaf.NotBefore) {
		return true
	}
	if !slices.Equal(cert.Certificate[1], a.Cert.Raw) {
		return true
	}
	var have []string
	have = append(have, leaf.DNSNames...)
	for _, ip := range leaf.IPAddresses {
		have = append(have, ip.String())
	}
	return !sameNames(have, names)
}

func sameNames(a, b []string) bool {
	norm := func(l []string) []string {
		out := make([]string, len(l))
		for i, s := range l {
			if ip := net.ParseIP(s); ip != nil {
				s = ip.String()
			}
			out[i] = strings.ToLower(s)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return slices.Equal(norm(a), norm(b))
}

// ServerCert loads the server certificate from dir, issuing and saving a new one when it is
// missing, due for renewal or made for other names.
func (a *Authority) ServerCert(dir string, names []string, now time.Time) (*tls.Certificate, error) {
	path := filepath.Join(dir, serverFile)
	if b, err := os.ReadFile(path); err == nil {
		if cert, err := parseServerPEM(b); err == nil && !a.NeedsReissue(cert, names, now) {
			return cert, nil
		}
	}
	cert, pemBytes, err := a.Issue(names, now)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.Write(path, pemBytes, 0o600); err != nil {
		return nil, fmt.Errorf("save server certificate: %w", err)
	}
	return cert, nil
}

// ServerTLS is the listener's TLS configuration: TLS 1.2 and newer, with the certificate chosen
// per connection so that a renewal needs no restart.
func ServerTLS(get func(*tls.ClientHelloInfo) (*tls.Certificate, error)) *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: get,
		NextProtos:     []string{"h2", "http/1.1"},
	}
}
