package jobs

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"patchdesk/model"
)

func TestPackageHandler(t *testing.T) {
	good, bad := payload(1, 100_000), payload(2, 50_000)
	f := newPackageFixture(t, map[string][]byte{"/g.msi": good, "/b.msi": bad},
		bulletin("G", update("G/u1", "/g.msi", "g.msi", good)),
		bulletin("Q", update("Q/u1", "/b.msi", "b.msi", payload(3, 50_000))))
	f.request(t, false, "G", "Q")
	f.downloader().Run(context.Background(), nil) // Q is quarantined: an error is expected
	auth := func(r *http.Request) (uint, bool) { return 7, r.Header.Get("Authorization") == "Bearer agent" }
	srv := httptest.NewServer(PackageHandler(f.store, auth, quiet))
	defer srv.Close()

	tests := []struct {
		name, path, auth, rng string
		want                  int
		body                  []byte
	}{
		{"whole package", sum(good), "Bearer agent", "", http.StatusOK, good},
		{"range", sum(good), "Bearer agent", "bytes=1000-1999", http.StatusPartialContent, good[1000:2000]},
		{"no credential", sum(good), "", "", http.StatusUnauthorized, nil},
		{"quarantined file is never served", sum(bad), "Bearer agent", "", http.StatusNotFound, nil},
		{"the catalog's hash of the quarantined update", sum(payload(3, 50_000)), "Bearer agent", "", http.StatusNotFound, nil},
		{"not a hash", "../../etc/passwd", "Bearer agent", "", http.StatusBadRequest, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+PackagePath+tc.path, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			if tc.rng != "" {
				req.Header.Set("Range", tc.rng)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.want {
				t.Fatalf("GET %s: %s (%s), want %d", tc.path, resp.Status, body, tc.want)
			}
			if tc.body != nil && string(body) != string(tc.body) {
				t.Fatalf("GET %s: %d bytes that are not the package", tc.path, len(body))
			}
		})
	}
}

// A stored file altered on disk after its download (same size) is quarantined and queued for
// download again instead of being served.
func TestPackageHandlerRefusesFileAlteredOnDisk(t *testing.T) {
	good := payload(4, 80_000)
	f := newPackageFixture(t, map[string][]byte{"/g.msi": good}, bulletin("G", update("G/u1", "/g.msi", "g.msi", good)))
	f.request(t, false, "G")
	if _, err := f.downloader().Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(PackageHandler(f.store, func(*http.Request) (uint, bool) { return 7, true }, quiet))
	defer srv.Close()
	get := func() int {
		resp, err := http.Get(srv.URL + PackagePath + sum(good))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(); code != http.StatusOK {
		t.Fatalf("sound package: %d", code)
	}
	ps, err := f.store.Packages(context.Background(), "G")
	if err != nil || len(ps) != 1 {
		t.Fatalf("packages: %v %v", ps, err)
	}
	path := ps[0].FilePath()
	altered := append([]byte{}, good...)
	altered[100] ^= 0xff
	if err := os.WriteFile(path, altered, 0o644); err != nil {
		t.Fatal(err)
	}
	// A different modification time, whatever the file system's clock granularity.
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	if code := get(); code != http.StatusNotFound {
		t.Fatalf("altered package: %d, want 404", code)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the altered file is still in the store: %v", err)
	}
	ps, _ = f.store.Packages(context.Background(), "G")
	if ps[0].State != model.PackageWanted {
		t.Errorf("package state %s, want it queued for download again", ps[0].State)
	}
}
