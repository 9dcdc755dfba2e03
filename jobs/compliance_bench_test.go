package jobs

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"patchdesk/assets"
	"patchdesk/model"
	"patchdesk/model/inventory"
	"patchdesk/model/settings"
)

// benchFleet is a fleet of Windows PCs shaped like `patchagent simulate`'s: five Windows
// releases at older and newer patch levels, about 80 installed programs each (a baseline of
// runtimes and drivers plus applications, several of them products the snapshot has bulletins
// for, at older and newer versions) and a KB list.
func benchFleet(n int) []*inventory.Inventory {
	type image struct {
		name, productType string
		build             int
		ubrs              []int
	}
	images := []image{
		{"Windows 10 Pro", "workstation", 19045, []int{3803, 4046, 4291, 4412, 4529, 4780, 5011}},
		{"Windows 10 Enterprise", "workstation", 19045, []int{3803, 4291, 4529}},
		{"Windows 11 Pro", "workstation", 22631, []int{2861, 3155, 3447, 3737, 4037}},
		{"Windows Server 2019 Standard", "server", 17763, []int{5206, 5329, 5458, 5936}},
		{"Windows Server 2022 Standard", "server", 20348, []int{2159, 2340, 2527, 2655}},
	}
	apps := []struct {
		name     string
		versions []string
		share    float64
	}{
		{"Google Chrome", []string{"106.0.5249.119", "120.0.6099.217", "138.0.7204.101"}, 0.85},
		{"7-Zip 16.04 (x64)", []string{"16.04", "19.00", "23.01", "25.01"}, 0.6},
		{"VLC media player", []string{"3.0.11", "3.0.16", "3.0.21"}, 0.35},
		{"Notepad++ (64-bit x64)", []string{"7.9.1", "8.6.5", "8.8.1"}, 0.3},
		{"PuTTY release 0.76 (64-bit)", []string{"0.74.0.0", "0.76.0.0", "0.83.0.0"}, 0.1},
		{"KeePass Password Safe 2.48.1", []string{"2.47", "2.48.1", "2.60"}, 0.1},
		{"Python 3.12.0 (64-bit)", []string{"3.12.150.0", "3.12.10150.0"}, 0.08},
		{"Java 8 Update 291", []string{"8.0.2910.10", "8.0.4710.9"}, 0.2},
		{"WinSCP 5.17.10", []string{"5.17.10", "6.5.3"}, 0.08},
		{"GIMP 2.10.22", []string{"2.10.22", "2.10.38"}, 0.05},
		{"Microsoft 365 Apps for business - en-us", []string{"16.0.17328.20282"}, 0.7},
		{"Zoom Workplace (64-bit)", []string{"6.0.10"}, 0.45},
	}
	var baseline []inventory.Software
	for i := range 68 {
		baseline = append(baseline, inventory.Software{Name: fmt.Sprintf("Baseline component %02d", i), Publisher: "Microsoft Corporation", Version: fmt.Sprintf("10.%d.%d.0", i, 100+i)})
	}
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]*inventory.Inventory, n)
	for i := range out {
		img := images[r.IntN(len(images))]
		level := r.IntN(len(img.ubrs))
		inv := &inventory.Inventory{
			Hostname: fmt.Sprintf("PC-%05d", i),
			OS: inventory.OS{Family: "windows", Name: img.name, Version: "10.0", Build: img.build, UBR: img.ubrs[level],
				Arch: "x64", ProductType: img.productType},
			Languages: []string{"en-US"},
			Software:  append([]inventory.Software(nil), baseline...),
		}
		for _, a := range apps {
			if r.Float64() < a.share {
				inv.Software = append(inv.Software, inventory.Software{Name: a.name, Version: a.versions[r.IntN(len(a.versions))]})
			}
		}
		for k := 0; k <= level; k++ {
			inv.KBs = append(inv.KBs, fmt.Sprintf("KB50%d", 10000+img.build%1000*10+k))
		}
		inv.Normalize()
		out[i] = inv
	}
	return out
}

func benchStore(b *testing.B) (*model.Store, settings.Source) {
	b.Helper()
	dir := b.TempDir()
	store, err := model.Open(context.Background(), dir, quiet)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	return store, settings.Source{DB: store.DB, Env: settings.Env{DataDir: dir, Hostname: "h"}}
}

// seedFleet writes the fleet's computers with their stored inventories the way the listener
// does, in one transaction of raw inserts (enrolment is not what is measured).
func seedFleet(b *testing.B, store *model.Store, fleet []*inventory.Inventory) {
	b.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	tx := store.DB.Begin()
	st, err := tx.Statement.ConnPool.PrepareContext(ctx, `INSERT INTO computers (name, os_family, os_name, os_version, os_build, os_ubr, os_arch,
		enrolled_at, credential_hash, last_inventory_at, inventory_digest, inventory) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	for _, inv := range fleet {
		blob, err := model.EncodeInventory(inv)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.ExecContext(ctx, inv.Hostname, "windows", inv.OS.Name, inv.OS.Version, inv.OS.Build, inv.OS.UBR, "x64",
			now, []byte("x"), now, inv.Digest(), blob); err != nil {
			b.Fatal(err)
		}
	}
	st.Close()
	if err := tx.Commit().Error; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkComplianceFullRecompute is the goal: a full recompute for 20,000 computers
// against the snapshot catalog (185 bulletins, 568 updates) in under 60 s on two cores. Run:
//
//	go test -run '^$' -bench ComplianceFullRecompute -benchtime 1x -cpu 2 ./jobs/
func BenchmarkComplianceFullRecompute(b *testing.B) {
	for _, n := range []int{2000, 20000} {
		b.Run(fmt.Sprintf("computers=%d", n), func(b *testing.B) {
			store, src := benchStore(b)
			ctx := context.Background()
			if _, err := Import(ctx, store, src, assets.Catalog(), quiet, ImportRequest{}, nil); err != nil {
				b.Fatal(err)
			}
			seedFleet(b, store, benchFleet(n))
			b.ResetTimer()
			var res model.RecomputeResult
			for b.Loop() {
				var err error
				if res, err = store.RecomputeCompliance(ctx, model.RecomputeOptions{All: true}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.Rows)/float64(res.Computers), "rows/computer")
			b.ReportMetric(float64(res.Computers)/res.Seconds, "computers/s")
			b.ReportMetric(float64(store.Size())/(1<<20), "db-MiB")
		})
	}
}

// BenchmarkComplianceUploadBatch measures the listener hook's work for one full inventory
// batch (256 uploads): evaluate the decoded inventories, replace their rows and move the
// bulletin counts, off the writer's goroutine.
func BenchmarkComplianceUploadBatch(b *testing.B) {
	store, src := benchStore(b)
	ctx := context.Background()
	if _, err := Import(ctx, store, src, assets.Catalog(), quiet, ImportRequest{}, nil); err != nil {
		b.Fatal(err)
	}
	fleet := benchFleet(2000)
	seedFleet(b, store, fleet)
	if _, err := store.RecomputeCompliance(ctx, model.RecomputeOptions{All: true}); err != nil {
		b.Fatal(err)
	}
	recs := make([]model.InventoryRecord, 256)
	for i := range recs {
		recs[i] = model.InventoryRecord{ComputerID: uint(i + 1), Inventory: fleet[i], Digest: fleet[i].Digest()}
	}
	b.ResetTimer()
	for b.Loop() {
		store.InventoriesCommitted(recs)
		if err := store.ComplianceSettled(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
