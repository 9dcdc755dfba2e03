package jobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v5"

	"patchdesk/model"
	"patchdesk/model/settings"
)

// vendor is a loopback HTTP server standing in for vendors' download sites. It serves files
// with Range support (http.ServeContent) and can fail the first requests for a path.
type vendor struct {
	srv *httptest.Server

	mu       sync.Mutex
	files    map[string][]byte
	failures map[string]int      // path → how many requests still fail with 503
	ranges   map[string][]string // path → Range headers received
	hits     map[string]int
	noRange  bool // ignore Range requests (answer 200 with the whole file)
	// intercept, when set, answers a request itself by returning true.
	intercept func(w http.ResponseWriter, r *http.Request) bool
}

func newVendor(t testing.TB, files map[string][]byte) *vendor {
	t.Helper()
	v := &vendor{files: files, failures: map[string]int{}, ranges: map[string][]string{}, hits: map[string]int{}}
	v.srv = httptest.NewServer(http.HandlerFunc(v.serve))
	t.Cleanup(v.srv.Close)
	return v
}

func (v *vendor) serve(w http.ResponseWriter, r *http.Request) {
	v.mu.Lock()
	intercept := v.intercept
	v.mu.Unlock()
	if intercept != nil && intercept(w, r) {
		return
	}
	v.mu.Lock()
	body, ok := v.files[r.URL.Path]
	v.hits[r.URL.Path]++
	if rg := r.Header.Get("Range"); rg != "" {
		v.ranges[r.URL.Path] = append(v.ranges[r.URL.Path], rg)
	}
	fail := v.failures[r.URL.Path] > 0
	if fail {
		v.failures[r.URL.Path]--
	}
	noRange := v.noRange
	v.mu.Unlock()
	switch {
	case fail:
		http.Error(w, "try later", http.StatusServiceUnavailable)
	case !ok:
		http.NotFound(w, r)
	default:
		if noRange {
			r.Header.Del("Range")
		}
		http.ServeContent(w, r, r.URL.Path, time.Time{}, bytes.NewReader(body))
	}
}

func (v *vendor) url(p string) string { return v.srv.URL + p }

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// payload is deterministic, incompressible-looking test content of n bytes.
func payload(seed byte, n int) []byte {
	b := make([]byte, n)
	x := uint32(seed) + 1
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return b
}

// packageFixture is a data dir with a catalog whose updates point at a vendor server.
type packageFixture struct {
	store   *model.Store
	src     settings.Source
	root    string // To Location
	staging string
	vendor  *vendor
}

func newPackageFixture(t testing.TB, vendorFiles map[string][]byte, bulletins ...model.CatalogBulletin) *packageFixture {
	t.Helper()
	_, store, src := newRunner(t)
	f := &packageFixture{store: store, src: src, root: filepath.Join(t.TempDir(), "packages"), staging: filepath.Join(t.TempDir(), "staging"), vendor: newVendor(t, vendorFiles)}
	for i := range bulletins {
		for j := range bulletins[i].Updates {
			if u := &bulletins[i].Updates[j]; strings.HasPrefix(u.URL, "/") {
				u.URL = f.vendor.url(u.URL)
			}
		}
	}
	ctx := context.Background()
	if _, err := store.ApplyCatalog(ctx, []model.CatalogUnit{{Location: "test", Unit: "u", Digest: "d", Bulletins: bulletins}}, model.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Save(ctx, "test", map[string]string{settings.KeyToLocation: f.root, settings.KeyStagingLocation: f.staging}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *packageFixture) downloader() *Downloader {
	return &Downloader{Store: f.store, Settings: f.src, Log: quiet, MaxTries: 4,
		BackOff: func() backoff.BackOff { return &backoff.ZeroBackOff{} }}
}

func (f *packageFixture) request(t testing.TB, recreate bool, bulletins ...string) {
	t.Helper()
	if _, err := f.store.RequestPackages(context.Background(), "test", bulletins, recreate); err != nil {
		t.Fatal(err)
	}
}

func (f *packageFixture) pkg(t *testing.T, update string) model.Package {
	t.Helper()
	ps, err := f.store.Packages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.UpdateID == update {
			return p
		}
	}
	t.Fatalf("no package row for %s", update)
	return model.Package{}
}

func bulletin(id string, updates ...model.CatalogUpdate) model.CatalogBulletin {
	return model.CatalogBulletin{ID: id, Vendor: "Test Vendor", Software: "Test App", Title: id + " title", Description: id + " description",
		Severity: "Critical", Released: time.Date(2026, 1, 13, 0, 0, 0, 0, time.UTC), Updates: updates}
}

func update(id, url, name string, content []byte) model.CatalogUpdate {
	return model.CatalogUpdate{ID: id, Name: id, URL: url, FileName: name, SHA256: sum(content), CommandLine: name + " /quiet"}
}

func TestDownloadOutcomes(t *testing.T) {
	good, other := payload(1, 300<<10), payload(2, 200<<10)
	tests := []struct {
		name       string
		upd        model.CatalogUpdate
		vendor     map[string][]byte
		staged     map[string][]byte // path below the staging location → content
		failFirst  int
		wantState  string
		wantSource string
		wantHits   int
		wantErr    string
	}{
		{name: "vendor download", upd: update("B/u1", "/a.msi", "a.msi", good), vendor: map[string][]byte{"/a.msi": good},
			wantState: model.PackageDownloaded, wantSource: model.SourceVendor, wantHits: 1},
		{name: "retries a failing server", upd: update("B/u1", "/a.msi", "a.msi", good), vendor: map[string][]byte{"/a.msi": good}, failFirst: 2,
			wantState: model.PackageDownloaded, wantSource: model.SourceVendor, wantHits: 3},
		{name: "gives up after the last try", upd: update("B/u1", "/a.msi", "a.msi", good), vendor: map[string][]byte{"/a.msi": good}, failFirst: 10,
			wantState: model.PackageFailed, wantHits: 4, wantErr: "503"},
		{name: "404 is not retried", upd: update("B/u1", "/gone.msi", "a.msi", good), vendor: map[string][]byte{},
			wantState: model.PackageFailed, wantHits: 1, wantErr: "404"},
		{name: "hash mismatch is quarantined", upd: update("B/u1", "/a.msi", "a.msi", good), vendor: map[string][]byte{"/a.msi": other},
			wantState: model.PackageQuarantined, wantHits: 1, wantErr: "SHA-256 mismatch"},
		{name: "staging hit skips the vendor", upd: update("B/u1", "/a.msi", "a.msi", good), vendor: map[string][]byte{"/a.msi": good},
			staged: map[string][]byte{"B/u1/a.msi": good}, wantState: model.PackageDownloaded, wantSource: model.SourceStaging, wantHits: 0},
		{name: "wrong staged file is ignored", upd: update("B/u1", "/a.msi", "a.msi", good), vendor: map[string][]byte{"/a.msi": good},
			staged: map[string][]byte{"B/u1/a.msi": other}, wantState: model.PackageDownloaded, wantSource: model.SourceVendor, wantHits: 1},
		{name: "manual download without staged file fails", upd: model.CatalogUpdate{ID: "B/u1", Name: "KB1", URL: "https://catalog.update.microsoft.com/x", ManualDownload: true},
			wantState: model.PackageFailed, wantErr: "place it in"},
		{name: "manual download from staging pins the file's hash", upd: model.CatalogUpdate{ID: "B/u1", Name: "KB1", URL: "https://catalog.update.microsoft.com/x", ManualDownload: true},
			staged: map[string][]byte{"B/u1/windows10.0-kb1-x64.msu": good}, wantState: model.PackageDownloaded, wantSource: model.SourceStaging},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newPackageFixture(t, tc.vendor, bulletin("B", tc.upd))
			f.vendor.failures[strings.TrimPrefix(tc.upd.URL, "")] = 0
			for p := range tc.vendor {
				f.vendor.failures[p] = tc.failFirst
			}
			for p, b := range tc.staged {
				full := filepath.Join(f.staging, filepath.FromSlash(p))
				os.MkdirAll(filepath.Dir(full), 0o755)
				if err := os.WriteFile(full, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			f.request(t, false, "B")
			s, err := f.downloader().Run(context.Background(), nil)
			p := f.pkg(t, "B/u1")
			if p.State != tc.wantState || (tc.wantSource != "" && p.Source != tc.wantSource) {
				t.Fatalf("state %s source %s (error %q), want %s %s", p.State, p.Source, p.Error, tc.wantState, tc.wantSource)
			}
			path := strings.TrimPrefix(tc.upd.URL, f.vendor.srv.URL)
			if got := f.vendor.hits[path]; got != tc.wantHits {
				t.Errorf("vendor requests = %d, want %d", got, tc.wantHits)
			}
			if tc.wantErr != "" {
				if !strings.Contains(p.Error, tc.wantErr) || !errors.Is(err, ErrPackagesFailed) {
					t.Errorf("row error %q, run error %v; want %q and ErrPackagesFailed", p.Error, err, tc.wantErr)
				}
				if _, statErr := os.Stat(filepath.Join(f.root, "B", "u1", "a.msi")); statErr == nil {
					t.Error("a failed package has a file under its final name")
				}
				if tc.wantState == model.PackageQuarantined {
					if q, _ := filepath.Glob(filepath.Join(f.root, quarantineDir, "B", "u1", "a.msi.*")); len(q) != 1 {
						t.Errorf("quarantine holds %v, want one file", q)
					}
					if _, err := f.store.ServablePackage(context.Background(), sum(good)); !errors.Is(err, model.ErrNotFound) {
						t.Errorf("a quarantined package is servable: %v", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("run: %v (summary %+v)", err, s)
			}
			data, err := os.ReadFile(p.FilePath())
			if err != nil || sum(data) != p.SHA256 || p.Size != int64(len(data)) {
				t.Fatalf("stored file %s: err %v, sha %s size %d, row says %s %d", p.FilePath(), err, sum(data), len(data), p.SHA256, p.Size)
			}
			if _, err := f.store.ServablePackage(context.Background(), p.SHA256); err != nil {
				t.Errorf("stored package is not servable: %v", err)
			}
		})
	}
}

// TestDownloadResumesWithRange leaves a .part file as a killed download would and checks that the
// next run asks only for the rest, and that a server ignoring Range still yields the right file.
func TestDownloadResumesWithRange(t *testing.T) {
	content := payload(3, 1<<20)
	for _, noRange := range []bool{false, true} {
		t.Run(fmt.Sprintf("server ignores Range=%v", noRange), func(t *testing.T) {
			f := newPackageFixture(t, map[string][]byte{"/big.exe": content}, bulletin("B", update("B/u1", "/big.exe", "big.exe", content)))
			f.vendor.noRange = noRange
			f.request(t, false, "B")
			if _, err := f.store.ClaimPackages(context.Background()); err != nil { // the row a dead process leaves: "downloading"
				t.Fatal(err)
			}
			part := filepath.Join(f.root, "B", "u1", "big.exe.part")
			os.MkdirAll(filepath.Dir(part), 0o755)
			if err := os.WriteFile(part, content[:400_000], 0o644); err != nil {
				t.Fatal(err)
			}
			s, err := f.downloader().Run(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(filepath.Join(f.root, "B", "u1", "big.exe"))
			if !bytes.Equal(got, content) {
				t.Fatalf("stored %d bytes, not the vendor's file", len(got))
			}
			wantRange := []string{"bytes=400000-"}
			if r := f.vendor.ranges["/big.exe"]; strings.Join(r, ",") != strings.Join(wantRange, ",") {
				t.Errorf("Range headers %v, want %v", r, wantRange)
			}
			wantBytes := int64(len(content) - 400_000)
			if noRange {
				wantBytes = int64(len(content))
			}
			if s.Bytes != wantBytes {
				t.Errorf("fetched %d bytes, want %d", s.Bytes, wantBytes)
			}
			if _, err := os.Stat(part); !os.IsNotExist(err) {
				t.Errorf("part file left behind: %v", err)
			}
		})
	}
}

// TestDownloadResumedMismatchStartsAgain: a .part from a file the vendor has since replaced
// fails verification once and is then downloaded whole, not quarantined.
func TestDownloadResumedMismatchStartsAgain(t *testing.T) {
	content := payload(4, 500_000)
	f := newPackageFixture(t, map[string][]byte{"/x.msi": content}, bulletin("B", update("B/u1", "/x.msi", "x.msi", content)))
	f.request(t, false, "B")
	part := filepath.Join(f.root, "B", "u1", "x.msi.part")
	os.MkdirAll(filepath.Dir(part), 0o755)
	os.WriteFile(part, payload(9, 100_000), 0o644)
	if _, err := f.downloader().Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if p := f.pkg(t, "B/u1"); p.State != model.PackageDownloaded || p.Attempts != 2 {
		t.Fatalf("state %s after %d attempts (%s), want downloaded after 2", p.State, p.Attempts, p.Error)
	}
}

func TestRecreateFetchesAgainAndPresentIsKept(t *testing.T) {
	content := payload(5, 64<<10)
	f := newPackageFixture(t, map[string][]byte{"/r.msi": content}, bulletin("B", update("B/u1", "/r.msi", "r.msi", content)))
	ctx := context.Background()
	f.request(t, false, "B")
	if _, err := f.downloader().Run(ctx, nil); err != nil {
		t.Fatal(err)
	}
	res, err := f.store.RequestPackages(ctx, "test", []string{"B"}, false)
	if err != nil || res.Queued != 0 || res.Present != 1 {
		t.Fatalf("second request: %+v %v, want 1 present", res, err)
	}
	f.request(t, true, "B")
	s, err := f.downloader().Run(ctx, nil)
	if err != nil || s.Downloaded != 1 || f.vendor.hits["/r.msi"] != 2 {
		t.Fatalf("recreate: %+v %v, %d vendor hits", s, err, f.vendor.hits["/r.msi"])
	}
	rows, err := f.store.Bulletins(ctx, model.BulletinFilter{})
	if err != nil || len(rows) != 1 || !rows[0].Staged || rows[0].Downloaded != 1 {
		t.Fatalf("bulletin row %+v %v, want staged with 1 downloaded", rows, err)
	}
}

func TestDownloadProgressReachesTheRun(t *testing.T) {
	content := payload(6, 256<<10)
	f := newPackageFixture(t, map[string][]byte{"/p.msi": content}, bulletin("B", update("B/u1", "/p.msi", "p.msi", content)))
	r := NewRunner(f.store, t.TempDir(), "test", quiet)
	r.Register(DownloadJob(f.downloader()))
	f.request(t, false, "B")
	rec, err := r.Run(context.Background(), DownloadJobName, "test")
	if err != nil {
		t.Fatal(err)
	}
	counts := rec.DecodeCounts()
	if counts[outcomeDownloaded] != 1 || !strings.Contains(rec.Message, "1 package(s) downloaded") {
		t.Fatalf("run counts %v message %q", counts, rec.Message)
	}
}

func TestMeterStatus(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := start
	m := newMeter(func() time.Time { return now })
	m.addPackages(2)
	m.expect(10 << 20)
	m.resume(2 << 20)
	m.Write(make([]byte, 4<<20))
	m.packageDone()
	now = start.Add(2 * time.Second)
	if got, want := m.status(), "1 of 2 packages, 6.0 MiB of 10 MiB, 2.0 MiB/s, about 2s left"; got != want {
		t.Fatalf("status %q, want %q", got, want)
	}
}
