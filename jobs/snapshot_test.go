package jobs

import (
	"context"
	"testing"
	"time"
)

func TestSnapshotJobWritesTheDay(t *testing.T) {
	r, store, _ := newRunner(t)
	at := time.Date(2026, 11, 27, 23, 30, 0, 0, time.UTC)
	r.Register(SnapshotJob(store, func() time.Time { return at }))
	ctx := context.Background()
	for range 2 {
		if _, err := r.Run(ctx, SnapshotJobName, "manual"); err != nil {
			t.Fatal(err)
		}
	}
	snaps, err := store.ComplianceSnapshots(ctx, at.AddDate(0, 0, -1))
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 1 || snaps[0].Day != "2026-11-27" {
		t.Fatalf("snapshots = %+v, want one row for 2026-11-27", snaps)
	}
}
