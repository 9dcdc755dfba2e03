// Package reportstest seeds a store with a small catalog and job history for the tests of the
// reports, their exports and the pages that show them. It writes through the same store
// functions the import job and the Remediation Center use, so the reports read real rows.
package reportstest

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"patchdesk/model"
)

// Now is the clock the seeded data and the tests' report runs are relative to.
var Now = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// OpenStore opens a fresh store in a temporary data dir.
func OpenStore(t testing.TB) *model.Store {
	t.Helper()
	s, err := model.Open(context.Background(), t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Seed writes four bulletins: two new in the last 30 days of Now, one superseded by another,
// one disabled, one with the custom severity "Urgent", and names with commas, quotes and
// non-ASCII letters that exports must carry intact. It also records two catalog import runs.
func Seed(t testing.TB, s *model.Store) {
	t.Helper()
	ctx := context.Background()
	day := func(daysBefore int) time.Time { return Now.AddDate(0, 0, -daysBefore).Truncate(24 * time.Hour) }
	upd := func(id string) []model.CatalogUpdate {
		return []model.CatalogUpdate{{ID: id + "-x64", Name: id + " x64", Architecture: "x64", Language: "en",
			URL: "https://downloads.example/" + id + ".exe", FileName: id + ".exe", Size: 1 << 20,
			SHA256: strings.Repeat("ab", 32), CommandLine: id + ".exe /quiet"}}
	}
	bulletins := []model.CatalogBulletin{
		{ID: "KB5066791", Vendor: "Microsoft", Software: "Windows 10", Title: "2026-11 Cumulative Update, \"Patch Tuesday\"",
			Severity: "Critical", Released: day(10), Revised: day(9), CVEs: []model.CatalogCVE{{ID: "CVE-2026-1001"}, {ID: "CVE-2026-1002"}},
			Supersedes: []string{"KB5063709"}, Updates: upd("KB5066791")},
		{ID: "KB5063709", Vendor: "Microsoft", Software: "Windows 10", Title: "2026-08 Cumulative Update",
			Severity: "Critical", Released: day(100), Revised: day(100), Updates: upd("KB5063709")},
		{ID: "Zürich.Tool 2.1", Vendor: "Zürich Software, AG", Software: "Tool", Title: "Tool 2.1 — sécurité",
			Severity: "Important", Released: day(3), Revised: day(3), Updates: upd("zt21")},
		{ID: "Acme.Legacy 1.0", Vendor: "Acme", Software: "Legacy", Title: "=HYPERLINK(\"x\")",
			Released: day(400), Revised: day(400), Updates: upd("acme10")},
	}
	_, err := s.ApplyCatalog(ctx, []model.CatalogUnit{{Location: "embedded", Unit: "snapshot", Digest: "sha256:0123456789abcdef0123",
		Bulletins: bulletins, Offer: model.Offer(bulletins)}}, model.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddSeverityLevel(ctx, "test", "Urgent"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCustomSeverity(ctx, "test", []string{"Zürich.Tool 2.1"}, "Urgent"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetBulletinsDisabled(ctx, "test", []string{"Acme.Legacy 1.0"}, true); err != nil {
		t.Fatal(err)
	}
	runs := []model.JobRun{
		{Job: "import-catalog", Trigger: "schedule", StartedAt: Now.Add(-50 * time.Hour), Outcome: model.OutcomeFailed, Message: "read https://example: timeout"},
		{Job: "import-catalog", Trigger: "manual", StartedAt: Now.Add(-2 * time.Hour), Outcome: model.OutcomeSucceeded, Counts: `{"bulletins_added":4}`},
		{Job: "database-maintenance", Trigger: "schedule", StartedAt: Now.Add(-6 * time.Hour), Outcome: model.OutcomeSucceeded},
	}
	for _, r := range runs {
		end := r.StartedAt.Add(90 * time.Second)
		r.EndedAt = &end
		if r.Counts == "" {
			r.Counts = "{}"
		}
		if err := s.DB.WithContext(ctx).Create(&r).Error; err != nil {
			t.Fatal(err)
		}
	}
}
