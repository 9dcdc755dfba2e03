package pki

import (
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestCAIsCreatedOnceWithPrivateKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	var wg sync.WaitGroup
	fps := make([]string, 4)
	for i := range fps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ca, err := LoadOrCreateCA(dir)
			if err != nil {
				t.Errorf("LoadOrCreateCA: %v", err)
				return
			}
			fps[i] = ca.Fingerprint()
		}()
	}
	wg.Wait()
	for i, fp := range fps {
		if fp != fps[0] {
			t.Fatalf("concurrent creators got different CAs: %d: %s vs %s", i, fp, fps[0])
		}
	}
	fi, err := os.Stat(filepath.Join(dir, caFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("CA key file mode = %v, want 0600", fi.Mode().Perm())
	}
	again, err := LoadOrCreateCA(dir)
	if err != nil || again.Fingerprint() != fps[0] {
		t.Fatalf("reload: %v, fingerprint %s, want %s", err, again.Fingerprint(), fps[0])
	}
}

func TestServerCertReissue(t *testing.T) {
	dir := t.TempDir()
	ca, err := LoadOrCreateCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	names := []string{"patchhost", "127.0.0.1"}
	first, err := ca.ServerCert(dir, names, now)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		names   []string
		at      time.Time
		reissue bool
	}{
		{"same names, reordered", []string{"127.0.0.1", "PatchHost"}, now, false},
		{"name added", []string{"patchhost", "127.0.0.1", "pd.example.org"}, now, true},
		{"inside the renewal window", names, first.Leaf.NotAfter.Add(-renewBefore + time.Hour), true},
		{"just before the renewal window", names, first.Leaf.NotAfter.Add(-renewBefore - time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ca.NeedsReissue(first, tt.names, tt.at); got != tt.reissue {
				t.Errorf("NeedsReissue(%v, %v) = %v, want %v", tt.names, tt.at, got, tt.reissue)
			}
			c, err := ca.ServerCert(dir, tt.names, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			if same := c.Leaf.SerialNumber.Cmp(first.Leaf.SerialNumber) == 0; same == tt.reissue {
				t.Errorf("ServerCert reissued = %v, want %v", !same, tt.reissue)
			}
			// put the first certificate back for the next case
			if _, err := ca.ServerCert(dir, names, now); err != nil {
				t.Fatal(err)
			}
			first, _ = ca.ServerCert(dir, names, now)
		})
	}
}

func TestPinnedClient(t *testing.T) {
	dir := t.TempDir()
	ca, err := LoadOrCreateCA(filepath.Join(dir, "a"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := LoadOrCreateCA(filepath.Join(dir, "b"))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.ServerCert(dir, []string{"127.0.0.1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	wrongName, _, err := ca.Issue([]string{"elsewhere.example"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	serve := func(c *tls.Certificate) string {
		// Not httptest.StartTLS: it installs its own certificate, which wins when there is no SNI.
		ln, err := tls.Listen("tcp", "127.0.0.1:0", ServerTLS(func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return c, nil }))
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }),
			ErrorLog: log.New(io.Discard, "", 0)}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		return "https://" + ln.Addr().String()
	}
	good := serve(cert)
	badName := serve(wrongName)
	tests := []struct {
		name   string
		url    string
		pin    string
		pinned bool
	}{
		{"right CA", good, ca.Fingerprint(), true},
		{"other CA pinned", good, other.Fingerprint(), false},
		{"name not on certificate", badName, ca.Fingerprint(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := &http.Client{Transport: PinnedTransport(tt.pin, 1)}
			resp, err := cl.Get(tt.url)
			if tt.pinned {
				if err != nil {
					t.Fatalf("GET %s: %v", tt.url, err)
				}
				resp.Body.Close()
				return
			}
			if err == nil {
				resp.Body.Close()
				t.Fatalf("GET %s with pin %s succeeded, want refusal", tt.url, tt.pin)
			}
			if !errors.Is(err, ErrNotPinned) {
				t.Errorf("error = %v, want ErrNotPinned", err)
			}
		})
	}
}

func TestServerRefusesTLS11(t *testing.T) {
	dir := t.TempDir()
	ca, _ := LoadOrCreateCA(dir)
	cert, _ := ca.ServerCert(dir, []string{"127.0.0.1"}, time.Now())
	ln, err := tls.Listen("tcp", "127.0.0.1:0", ServerTLS(func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return cert, nil }))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := tls.Client(raw, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS11, MinVersion: tls.VersionTLS10})
	if err := c.Handshake(); err == nil {
		t.Fatal("a TLS 1.1 handshake succeeded")
	}
	c.Close()
}
