package jobs

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"patchdesk/model"
	"patchdesk/model/settings"
)

// BenchmarkDownloadVsCurl downloads the same file from the same loopback server with curl and
// with the downloader, alternately, and reports the downloader's throughput as a ratio of
// curl's (goal ≥ 0.9; docs/benchmarks.md). The downloader also hashes and fsyncs; curl does
// neither, so it also reports the ratio to curl followed by sha256sum. heap-MB is the live heap
// after the downloads, to show memory does not grow with the file size.
func BenchmarkDownloadVsCurl(b *testing.B) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		b.Skip("curl is not installed")
	}
	const size = 256 << 20
	content := payload(8, size)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(content))
	}))
	defer srv.Close()
	dir := b.TempDir()
	ctx := context.Background()
	store, err := model.Open(ctx, dir, quiet)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	src := settings.Source{DB: store.DB, Env: settings.Env{DataDir: dir, Hostname: "h"}}
	bl := bulletin("BENCH", update("BENCH/u", srv.URL+"/big.bin", "big.bin", content))
	if _, err := store.ApplyCatalog(ctx, []model.CatalogUnit{{Location: "b", Unit: "u", Digest: "d", Bulletins: []model.CatalogBulletin{bl}}}, model.ApplyOptions{}); err != nil {
		b.Fatal(err)
	}
	d := &Downloader{Store: store, Settings: src, Log: quiet}
	curlOut := filepath.Join(dir, "curl.bin")
	sha256sum, _ := exec.LookPath("sha256sum")
	var curlTime, verifiedTime, oursTime time.Duration
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		os.Remove(curlOut)
		start := time.Now()
		if out, err := exec.Command(curl, "-sS", "-o", curlOut, srv.URL+"/big.bin").CombinedOutput(); err != nil {
			b.Fatalf("curl: %v %s", err, out)
		}
		curlTime += time.Since(start)
		if sha256sum != "" {
			// curl does not verify; curl then sha256sum is the same work as the downloader's.
			if out, err := exec.Command(sha256sum, curlOut).CombinedOutput(); err != nil {
				b.Fatalf("sha256sum: %v %s", err, out)
			}
			verifiedTime += time.Since(start)
		}
		// Like curl's output above, the stored file goes just before the run. Left in place, the
		// run would replace it at its end, and the freed 256 MiB (discarded by an ext4 mounted
		// with `discard`) slowed the next run's writes up to fourfold in every other run.
		os.Remove(filepath.Join(dir, "packages", "BENCH", "u", "big.bin"))
		if _, err := store.RequestPackages(ctx, "bench", []string{"BENCH"}, true); err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		s, err := d.Run(ctx, nil)
		oursTime += time.Since(start)
		if err != nil || s.Downloaded != 1 {
			b.Fatalf("download: %+v %v", s, err)
		}
	}
	b.StopTimer()
	mb := float64(size) * float64(b.N) / (1 << 20)
	b.ReportMetric(mb/curlTime.Seconds(), "curl-MB/s")
	b.ReportMetric(mb/oursTime.Seconds(), "ours-MB/s")
	b.ReportMetric(curlTime.Seconds()/oursTime.Seconds(), "ratio")
	if verifiedTime > 0 {
		b.ReportMetric(verifiedTime.Seconds()/oursTime.Seconds(), "ratio-vs-curl+sha256sum")
	}
	content = nil
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
}
