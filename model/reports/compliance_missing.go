package reports

import (
	"context"
	"fmt"
	"strings"
	"time"

	"patchdesk/model"
)

var complianceMissing = &Report{
	Name: "compliance-missing-updates", Title: "Missing updates", Category: Compliance,
	Description: "Every update that applies to a computer and is not installed there, critical first; charted by vendor severity.",
	Params: append(append([]Param{}, complianceParams...),
		Param{Name: "computer", Title: "Computer", Kind: KindString, Help: "only this computer (name or id; empty: all)"},
		Param{Name: "limit", Title: "Rows", Kind: KindInt, Default: "5000", Min: 0, Max: 10_000_000,
			Help: "at most this many rows (0: all); the summary counts them all"}),
	run: missingUpdates,
}

func missingUpdates(ctx context.Context, q query) (*Result, error) {
	s, err := readScope(ctx, q)
	if err != nil {
		return nil, err
	}
	cond, args := s.cond(), append([]any{}, s.args...)
	if !q.p.Bool("include-superseded") {
		cond += " AND NOT c.superseded"
	}
	if name := strings.TrimSpace(q.p["computer"]); name != "" {
		k, err := q.store.FindComputer(ctx, name)
		if err != nil {
			return nil, err
		}
		cond, args = cond+" AND c.computer_id = ?", append(args, k.ID)
	}
	from := ` FROM compliance c` + s.targetJoin("c") + ` JOIN computers k ON k.id = c.computer_id
		JOIN updates u ON u.id = c.update_id` + bulletinJoins("c") + `
		WHERE c.state = 3` + cond
	db := q.store.DB.WithContext(ctx)
	// The severity counts cover every row, also those past the limit.
	var bySev []struct {
		Severity string
		N        int64
	}
	if err := db.Raw(`SELECT b.severity AS severity, COUNT(*) AS n`+from+` GROUP BY b.severity`, args...).Scan(&bySev).Error; err != nil {
		return nil, fmt.Errorf("count missing updates: %w", err)
	}
	sql := `SELECT k.name, k.os_name, b.id, u.id, u.name, u.kb, b.severity, COALESCE(cs.name, ''), b.released, c.superseded` + from +
		` ORDER BY b.severity_rank DESC, k.name, k.id, b.id, u.id`
	if n := q.p.Int("limit"); n > 0 {
		sql += fmt.Sprintf(" LIMIT %d", n)
	}
	rows, err := db.Raw(sql, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("list missing updates: %w", err)
	}
	defer rows.Close()
	t := Table{Columns: []Column{
		{"computer", "Computer", TypeString},
		{"os", "Operating system", TypeString},
		{"bulletin", "Bulletin", TypeString},
		{"update", "Update", TypeString},
		{"name", "Name", TypeString},
		{"kb", "KB", TypeString},
		{"severity", "Severity", TypeString},
		{"custom_severity", "Custom Severity", TypeString},
		{"released", "Released", TypeDate},
		{"superseded", "Superseded", TypeBool},
	}, Rows: [][]any{}}
	for rows.Next() {
		var r missingRow
		if err := rows.Scan(&r.computer, &r.os, &r.bulletin, &r.update, &r.name, &r.kb, &r.sev, &r.custom, &r.released, &r.superseded); err != nil {
			return nil, fmt.Errorf("list missing updates: %w", err)
		}
		t.Rows = append(t.Rows, []any{r.computer, r.os, r.bulletin, r.update, r.name, r.kb, r.sev, r.custom, day(r.released), r.superseded})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list missing updates: %w", err)
	}
	var total int64
	counts := map[string]int64{}
	var seen []string
	for _, c := range bySev {
		total += c.N
		counts[c.Severity] = c.N
		seen = append(seen, c.Severity)
	}
	data := Table{Columns: []Column{{"severity", "Severity", TypeString}, {"missing", "Missing", TypeInt}}}
	for _, l := range orderLabels(seen, counts, append(append([]string{}, model.VendorSeverities...), "")) {
		name := l
		if name == "" {
			name = "(none)"
		}
		data.Rows = append(data.Rows, []any{name, counts[l]})
	}
	res := &Result{Table: t, Chart: &Chart{Kind: ChartPie, Title: "Missing updates by vendor severity", Label: "severity",
		Values: []string{"missing"}, Data: data}}
	res.Summary = append(scopeFacts(s), Fact{"Missing (computer × update)", fmt.Sprint(total)})
	if int64(len(t.Rows)) < total {
		res.Summary = append(res.Summary, Fact{"Shown", fmt.Sprintf("first %d (raise the rows parameter for more)", len(t.Rows))})
	}
	return res, nil
}

type missingRow struct {
	computer, os, bulletin, update, name, kb, sev, custom string
	released                                              time.Time
	superseded                                            bool
}
