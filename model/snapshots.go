package model

import (
	"context"
	"fmt"
	"time"
)

// ComplianceSnapshot is the fleet's compliance on one UTC day, for the dashboard's
// compliance-over-time line. Installed, NotInstalled and Unknown count bulletin × computer
// pairs (the sums of the Remediation Center's per-bulletin counts); MissingUpdates counts
// update × computer pairs; CompliantComputers are evaluated computers missing nothing.
type ComplianceSnapshot struct {
	Day                string    `json:"day"` // YYYY-MM-DD, UTC
	TakenAt            time.Time `json:"taken_at"`
	Computers          int64     `json:"computers"`
	CompliantComputers int64     `json:"compliant_computers"`
	Installed          int64     `json:"installed"`
	NotInstalled       int64     `json:"not_installed"`
	Unknown            int64     `json:"unknown"`
	MissingUpdates     int64     `json:"missing_updates"`
}

// TakeComplianceSnapshot writes the figures as they stand now into now's day, replacing an
// earlier snapshot of the same day: the job that calls it may run many times a day, and the
// day's last state is what the line should show. It reads only the two summary tables, so it
// costs milliseconds at any fleet size.
func (s *Store) TakeComplianceSnapshot(ctx context.Context, now time.Time) (ComplianceSnapshot, error) {
	now = now.UTC()
	snap := ComplianceSnapshot{Day: now.Format(time.DateOnly), TakenAt: now}
	db := s.DB.WithContext(ctx)
	row := db.Raw(`SELECT COUNT(*), COALESCE(SUM(missing = 0), 0), COALESCE(SUM(missing), 0) FROM compliance_computers`).Row()
	if err := row.Scan(&snap.Computers, &snap.CompliantComputers, &snap.MissingUpdates); err != nil {
		return snap, fmt.Errorf("snapshot compliance: read computers: %w", err)
	}
	row = db.Raw(`SELECT COALESCE(SUM(installed), 0), COALESCE(SUM(not_installed), 0), COALESCE(SUM(unknown), 0) FROM compliance_bulletins`).Row()
	if err := row.Scan(&snap.Installed, &snap.NotInstalled, &snap.Unknown); err != nil {
		return snap, fmt.Errorf("snapshot compliance: read bulletins: %w", err)
	}
	err := db.Exec(`INSERT INTO compliance_snapshots (day, taken_at, computers, compliant_computers, installed, not_installed, unknown, missing_updates)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (day) DO UPDATE SET taken_at = excluded.taken_at, computers = excluded.computers,
		compliant_computers = excluded.compliant_computers, installed = excluded.installed,
		not_installed = excluded.not_installed, unknown = excluded.unknown, missing_updates = excluded.missing_updates`,
		snap.Day, snap.TakenAt, snap.Computers, snap.CompliantComputers, snap.Installed, snap.NotInstalled, snap.Unknown, snap.MissingUpdates).Error
	if err != nil {
		return snap, fmt.Errorf("snapshot compliance: write %s: %w", snap.Day, err)
	}
	return snap, nil
}

// ComplianceSnapshots lists the snapshots of the days from since (UTC) on, oldest first. Days
// without a snapshot (the host was off) are absent, not zero.
func (s *Store) ComplianceSnapshots(ctx context.Context, since time.Time) ([]ComplianceSnapshot, error) {
	rows, err := s.DB.WithContext(ctx).Raw(`SELECT day, taken_at, computers, compliant_computers, installed, not_installed, unknown, missing_updates
		FROM compliance_snapshots WHERE day >= ? ORDER BY day`, since.UTC().Format(time.DateOnly)).Rows()
	if err != nil {
		return nil, fmt.Errorf("list compliance snapshots: %w", err)
	}
	defer rows.Close()
	out := []ComplianceSnapshot{}
	for rows.Next() {
		var c ComplianceSnapshot
		if err := rows.Scan(&c.Day, &c.TakenAt, &c.Computers, &c.CompliantComputers, &c.Installed, &c.NotInstalled, &c.Unknown, &c.MissingUpdates); err != nil {
			return nil, fmt.Errorf("list compliance snapshots: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
