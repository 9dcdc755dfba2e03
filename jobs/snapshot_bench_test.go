package jobs

import (
	"context"
	"testing"
	"time"

	"patchdesk/assets"
	"patchdesk/model"
	"patchdesk/model/reports"
)

// BenchmarkComplianceReports measures the reports issue's goals on the fleet of
// BenchmarkComplianceFullRecompute: compliance by bulletin over 20,000 computers × the snapshot
// catalog in under 1 s, and a dashboard refresh in under 200 ms. It lives in jobs because the
// seeded fleet and the catalog import do. Run:
//
//	go test -run '^$' -bench ComplianceReports -benchtime 5x -cpu 2 ./jobs/
func BenchmarkComplianceReports(b *testing.B) {
	store, src := benchStore(b)
	ctx := context.Background()
	if _, err := Import(ctx, store, src, assets.Catalog(), quiet, ImportRequest{}, nil); err != nil {
		b.Fatal(err)
	}
	seedFleet(b, store, benchFleet(20000))
	res, err := store.RecomputeCompliance(ctx, model.RecomputeOptions{All: true})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := store.RecomputeTargets(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := store.TakeComplianceSnapshot(ctx, time.Now()); err != nil {
		b.Fatal(err)
	}
	b.Logf("fleet: %d computers, %d compliance rows", res.Computers, res.Rows)
	cases := []struct {
		name   string
		report string
		params reports.Values
	}{
		{"by-bulletin", "compliance-by-bulletin", nil},
		{"by-bulletin-target", "compliance-by-bulletin", reports.Values{"target": model.TargetWindowsAgents}},
		{"by-severity", "compliance-by-severity", nil},
		{"by-update", "compliance-by-update", nil},
		{"by-computer", "compliance-by-computer", nil},
		{"missing-updates-5000", "compliance-missing-updates", nil},
		{"bulletin-computers", "compliance-bulletin-computers", reports.DrillParams("KB5039211", "not_installed")},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := reports.Find(c.report)
			var rows int
			for b.Loop() {
				out, err := r.Run(ctx, store, c.params)
				if err != nil {
					b.Fatal(err)
				}
				rows = len(out.Rows)
			}
			b.ReportMetric(float64(rows), "rows")
		})
	}
	// The console dashboard's whole read (ui.loadDashboardData makes these calls); ui cannot be
	// imported here, so the calls are repeated.
	b.Run("dashboard", func(b *testing.B) {
		for b.Loop() {
			now := time.Now()
			if _, err := store.LastJobRuns(ctx); err != nil {
				b.Fatal(err)
			}
			if _, err := store.CatalogCounts(ctx); err != nil {
				b.Fatal(err)
			}
			if _, err := reports.CountAgents(ctx, store, now.Add(-20*time.Minute)); err != nil {
				b.Fatal(err)
			}
			if _, err := reports.LoadDashboard(ctx, store, now); err != nil {
				b.Fatal(err)
			}
			if _, err := store.JobRuns(ctx, "", 200); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("snapshot", func(b *testing.B) {
		for b.Loop() {
			if _, err := store.TakeComplianceSnapshot(ctx, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
