package reports

import (
	"context"
	"fmt"
	"time"
)

var complianceByComputer = &Report{
	Name: "compliance-by-computer", Title: "Compliance by computer", Category: Compliance,
	Description: "Per computer with an inventory, the updates that apply, are installed, are missing (critical ones apart) or cannot be decided; most at risk first.",
	Params:      complianceParams,
	run:         computerCompliance,
}

// computerCompliance counts updates per computer from the rows, so the bulletin parameters
// apply; with none set the figures equal the Computers screen's (compliance_computers), which
// the tests check. Computers that were evaluated but match no row show zeros: they are
// compliant for what was asked, which is worth seeing.
func computerCompliance(ctx context.Context, q query) (*Result, error) {
	s, err := readScope(ctx, q)
	if err != nil {
		return nil, err
	}
	cond := s.cond()
	if !q.p.Bool("include-superseded") {
		cond += " AND NOT c.superseded"
	}
	sql := `SELECT k.id, k.name, k.os_name, k.last_inventory_at,
		COALESCE(a.inst, 0), COALESCE(a.miss, 0), COALESCE(a.unk, 0), COALESCE(a.crit, 0), COALESCE(a.sup, 0)
		FROM compliance_computers cc JOIN computers k ON k.id = cc.computer_id` + s.targetJoin("cc") + `
		LEFT JOIN (SELECT c.computer_id, SUM(c.state = 1) AS inst, SUM(c.state = 3) AS miss, SUM(c.state = 2) AS unk,
			SUM(c.state = 3 AND b.severity = 'Critical') AS crit, SUM(c.state = 3 AND c.superseded) AS sup
			FROM compliance c` + bulletinJoins("c") + ` WHERE 1 = 1` + cond + ` GROUP BY c.computer_id) a ON a.computer_id = cc.computer_id
		ORDER BY 8 DESC, 6 DESC, k.name, k.id`
	rows, err := q.store.DB.WithContext(ctx).Raw(sql, s.args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("count compliance by computer: %w", err)
	}
	defer rows.Close()
	t := Table{Columns: []Column{
		{"computer_id", "ID", TypeInt},
		{"computer", "Computer", TypeString},
		{"os", "Operating system", TypeString},
		{"applicable", "Applicable", TypeInt},
		{"installed", "Installed", TypeInt},
		{"not_installed", "Not installed", TypeInt},
		{"critical", "Critical missing", TypeInt},
		{"superseded", "Missing (superseded)", TypeInt},
		{"unknown", "Unknown", TypeInt},
		{"compliance", "Compliance %", TypeFloat},
		{"last_inventory", "Last inventory", TypeTime},
	}, Rows: [][]any{}}
	for rows.Next() {
		var id int64
		var name, os string
		var last *time.Time
		var inst, miss, unk, crit, sup int64
		if err := rows.Scan(&id, &name, &os, &last, &inst, &miss, &unk, &crit, &sup); err != nil {
			return nil, fmt.Errorf("count compliance by computer: %w", err)
		}
		var at any
		if last != nil {
			at = last.UTC()
		}
		t.Rows = append(t.Rows, []any{id, name, os, inst + miss, inst, miss, crit, sup, unk, percent(inst, inst+miss), at})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count compliance by computer: %w", err)
	}
	res := &Result{Table: t, Chart: stateChart(t, "Updates by computer (most at risk)", "computer", 15)}
	res.Summary = append(scopeFacts(s), totalsFacts(t, "Computers evaluated")...)
	return res, nil
}
