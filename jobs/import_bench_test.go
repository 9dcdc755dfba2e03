package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"patchdesk/assets"
	"patchdesk/model"
	"patchdesk/model/settings"
)

// benchCatalog is the embedded snapshot (real MSRC and winget bulletins) repeated copies
// times under fresh ids, so the write path sees a catalog of realistic rows at scale.
func benchCatalog(b *testing.B, copies int) []model.CatalogBulletin {
	b.Helper()
	units, err := nativeUnits(context.Background(), EmbeddedLocation, fsFetcher{assets.Catalog()})
	if err != nil {
		b.Fatal(err)
	}
	var snap []model.CatalogBulletin
	for _, u := range units {
		bs, err := u.read(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		snap = append(snap, bs...)
	}
	var out []model.CatalogBulletin
	for c := range copies {
		suffix := fmt.Sprintf("#%d", c)
		for _, bl := range snap {
			bl.ID += suffix
			ups := make([]model.CatalogUpdate, len(bl.Updates))
			for i, u := range bl.Updates {
				u.ID += suffix
				sup := make([]string, len(u.Supersedes))
				for k, s := range u.Supersedes {
					sup[k] = s + suffix
				}
				u.Supersedes = sup
				ups[i] = u
			}
			bl.Updates = ups
			sup := make([]string, len(bl.Supersedes))
			for k, s := range bl.Supersedes {
				sup[k] = s + suffix
			}
			bl.Supersedes = sup
			out = append(out, bl)
		}
	}
	return out
}

func rowCount(bs []model.CatalogBulletin) int {
	n := 0
	for _, b := range bs {
		n += 1 + len(b.Updates) + len(b.CVEs) + len(b.Supersedes)
		for _, u := range b.Updates {
			n += len(u.Supersedes)
		}
	}
	return n
}

// BenchmarkImportWriteVsRawInsert measures ApplyCatalog (the import's one transaction:
// change detection, upserts in batches, supersedence and orphan passes) against plain
// prepared INSERTs of the same rows into the same schema, in the same run. The reported
// "throughput-ratio" is raw time / import time (goal ≥ 0.5).
func BenchmarkImportWriteVsRawInsert(b *testing.B) {
	cat := benchCatalog(b, 20)
	rows := rowCount(cat)
	ctx := context.Background()
	var importTime, rawTime time.Duration
	for b.Loop() {
		s1, err := model.Open(ctx, b.TempDir(), quiet)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := s1.ApplyCatalog(ctx, []model.CatalogUnit{{Location: "bench", Unit: "u", Digest: "d", Bulletins: cat}}, model.ApplyOptions{}); err != nil {
			b.Fatal(err)
		}
		importTime += time.Since(start)
		s1.Close()

		s2, err := model.Open(ctx, b.TempDir(), quiet)
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		if err := rawInsert(ctx, s2, cat); err != nil {
			b.Fatal(err)
		}
		rawTime += time.Since(start)
		s2.Close()
	}
	n := float64(b.N)
	b.ReportMetric(float64(rows)/(importTime.Seconds()/n), "import-rows/s")
	b.ReportMetric(float64(rows)/(rawTime.Seconds()/n), "raw-rows/s")
	b.ReportMetric(rawTime.Seconds()/importTime.Seconds(), "throughput-ratio")
	b.ReportMetric(float64(len(cat)), "bulletins")
}

// rawInsert is the baseline: one transaction of prepared INSERTs, no change detection.
func rawInsert(ctx context.Context, s *model.Store, cat []model.CatalogBulletin) error {
	db, err := s.DB.DB()
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	prep := func(q string) (func(args ...any) error, error) {
		st, err := tx.PrepareContext(ctx, q)
		if err != nil {
			return nil, err
		}
		return func(args ...any) error { _, err := st.ExecContext(ctx, args...); return err }, nil
	}
	insV, err := prep("INSERT INTO vendors (name) VALUES (?)")
	if err != nil {
		return err
	}
	insS, _ := prep("INSERT INTO software (vendor_id, name) VALUES (?, ?)")
	insB, _ := prep(`INSERT INTO bulletins (id, vendor_id, software_id, title, description, severity, severity_rank, released, revised, update_count, cves, source, digest) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	insU, _ := prep(`INSERT INTO updates (id, bulletin_id, name, kb, product, language, architecture, applicable_rule, installed_rule, url, manual_download, file_name, size, sha256, command_line, success_codes, reboot_codes, restart, digest) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	insC, _ := prep("INSERT OR IGNORE INTO cves (id, title, severity) VALUES (?,?,?)")
	insBC, _ := prep("INSERT OR IGNORE INTO bulletin_cves (bulletin_id, cve_id) VALUES (?,?)")
	insBS, _ := prep("INSERT OR IGNORE INTO bulletin_supersedes (bulletin_id, supersedes_id) VALUES (?,?)")
	insUS, _ := prep("INSERT OR IGNORE INTO update_supersedes (update_id, supersedes_id) VALUES (?,?)")
	vendors, software := map[string]int64{}, map[string]int64{}
	var next int64
	for _, b := range cat {
		if _, ok := vendors[b.Vendor]; !ok {
			next++
			vendors[b.Vendor] = next
			if err := insV(b.Vendor); err != nil {
				return err
			}
		}
		key := b.Vendor + "\x00" + b.Software
		if _, ok := software[key]; !ok {
			software[key] = int64(len(software) + 1)
			if err := insS(vendors[b.Vendor], b.Software); err != nil {
				return err
			}
		}
		var cves []string
		for _, c := range b.CVEs {
			cves = append(cves, c.ID)
		}
		if err := insB(b.ID, vendors[b.Vendor], software[key], b.Title, b.Description, b.Severity, model.SeverityRank(b.Severity),
			b.Released, b.Revised, len(b.Updates), strings.Join(cves, " "), "bench|u", ""); err != nil {
			return err
		}
		for _, c := range b.CVEs {
			if err := insC(c.ID, c.Title, c.Severity); err != nil {
				return err
			}
			if err := insBC(b.ID, c.ID); err != nil {
				return err
			}
		}
		for _, s := range b.Supersedes {
			if err := insBS(b.ID, s); err != nil {
				return err
			}
		}
		for _, u := range b.Updates {
			codes, _ := json.Marshal(model.DefaultSuccessCodes)
			reboot, _ := json.Marshal(model.DefaultRebootCodes)
			if err := insU(u.ID, b.ID, u.Name, u.KB, u.Product, u.Language, u.Architecture, u.Applicable.String(), u.Installed.String(), u.URL,
				u.ManualDownload, u.FileName, u.Size, u.SHA256, u.CommandLine, string(codes), string(reboot), u.Restart, ""); err != nil {
				return err
			}
			for _, s := range u.Supersedes {
				if err := insUS(u.ID, s); err != nil {
					return err
				}
			}
		}
	}
	return tx.Commit()
}

// BenchmarkImportSharedData is the wall time of importing all of ../shared/data (four MSRC
// months and 66 winget manifests) from the raw files into an empty catalog.
func BenchmarkImportSharedData(b *testing.B) {
	const data = "../../shared/data"
	if _, err := os.Stat(data + "/msrc"); err != nil {
		b.Skip("../shared/data is not present")
	}
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		store, err := model.Open(ctx, b.TempDir(), quiet)
		if err != nil {
			b.Fatal(err)
		}
		src := settings.Source{DB: store.DB, Env: settings.Env{DataDir: b.TempDir(), Hostname: "bench"}}
		b.StartTimer()
		res, err := Import(ctx, store, src, nil, quiet, ImportRequest{Sources: []string{data + "/msrc", data + "/winget"}}, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Bulletins), "bulletins")
		b.ReportMetric(float64(res.Updates), "updates")
		store.Close()
	}
}
