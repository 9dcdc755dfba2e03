package pki

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// ErrNotPinned means the server did not present the CA the agent pinned.
var ErrNotPinned = errors.New("server certificate is not issued by the pinned PatchDesk CA")

// PinnedTransport is an HTTP transport that trusts exactly one CA, the one whose fingerprint the
// enrolment token carries, instead of the system roots: a server with any other certificate is
// refused, however valid. maxConns bounds its connections per host (0: no bound).
func PinnedTransport(caFingerprint string, maxConns int) *http.Transport {
	dialer := &net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		// The host name is checked here rather than in tls.Config.VerifyConnection, which does
		// not learn it when the URL holds an IP address (no SNI is sent for IPs).
		DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			raw, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			conn := tls.Client(raw, PinnedClientTLS(caFingerprint, host))
			if err := conn.HandshakeContext(ctx); err != nil {
				raw.Close()
				return nil, err
			}
			return conn, nil
		},
		MaxConnsPerHost:     maxConns,
		MaxIdleConnsPerHost: max(maxConns, 2),
		IdleConnTimeout:     90 * time.Second,
	}
}

// PinnedClientTLS is the TLS configuration for one connection to host, pinned to a CA.
func PinnedClientTLS(caFingerprint, host string) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		ServerName: host,
		// Verification is done by VerifyConnection against the pinned CA only.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			return verifyPinned(cs, caFingerprint, host)
		},
		ClientSessionCache: tls.NewLRUClientSessionCache(4),
	}
}

func verifyPinned(cs tls.ConnectionState, caFingerprint, host string) error {
	if len(cs.PeerCertificates) < 2 {
		return fmt.Errorf("%w: the server sent no CA certificate", ErrNotPinned)
	}
	var ca *x509.Certificate
	for _, c := range cs.PeerCertificates[1:] {
		if Fingerprint(c.Raw) == caFingerprint {
			ca = c
			break
		}
	}
	if ca == nil {
		return fmt.Errorf("%w (want CA fingerprint %s)", ErrNotPinned, caFingerprint)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{
		Roots:     roots,
		DNSName:   host,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotPinned, err)
	}
	return nil
}
