package jobs

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"patchdesk/model"
	"patchdesk/model/settings"
)

// TestDownloadResumesAfterKill9 runs a download in a child process, kills it with SIGKILL once
// part of the file is on disk, and checks that a new run resumes with a Range request and stores
// the right file: the acceptance test for "a kill -9 mid-download resumes after restart".
func TestDownloadResumesAfterKill9(t *testing.T) {
	content := payload(7, 8<<20)
	f := newPackageFixture(t, map[string][]byte{"/big.bin": content}, bulletin("B", update("B/u1", "/big.bin", "big.bin", content)))
	// The first request gets 3 MiB and then hangs, as a slow vendor would, until the client dies.
	stall := make(chan struct{})
	f.vendor.mu.Lock()
	f.vendor.intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Header.Get("Range") != "" {
			return false
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(content)))
		w.Write(content[:3<<20])
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-stall:
		}
		return true
	}
	f.vendor.mu.Unlock()
	defer close(stall)
	f.request(t, false, "B")

	dataDir := filepath.Dir(f.store.Path)
	child := exec.Command(os.Args[0], "-test.run=^TestHelperDownloadProcess$")
	child.Env = append(os.Environ(), "PATCHDESK_HELPER_DATA="+dataDir)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	// The child prints the bytes on disk as its progress reports come; wait for 1 MiB.
	lines := bufio.NewScanner(out)
	reached := false
	for lines.Scan() {
		if n, err := strconv.ParseInt(strings.TrimPrefix(lines.Text(), "done "), 10, 64); err == nil && n >= 1<<20 {
			reached = true
			break
		}
	}
	if !reached {
		child.Wait()
		t.Fatal("the child process ended before downloading 1 MiB")
	}
	if err := child.Process.Kill(); err != nil { // SIGKILL: no deferred function runs
		t.Fatal(err)
	}
	child.Wait()

	if p := f.pkg(t, "B/u1"); p.State != model.PackageDownloading {
		t.Fatalf("after the kill the package is %s, want downloading", p.State)
	}
	part := filepath.Join(f.root, "B", "u1", "big.bin.part")
	fi, err := os.Stat(part)
	if err != nil || fi.Size() < 1<<20 {
		t.Fatalf("part file after the kill: %v %v", fi, err)
	}
	if _, err := f.downloader().Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(f.root, "B", "u1", "big.bin"))
	if !bytes.Equal(got, content) {
		t.Fatalf("stored %d bytes that are not the vendor's file", len(got))
	}
	if r := f.vendor.ranges["/big.bin"]; len(r) != 1 || r[0] != fmt.Sprintf("bytes=%d-", fi.Size()) {
		t.Fatalf("resume asked for %v, want bytes=%d-", r, fi.Size())
	}
}

// TestHelperDownloadProcess is the child of TestDownloadResumesAfterKill9, not a test of its own.
func TestHelperDownloadProcess(t *testing.T) {
	dir := os.Getenv("PATCHDESK_HELPER_DATA")
	if dir == "" {
		t.Skip("helper process for TestDownloadResumesAfterKill9")
	}
	store, err := model.Open(context.Background(), dir, quiet)
	if err != nil {
		t.Fatal(err)
	}
	src := settings.Source{DB: store.DB, Env: settings.Env{DataDir: dir, Hostname: "h"}}
	r := NewRunner(store, dir, "child", quiet)
	r.Register(DownloadJob(&Downloader{Store: store, Settings: src, Log: quiet}))
	r.Subscribe(func(e Event) { fmt.Printf("done %d\n", e.Live.Done) })
	r.Run(context.Background(), DownloadJobName, "test")
}
