package model

import (
	"context"
	"testing"
	"time"
)

func TestComplianceSnapshots(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	apply(t, s, "u", complianceCatalogSample(), ApplyOptions{})
	addComputer(t, s, "OLD", win10(4291))
	addComputer(t, s, "NEW", win10(4529, "KB5039211"))
	if _, err := s.RecomputeCompliance(ctx, RecomputeOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	day1 := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{day1, day1.Add(10 * time.Hour), day1.Add(24 * time.Hour)} {
		if _, err := s.TakeComplianceSnapshot(ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	snaps, err := s.ComplianceSnapshots(ctx, day1.AddDate(0, 0, -30))
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 2 || snaps[0].Day != "2026-11-26" || snaps[1].Day != "2026-11-27" {
		t.Fatalf("snapshots = %+v, want one per day (2026-11-26, 2026-11-27)", snaps)
	}
	if !snaps[0].TakenAt.Equal(day1.Add(10 * time.Hour)) {
		t.Errorf("day 1 taken at %v, want the later snapshot %v", snaps[0].TakenAt, day1.Add(10*time.Hour))
	}
	counts, err := s.BulletinComplianceCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var inst, miss int64
	for _, c := range counts {
		inst, miss = inst+int64(c.Installed), miss+int64(c.NotInstalled)
	}
	got := snaps[1]
	if got.Computers != 2 || got.Installed != inst || got.NotInstalled != miss || got.CompliantComputers > got.Computers {
		t.Errorf("snapshot %+v; want 2 computers, installed %d, not installed %d (the bulletin counts)", got, inst, miss)
	}
}
