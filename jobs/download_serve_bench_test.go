package jobs

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkServePackages500 has 500 agents fetch a 2 MiB package from the host's package handler
// at once, over TLS on 127.0.0.1 (the listener's transport), and compares it with a bare
// http.ServeContent of the same bytes from memory in the same run (docs/benchmarks.md).
func BenchmarkServePackages500(b *testing.B) {
	const agents, size = 500, 2 << 20
	content := payload(9, size)
	f := newPackageFixture(b, map[string][]byte{"/p.msi": content}, bulletin("P", update("P/u1", "/p.msi", "p.msi", content)))
	f.request(b, false, "P")
	if _, err := f.downloader().Run(context.Background(), nil); err != nil {
		b.Fatal(err)
	}
	auth := func(r *http.Request) (uint, bool) { return 1, r.Header.Get("Authorization") == "Bearer agent" }
	host := httptest.NewTLSServer(PackageHandler(f.store, auth, quiet))
	defer host.Close()
	bare := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(content))
	}))
	defer bare.Close()
	path := PackagePath + sum(content)

	// fetchAll has every agent fetch the package once, each on its own connection, and returns
	// the wall time and each request's latency.
	fetchAll := func(url string) (time.Duration, []time.Duration) {
		client := &http.Client{Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{InsecureSkipVerify: true}, // the test server's own certificate
			MaxIdleConnsPerHost: agents, MaxConnsPerHost: agents,
		}}
		defer client.CloseIdleConnections()
		lat := make([]time.Duration, agents)
		var wg sync.WaitGroup
		start := time.Now()
		for i := range agents {
			wg.Go(func() {
				t0 := time.Now()
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Header.Set("Authorization", "Bearer agent")
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				n, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || n != size || resp.StatusCode != http.StatusOK {
					b.Errorf("agent %d: %s, %d bytes, %v", i, resp.Status, n, err)
				}
				lat[i] = time.Since(t0)
			})
		}
		wg.Wait()
		return time.Since(start), lat
	}
	var hostTime, bareTime time.Duration
	var lats []time.Duration
	b.SetBytes(agents * size)
	b.ResetTimer()
	for range b.N {
		d, _ := fetchAll(bare.URL + "/p.msi")
		bareTime += d
		d, l := fetchAll(host.URL + path)
		hostTime += d
		lats = append(lats, l...)
	}
	b.StopTimer()
	slices.Sort(lats)
	mb := float64(agents*size) * float64(b.N) / (1 << 20)
	b.ReportMetric(mb/hostTime.Seconds(), "host-MB/s")
	b.ReportMetric(mb/bareTime.Seconds(), "bare-MB/s")
	b.ReportMetric(bareTime.Seconds()/hostTime.Seconds(), "ratio")
	b.ReportMetric(float64(lats[len(lats)*99/100].Milliseconds()), "p99-ms")
}
