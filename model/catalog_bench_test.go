package model

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"patchdesk/model/rules"
)

// SyntheticCatalog makes n bulletins with perUpdate updates each, shaped like real MSRC and
// winget bulletins (rules, CVEs, supersedence), for benchmarks.
func syntheticCatalog(n, perUpdate int) []CatalogBulletin {
	sev := []string{"Critical", "Important", "Moderate", "Low", ""}
	vendors := []string{"Microsoft", "Google LLC", "Mozilla", "Oracle Corporation", "Igor Pavlov", "VideoLAN", "Python Software Foundation"}
	out := make([]CatalogBulletin, n)
	base := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range out {
		id := fmt.Sprintf("KB%07d", 4000000+i)
		b := CatalogBulletin{ID: id, Vendor: vendors[i%len(vendors)], Software: fmt.Sprintf("Product %d", i%40), Title: fmt.Sprintf("Security Update for Product %d (%s)", i%40, id),
			Description: "Fixes remote code execution and elevation of privilege vulnerabilities in the product's network stack.",
			Severity:    sev[i%len(sev)], Released: base.Add(time.Duration(i) * 6 * time.Hour), Revised: base.Add(time.Duration(i)*6*time.Hour + 48*time.Hour),
			CVEs: []CatalogCVE{{ID: fmt.Sprintf("CVE-2024-%05d", i), Title: "Remote Code Execution Vulnerability", Severity: sev[i%len(sev)]}}}
		if i > 0 {
			b.Supersedes = []string{fmt.Sprintf("KB%07d", 4000000+i-1)}
		}
		for j := range perUpdate {
			installed := rules.AnyOf(rules.Rule{Op: rules.OS, Family: "windows", Min: fmt.Sprintf("10.0.19045.%d", i)}, rules.HasKB(id))
			applicable := rules.AllOf(rules.Rule{Op: rules.OS, Family: "windows", Name: "Windows 10", Min: "10.0.19045", Below: fmt.Sprintf("10.0.19045.%d", i)}, rules.ArchIn("x64"))
			b.Updates = append(b.Updates, CatalogUpdate{ID: fmt.Sprintf("%s/%d", id, j), Name: fmt.Sprintf("%s for product variant %d", id, j), KB: id,
				Product: fmt.Sprintf("Product %d variant %d", i%40, j), Architecture: "x64", URL: "https://catalog.update.microsoft.com/v7/site/Search.aspx?q=" + id,
				ManualDownload: true, Restart: RestartMaybe, Installed: &installed, Applicable: &applicable})
		}
		out[i] = b
	}
	return out
}

// BenchmarkBulletinList is the Remediation Center's query over 10,000 bulletins: a vendor and
// search filter, superseded hidden, sorted by severity.
func BenchmarkBulletinList(b *testing.B) {
	s, err := Open(context.Background(), b.TempDir(), quiet)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	cat := syntheticCatalog(10000, 2)
	// Every tenth bulletin supersedes nothing, so hiding superseded leaves a realistic list.
	for i := range cat {
		if i%10 == 0 {
			cat[i].Supersedes = nil
		}
	}
	if _, err := s.ApplyCatalog(context.Background(), []CatalogUnit{{Location: "bench", Unit: "u", Digest: "d", Bulletins: cat}}, ApplyOptions{}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	cases := []struct {
		name string
		f    BulletinFilter
	}{
		{"all-by-released", BulletinFilter{Sort: "released", Desc: true}},
		{"search-sort-severity", BulletinFilter{Search: "product 7", Sort: "severity", Desc: true}},
		{"vendor-hide-superseded-sort-title", BulletinFilter{Vendor: "Microsoft", HideSuperseded: true, Sort: "title"}},
		{"custom-severity-none-sort-vendor", BulletinFilter{CustomSeverity: "none", Sort: "vendor"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var rows []BulletinRow
			for b.Loop() {
				if rows, err = s.Bulletins(ctx, c.f); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(rows)), "rows")
		})
	}
	b.Run("heap-with-all-rows", func(b *testing.B) {
		var keep []BulletinRow
		var before, after runtime.MemStats
		for b.Loop() {
			runtime.GC()
			runtime.ReadMemStats(&before)
			keep, _ = s.Bulletins(ctx, BulletinFilter{})
			runtime.GC()
			runtime.ReadMemStats(&after)
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-held")
		runtime.KeepAlive(keep)
	})
}
