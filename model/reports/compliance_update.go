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
	cond := s.cond()
	if !q.p.Bool("include-superseded") {
		cond += " AND NOT c.superseded"
	}
	sql := `SELECT u.id, u.name, u.kb, b.id, v.name, b.severity, MAX(c.superseded),
		SUM(c.state = 1), SUM(c.state = 3), SUM(c.state = 2)
		FROM compliance c` + s.targetJoin("c") + ` JOIN updates u ON u.id = c.update_id` + bulletinJoins("c") + `
		WHERE 1 = 1` + cond + `
		GROUP BY c.update_id ORDER BY 9 DESC, u.id`
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
