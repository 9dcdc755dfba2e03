package model

import (
	"context"
	"fmt"
	"time"
)

// What narrows a computer's assignments before they reach the agent: its maintenance windows,
// the denied updates, and the deployment delays of the targets through which each policy
// reaches it.

// DeliveryLimits is everything the policies reply applies for one computer.
type DeliveryLimits struct {
	Windows []MaintenanceWindow
	Denied  map[string]bool // update ids
	// PolicyDelay is, per policy reaching the computer, the delay in days: the smallest of the
	// policy's targets that hold the computer, so a computer in the pilot ring gets the update
	// early even when the policy also names the broad ring.
	PolicyDelay map[uint]int
	// Released is each bulletin's release time, for the bulletins of the computer's policies.
	Released map[string]time.Time
}

// AvailableAt is when an update of the bulletin may reach the computer through the policy; the
// zero time means now. A bulletin without a release date is not held back.
func (l DeliveryLimits) AvailableAt(policyID uint, bulletinID string) time.Time {
	days := l.PolicyDelay[policyID]
	rel := l.Released[bulletinID]
	if days <= 0 || rel.IsZero() {
		return time.Time{}
	}
	return rel.AddDate(0, 0, days)
}

// DeliveryLimits reads the computer's windows, the denied updates and the delays.
func (s *Store) DeliveryLimits(ctx context.Context, computerID uint) (DeliveryLimits, error) {
	l := DeliveryLimits{Denied: map[string]bool{}, PolicyDelay: map[uint]int{}, Released: map[string]time.Time{}}
	var err error
	if l.Windows, err = s.ComputerWindows(ctx, computerID); err != nil {
		return l, err
	}
	db := s.DB.WithContext(ctx)
	var denied []string
	if err := db.Model(&DeniedUpdate{}).Pluck("update_id", &denied).Error; err != nil {
		return l, fmt.Errorf("denied updates: %w", err)
	}
	for _, id := range denied {
		l.Denied[id] = true
	}
	var delays []struct {
		PolicyID uint
		Days     int
	}
	err = db.Raw(`SELECT pt.policy_id, MIN(COALESCE(td.days, 0)) AS days FROM policy_targets pt
		JOIN targets t ON t.name = pt.target COLLATE NOCASE
		JOIN target_members tm ON tm.target_id = t.id
		LEFT JOIN target_delays td ON td.target = t.name COLLATE NOCASE
		WHERE tm.computer_id = ? GROUP BY pt.policy_id`, computerID).Scan(&delays).Error
	if err != nil {
		return l, fmt.Errorf("deployment delays of computer %d: %w", computerID, err)
	}
	for _, d := range delays {
		l.PolicyDelay[d.PolicyID] = d.Days
	}
	var rel []struct {
		ID       string
		Released time.Time
	}
	err = db.Raw(`SELECT DISTINCT b.id, b.released FROM bulletins b
		JOIN policy_bulletins pb ON pb.bulletin_id = b.id
		WHERE pb.policy_id IN (`+policiesOfComputerSQL+`)`, computerID).Scan(&rel).Error
	if err != nil {
		return l, fmt.Errorf("release dates for computer %d: %w", computerID, err)
	}
	for _, r := range rel {
		l.Released[r.ID] = r.Released
	}
	return l, nil
}

// LimitRevisions is what a computer's limits depend on, for the policy revision of check-ins.
// Global moves when a window, denial or delay changes, and when a delayed bulletin becomes
// available (so agents fetch it then); ByComputer lists each computer's windows.
type LimitRevisions struct {
	Global     string
	ByComputer map[uint]string
}

// LimitRevisions reads the revisions in two queries. now is the host's clock.
func (s *Store) LimitRevisions(ctx context.Context, now time.Time) (LimitRevisions, error) {
	db := s.DB.WithContext(ctx)
	var g struct {
		Windows, Denied, Delays, Available int64
		WindowsAt, DeniedAt, DelaysAt      string
	}
	// Available counts (bulletin, delay) pairs already past release + delay: it grows exactly
	// when a delayed bulletin becomes available to some ring.
	err := db.Raw(`SELECT
		(SELECT COUNT(*) FROM maintenance_windows) AS windows,
		(SELECT COALESCE(MAX(updated_at), '') FROM maintenance_windows) AS windows_at,
		(SELECT COUNT(*) FROM denied_updates) AS denied,
		(SELECT COALESCE(MAX(denied_at), '') FROM denied_updates) AS denied_at,
		(SELECT COUNT(*) FROM target_delays) AS delays,
		(SELECT COALESCE(MAX(updated_at), '') FROM target_delays) AS delays_at,
		(SELECT COUNT(*) FROM bulletins b, target_delays td
			WHERE b.released IS NOT NULL AND julianday(b.released) + td.days <= julianday(?)) AS available`,
		now.UTC().Format("2006-01-02 15:04:05")).Scan(&g).Error
	if err != nil {
		return LimitRevisions{}, fmt.Errorf("maintenance revisions: %w", err)
	}
	rev := LimitRevisions{Global: fmt.Sprintf("w%d.%s.d%d.%s.r%d.%s.a%d",
		g.Windows, g.WindowsAt, g.Denied, g.DeniedAt, g.Delays, g.DelaysAt, g.Available)}
	rev.ByComputer, err = perComputerTokens(db, `SELECT DISTINCT tm.computer_id, CAST(w.id AS TEXT) AS token FROM maintenance_windows w
		JOIN maintenance_window_targets wt ON wt.window_id = w.id
		JOIN targets t ON t.name = wt.target COLLATE NOCASE
		JOIN target_members tm ON tm.target_id = t.id
		WHERE w.enabled ORDER BY tm.computer_id, w.id`)
	if err != nil {
		return LimitRevisions{}, fmt.Errorf("maintenance window %w", err)
	}
	return rev, nil
}
