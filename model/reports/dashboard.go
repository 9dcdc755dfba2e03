package reports

import (
	"context"
	"fmt"
	"time"

	"patchdesk/model"
)

// Dashboard holds the figures of the compliance dashboard's parts (the guide's Table 8-1,
// reworked): the console and the browser draw the same values, each in its own way, and each
// part names the report it opens.
type Dashboard struct {
	Compliance DashboardCompliance        `json:"compliance"`
	AtRisk     []AtRiskComputer           `json:"at_risk"`
	Bulletins  DashboardBulletins         `json:"bulletins"`
	History    []model.ComplianceSnapshot `json:"history"`
	// Delivery is the software update delivery by execution over the last 30 days.
	Delivery DeliveryTotals `json:"delivery"`
}

// DashboardCompliance sums the per-bulletin counts: bulletin × computer pairs.
type DashboardCompliance struct {
	Installed    int64 `json:"installed"`
	NotInstalled int64 `json:"not_installed"`
	Unknown      int64 `json:"unknown"`
	Computers    int64 `json:"computers"` // evaluated
	Compliant    int64 `json:"compliant"` // evaluated and missing nothing
}

// AtRiskComputer is one of the computers missing the most, critical updates first.
type AtRiskComputer struct {
	ID       uint   `json:"id"`
	Name     string `json:"name"`
	OS       string `json:"os"`
	Critical int64  `json:"critical"`
	Missing  int64  `json:"missing"`
	Unknown  int64  `json:"unknown"`
}

// DashboardBulletins is the software bulletin summary.
type DashboardBulletins struct {
	Available    int64 `json:"available"`
	Staged       int64 `json:"staged"`
	WithPolicies int64 `json:"with_policies"`
	New30Days    int64 `json:"new_30_days"`
}

// The reports the dashboard's parts open.
const (
	DashboardComplianceReport = "compliance-by-bulletin"
	DashboardAtRiskReport     = "compliance-by-computer"
	DashboardBulletinsReport  = "bulletins-all"
	DashboardHistoryReport    = "compliance-history"
)

// HistoryDays is how far back the dashboard's compliance line reaches.
const HistoryDays = 90

// LoadDashboard reads every part with a handful of queries over the summary tables, so a
// refresh stays well under the 200 ms goal at 20,000 computers (docs/benchmarks.md). now
// fixes "the last 30 days".
func LoadDashboard(ctx context.Context, store *model.Store, now time.Time) (*Dashboard, error) {
	d := &Dashboard{AtRisk: []AtRiskComputer{}}
	db := store.DB.WithContext(ctx)
	c := &d.Compliance
	if err := db.Raw(`SELECT COALESCE(SUM(installed), 0), COALESCE(SUM(not_installed), 0), COALESCE(SUM(unknown), 0) FROM compliance_bulletins`).
		Row().Scan(&c.Installed, &c.NotInstalled, &c.Unknown); err != nil {
		return nil, fmt.Errorf("dashboard: compliance totals: %w", err)
	}
	if err := db.Raw(`SELECT COUNT(*), COALESCE(SUM(missing = 0), 0) FROM compliance_computers`).Row().Scan(&c.Computers, &c.Compliant); err != nil {
		return nil, fmt.Errorf("dashboard: computers: %w", err)
	}
	since := startOfDay(now).AddDate(0, 0, -29)
	b := &d.Bulletins
	if err := db.Raw(`SELECT COUNT(*), COALESCE(SUM(released >= ?), 0),
		COALESCE(SUM(update_count > 0 AND (SELECT COUNT(*) FROM packages p WHERE p.bulletin_id = bulletins.id AND p.state = ?) >= update_count), 0),
		(SELECT COUNT(DISTINCT bulletin_id) FROM policy_bulletins)
		FROM bulletins`, since, model.PackageDownloaded).Row().Scan(&b.Available, &b.New30Days, &b.Staged, &b.WithPolicies); err != nil {
		return nil, fmt.Errorf("dashboard: bulletins: %w", err)
	}
	var err error
	if d.AtRisk, err = atRisk(ctx, store, 10); err != nil {
		return nil, err
	}
	if d.History, err = store.ComplianceSnapshots(ctx, startOfDay(now).AddDate(0, 0, 1-HistoryDays)); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	if d.Delivery, err = LoadDeliveryTotals(ctx, store, since); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	return d, nil
}

// atRisk lists the n computers missing the most critical updates, then the most updates. The
// critical counts come through the bulletin index (idx_compliance_bulletin), reading only the
// critical bulletins' rows.
func atRisk(ctx context.Context, store *model.Store, n int) ([]AtRiskComputer, error) {
	rows, err := store.DB.WithContext(ctx).Raw(`SELECT k.id, k.name, k.os_name, COALESCE(cr.n, 0), cc.missing, cc.unknown
		FROM compliance_computers cc JOIN computers k ON k.id = cc.computer_id
		LEFT JOIN (SELECT c.computer_id, COUNT(*) AS n FROM bulletins b JOIN compliance c ON c.bulletin_id = b.id
			WHERE b.severity = 'Critical' AND c.state = 3 GROUP BY c.computer_id) cr ON cr.computer_id = cc.computer_id
		WHERE cc.missing > 0
		ORDER BY 4 DESC, cc.missing DESC, k.name, k.id LIMIT ?`, n).Rows()
	if err != nil {
		return nil, fmt.Errorf("dashboard: computers at risk: %w", err)
	}
	defer rows.Close()
	out := []AtRiskComputer{}
	for rows.Next() {
		var a AtRiskComputer
		if err := rows.Scan(&a.ID, &a.Name, &a.OS, &a.Critical, &a.Missing, &a.Unknown); err != nil {
			return nil, fmt.Errorf("dashboard: computers at risk: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AgentCounts are the dashboard's computer figures: enrolled, revoked, and checked in since
// the online cut-off.
type AgentCounts struct {
	Enrolled int64 `json:"enrolled"`
	Online   int64 `json:"online"`
	Revoked  int64 `json:"revoked"`
}

// CountAgents counts computers in SQL; listing 20,000 computers to count them would cost the
// dashboard most of its time budget.
func CountAgents(ctx context.Context, store *model.Store, onlineSince time.Time) (AgentCounts, error) {
	var a AgentCounts
	err := store.DB.WithContext(ctx).Raw(`SELECT COUNT(*), COALESCE(SUM(revoked), 0),
		COALESCE(SUM(NOT revoked AND last_checkin_at IS NOT NULL AND last_checkin_at >= ?), 0) FROM computers`, onlineSince.UTC()).
		Row().Scan(&a.Enrolled, &a.Revoked, &a.Online)
	if err != nil {
		return a, fmt.Errorf("dashboard: count computers: %w", err)
	}
	return a, nil
}
