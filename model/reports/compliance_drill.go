package reports

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// The drill-down of the guide's Table 7-3 (right-click a row of Windows Compliance by
// Bulletin): the computers where one bulletin applies, is installed, is not installed or is
// undecided. It is a report of its own so that the console, the CLI and the browser link to it
// with two parameters.
var complianceBulletinComputers = &Report{
	Name: "compliance-bulletin-computers", Title: "Computers by bulletin", Category: Compliance,
	Description: "The computers where one bulletin applies, is installed, is not installed or is unknown, with the bulletin's missing updates on each.",
	Params: []Param{
		{Name: "bulletin", Title: "Bulletin", Kind: KindString, Help: "the bulletin's id (required)"},
		{Name: "state", Title: "State", Kind: KindChoice, Default: "not_installed",
			Choices: []string{"applicable", "installed", "not_installed", "unknown"}, Help: "which computers"},
		targetParam,
	},
	run: bulletinComputers,
}

// DrillParams are the parameters that open compliance-bulletin-computers for a bulletin row.
func DrillParams(bulletin, state string) Values {
	return Values{"bulletin": bulletin, "state": state}
}

func bulletinComputers(ctx context.Context, q query) (*Result, error) {
	id := strings.TrimSpace(q.p["bulletin"])
	if id == "" {
		return nil, fmt.Errorf("%w: bulletin: give a bulletin id", ErrBadParam)
	}
	if _, err := q.store.Bulletin(ctx, id); err != nil {
		return nil, err
	}
	s, err := readScope(ctx, query{store: q.store, p: Values{"target": q.p["target"], "include-superseded": "true"}})
	if err != nil {
		return nil, err
	}
	having := map[string]string{"applicable": "st IN (1, 3)", "installed": "st = 1", "not_installed": "st = 3", "unknown": "st = 2"}[q.p["state"]]
	sql := `SELECT k.name, k.os_name, k.last_inventory_at, x.st, x.missing FROM (
		SELECT c.computer_id, MAX(c.state) AS st, COALESCE(GROUP_CONCAT(CASE WHEN c.state = 3 THEN c.update_id END, ' '), '') AS missing
		FROM compliance c` + s.targetJoin("c") + ` WHERE c.bulletin_id = ? GROUP BY c.computer_id) x
		JOIN computers k ON k.id = x.computer_id WHERE ` + having + ` ORDER BY k.name, k.id`
	rows, err := q.store.DB.WithContext(ctx).Raw(sql, id).Rows()
	if err != nil {
		return nil, fmt.Errorf("list computers of bulletin %s: %w", id, err)
	}
	defer rows.Close()
	t := Table{Columns: []Column{
		{"computer", "Computer", TypeString},
		{"os", "Operating system", TypeString},
		{"state", "State", TypeString},
		{"missing_updates", "Missing updates", TypeString},
		{"last_inventory", "Last inventory", TypeTime},
	}, Rows: [][]any{}}
	for rows.Next() {
		var name, os, missing string
		var last *time.Time
		var st int
		if err := rows.Scan(&name, &os, &last, &st, &missing); err != nil {
			return nil, fmt.Errorf("list computers of bulletin %s: %w", id, err)
		}
		var at any
		if last != nil {
			at = last.UTC()
		}
		t.Rows = append(t.Rows, []any{name, os, stateName(st), missing, at})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list computers of bulletin %s: %w", id, err)
	}
	res := &Result{Table: t, Chart: countChart(t, ChartPie, "Computers by state", "state", "State", []string{"not_installed", "unknown", "installed"}, 0)}
	res.Chart.Data.Columns[1] = Column{"bulletins", "Computers", TypeInt}
	res.Summary = append(scopeFacts(s), Fact{"Bulletin", id}, Fact{"Computers listed", fmt.Sprint(len(t.Rows))})
	return res, nil
}

func stateName(st int) string {
	return map[int]string{1: "installed", 2: "unknown", 3: "not_installed"}[st]
}
