package reports

import (
	"context"
	"fmt"
)

// The Remediation status folder's policy status by computer: for every computer a policy's
// targets hold, how the policy's updates stand there by their latest delivery status.
func init() {
	register(&Report{
		Name: "policy-status-by-computer", Title: "Policy status by computer", Category: RemediationStatus,
		Description: "Each computer a policy reaches, with its updates counted by their latest delivery status (installed, failed, in progress, not applicable) and an overall state, charted by state.",
		Params:      []Param{{Name: "policy", Title: "Policy", Kind: KindString, Help: "only this policy, by name (empty: all)"}},
		run:         policyStatus,
	})
}

// policyState sums up one computer's updates of one policy.
func policyState(installed, failed, inProgress, reported int64) string {
	switch {
	case reported == 0:
		return "not started"
	case failed > 0:
		return "failed"
	case inProgress > 0:
		return "in progress"
	case installed > 0:
		return "installed"
	}
	return "nothing to install"
}

func policyStatus(ctx context.Context, q query) (*Result, error) {
	sql := `WITH reach AS (
		SELECT DISTINCT pt.policy_id, tm.computer_id FROM policy_targets pt
		JOIN targets t ON t.name = pt.target JOIN target_members tm ON tm.target_id = t.id),
	last AS (
		SELECT e.policy_id, e.computer_id, e.status FROM delivery_events e
		JOIN (SELECT MAX(id) AS id FROM delivery_events GROUP BY computer_id, update_id, policy_id) l ON l.id = e.id)
	SELECT p.name AS policy, c.name AS computer,
		SUM(CASE WHEN l.status IN ('installed', 'installed_by_user') THEN 1 ELSE 0 END) AS installed,
		SUM(CASE WHEN l.status = 'failed' THEN 1 ELSE 0 END) AS failed,
		SUM(CASE WHEN l.status IN ('not_applicable', 'superseded') THEN 1 ELSE 0 END) AS not_applicable,
		SUM(CASE WHEN l.status IS NOT NULL AND l.status NOT IN ('installed', 'installed_by_user', 'failed', 'not_applicable', 'superseded') THEN 1 ELSE 0 END) AS in_progress,
		COUNT(l.status) AS reported
	FROM reach r JOIN policies p ON p.id = r.policy_id JOIN computers c ON c.id = r.computer_id
	LEFT JOIN last l ON l.policy_id = r.policy_id AND l.computer_id = r.computer_id`
	var args []any
	if name := q.p["policy"]; name != "" {
		sql += " WHERE p.name = ?"
		args = append(args, name)
	}
	sql += " GROUP BY r.policy_id, r.computer_id ORDER BY p.name, c.name"
	var rows []struct {
		Policy, Computer                                       string
		Installed, Failed, NotApplicable, InProgress, Reported int64
	}
	if err := q.store.DB.WithContext(ctx).Raw(sql, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("read policy status: %w", err)
	}
	res := &Result{}
	res.Columns = []Column{
		{"policy", "Policy", TypeString},
		{"computer", "Computer", TypeString},
		{"state", "State", TypeString},
		{"installed", "Installed", TypeInt},
		{"failed", "Failed", TypeInt},
		{"in_progress", "In progress", TypeInt},
		{"not_applicable", "Not applicable", TypeInt},
	}
	for _, r := range rows {
		res.Rows = append(res.Rows, []any{r.Policy, r.Computer, policyState(r.Installed, r.Failed, r.InProgress, r.Reported),
			r.Installed, r.Failed, r.InProgress, r.NotApplicable})
	}
	res.Summary = []Fact{{"Computer × policy pairs", fmt.Sprint(len(rows))}}
	res.Chart = countChart(res.Table, ChartPie, "Computers by policy state", "state", "State",
		[]string{"installed", "in progress", "failed", "not started", "nothing to install"}, 0)
	return res, nil
}
