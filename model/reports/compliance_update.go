package reports

import (
	"context"
	"fmt"
)

var complianceByUpdate = &Report{
	Name: "compliance-by-update", Title: "Compliance by update", Category: Compliance,
	Description: "Per update, the computers where it applies, is installed, is missing or cannot be decided; most missing first.",
	Params:      complianceParams,
	run:         updateCompliance,
}

func updateCompliance(ctx context.Context, q query) (*Result, error) {
	s, err := readScope(ctx, q)
	if err != nil {
		return nil, err
	}
	inner := ""
	if !q.p.Bool("include-superseded") {
		inner = " WHERE NOT c.superseded"
	}
	// Counting per update before joining the catalog reads each compliance row once instead of
	// joining hundreds of thousands of rows to their update, bulletin and vendor; the scope's
	// conditions are all on the bulletin, so they filter the counted updates just the same.
	sql := `SELECT u.id, u.name, u.kb, b.id, v.name, b.severity, x.sup, x.inst, x.miss, x.unk
		FROM (SELECT c.update_id, c.bulletin_id, MAX(c.superseded) AS sup,
			SUM(c.state = 1) AS inst, SUM(c.state = 3) AS miss, SUM(c.state = 2) AS unk
			FROM compliance c` + s.targetJoin("c") + inner + ` GROUP BY c.update_id) x
		JOIN updates u ON u.id = x.update_id` + bulletinJoins("x") + `
		WHERE 1 = 1` + s.cond() + `
		ORDER BY x.miss DESC, u.id`
	rows, err := q.store.DB.WithContext(ctx).Raw(sql, s.args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("count compliance by update: %w", err)
	}
	defer rows.Close()
	t := Table{Columns: append([]Column{
		{"update", "Update", TypeString},
		{"name", "Name", TypeString},
		{"kb", "KB", TypeString},
		{"bulletin", "Bulletin", TypeString},
		{"vendor", "Vendor", TypeString},
		{"severity", "Severity", TypeString},
		{"superseded", "Superseded", TypeBool},
	}, stateColumns...), Rows: [][]any{}}
	for rows.Next() {
		var id, name, kb, bulletin, vendor, sev string
		var superseded bool
		var inst, miss, unk int64
		if err := rows.Scan(&id, &name, &kb, &bulletin, &vendor, &sev, &superseded, &inst, &miss, &unk); err != nil {
			return nil, fmt.Errorf("count compliance by update: %w", err)
		}
		t.Rows = append(t.Rows, []any{id, name, kb, bulletin, vendor, sev, superseded, inst + miss, inst, miss, unk, percent(inst, inst+miss)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count compliance by update: %w", err)
	}
	res := &Result{Table: t, Chart: stateChart(t, "Computers by update (most missing)", "update", 15)}
	res.Summary = append(scopeFacts(s), totalsFacts(t, "Updates")...)
	return res, nil
}
