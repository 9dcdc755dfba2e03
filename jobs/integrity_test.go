package jobs

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"patchdesk/model"
	"patchdesk/model/settings"
)

func TestIntegrityRepairsAndRelocates(t *testing.T) {
	a, b, c := payload(1, 70_000), payload(2, 80_000), payload(3, 90_000)
	f := newPackageFixture(t, map[string][]byte{"/a": a, "/b": b, "/c": c},
		bulletin("B", update("B/a", "/a", "a.msi", a), update("B/b", "/b", "b.msi", b), update("B/c", "/c", "c.msi", c)))
	ctx := context.Background()
	f.request(t, false, "B")
	if _, err := f.downloader().Run(ctx, nil); err != nil {
		t.Fatal(err)
	}
	// b is damaged on disk, c is deleted; then the administrator moves the To Location.
	os.WriteFile(filepath.Join(f.root, "B", "b", "b.msi"), payload(9, 80_000), 0o644)
	os.Remove(filepath.Join(f.root, "B", "c", "c.msi"))
	newRoot := filepath.Join(t.TempDir(), "moved")
	if _, err := f.src.Save(ctx, "test", map[string]string{settings.KeyToLocation: newRoot}); err != nil {
		t.Fatal(err)
	}
	r := NewRunner(f.store, t.TempDir(), "test", quiet)
	d := f.downloader()
	r.Register(DownloadJob(d))
	r.Register(IntegrityJob(r, d))
	rec, err := r.Run(ctx, IntegrityJobName, "test")
	if err != nil {
		t.Fatal(err)
	}
	counts := rec.DecodeCounts()
	want := map[string]int64{"verified": 1, "relocated": 1, "missing": 1, "corrupt": 1, "requeued": 2}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("count %s = %d, want %d (all: %v)", k, counts[k], n, counts)
		}
	}
	for _, id := range []string{"B/a", "B/b", "B/c"} {
		p := f.pkg(t, id)
		data, err := os.ReadFile(p.FilePath())
		if p.State != model.PackageDownloaded || p.Root != newRoot || err != nil || sum(data) != p.SHA256 {
			t.Errorf("%s: state %s root %s, file %v; want a sound file in %s", id, p.State, p.Root, err, newRoot)
		}
	}
	if _, err := os.Stat(filepath.Join(f.root, "B", "a")); !os.IsNotExist(err) {
		t.Errorf("the old copy's folder is still there: %v", err)
	}
	if q, _ := filepath.Glob(filepath.Join(f.root, quarantineDir, "B", "b", "b.msi.*")); len(q) != 1 {
		t.Errorf("the corrupt file was not quarantined: %v", q)
	}
}

func TestPurgeDeletesUnusedPackages(t *testing.T) {
	a, b := payload(1, 10_000), payload(2, 10_000)
	f := newPackageFixture(t, map[string][]byte{"/a": a, "/b": b},
		bulletin("A", update("A/u", "/a", "a.msi", a)), bulletin("B", update("B/u", "/b", "b.msi", b)))
	ctx := context.Background()
	f.request(t, false, "A", "B")
	if _, err := f.downloader().Run(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.CreatePolicy(ctx, "t", model.PolicyInput{Name: "keeps A", Bulletins: []string{"A"}, Targets: []string{"all"}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		after     time.Duration
		wantGone  []string
		wantStays []string
	}{
		{"within the period nothing goes", 6 * 24 * time.Hour, nil, []string{"A/u", "B/u"}},
		{"after a week the unused one goes", 8 * 24 * time.Hour, []string{"B/u"}, []string{"A/u"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := func() time.Time { return time.Now().Add(tc.after) }
			r := NewRunner(f.store, t.TempDir(), "test", quiet)
			r.Register(PurgeJob(f.store, f.src, quiet, now))
			if _, err := r.Run(ctx, PurgeJobName, "test"); err != nil {
				t.Fatal(err)
			}
			ps, _ := f.store.Packages(ctx)
			have := map[string]bool{}
			for _, p := range ps {
				have[p.UpdateID] = true
			}
			for _, id := range tc.wantGone {
				if have[id] {
					t.Errorf("%s was kept", id)
				}
				if _, err := os.Stat(filepath.Join(f.root, filepath.FromSlash(id))); !os.IsNotExist(err) {
					t.Errorf("%s: file or folder left: %v", id, err)
				}
			}
			for _, id := range tc.wantStays {
				if !have[id] {
					t.Errorf("%s was purged", id)
				}
			}
		})
	}
}
