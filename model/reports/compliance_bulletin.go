package reports

import (
	"context"
	"fmt"
	"time"

	"patchdesk/model"
)

var complianceByBulletin = &Report{
	Name: "compliance-by-bulletin", Title: "Compliance by bulletin", Category: Compliance,
	Description: "Per bulletin, the computers where it applies, is installed, is not installed (one of its applicable updates is missing) or cannot be decided; most missing first.",
	Params:      complianceParams,
	run: func(ctx context.Context, q query) (*Result, error) {
		s, err := readScope(ctx, q)
		if err != nil {
			return nil, err
		}
		t, err := bulletinCompliance(ctx, q.store, s)
		if err != nil {
			return nil, err
		}
		res := &Result{Table: t, Chart: stateChart(t, "Computers by bulletin (most missing)", "bulletin", 15)}
		res.Summary = append(scopeFacts(s), totalsFacts(t, "Bulletins")...)
		return res, nil
	},
}

var bulletinComplianceColumns = append([]Column{
	{"bulletin", "Bulletin", TypeString},
	{"vendor", "Vendor", TypeString},
	{"severity", "Severity", TypeString},
	{"custom_severity", "Custom Severity", TypeString},
	{"released", "Released", TypeDate},
	{"superseded", "Superseded", TypeBool},
}, stateColumns...)

// bulletinCompliance counts computers per bulletin. For every computer it reads the stored
// per-bulletin counts (compliance_bulletins, the Remediation Center's and `patchdesk
// compliance --by bulletin`'s); for a target it recounts from the rows, the bulletin's state
// on a computer being its worst update state there (installed < unknown < not installed),
// which is how the stored counts are kept. Bulletins that apply nowhere are left out, as the
// stored counts leave them out.
func bulletinCompliance(ctx context.Context, store *model.Store, s scope) (Table, error) {
	counts := `SELECT bulletin_id, installed, not_installed, unknown FROM compliance_bulletins`
	if s.targetID != 0 {
		counts = `SELECT bulletin_id, SUM(st = 1) AS installed, SUM(st = 3) AS not_installed, SUM(st = 2) AS unknown
			FROM (SELECT c.bulletin_id, MAX(c.state) AS st FROM compliance c` + s.targetJoin("c") + `
			GROUP BY c.bulletin_id, c.computer_id) GROUP BY bulletin_id`
	}
	sql := `SELECT b.id, v.name, b.severity, COALESCE(cs.name, ''), b.released, b.superseded, k.installed, k.not_installed, k.unknown
		FROM (` + counts + `) k` + bulletinJoins("k") + `
		WHERE (k.installed > 0 OR k.not_installed > 0 OR k.unknown > 0)` + s.cond() + `
		ORDER BY k.not_installed DESC, b.id`
	rows, err := store.DB.WithContext(ctx).Raw(sql, s.args...).Rows()
	if err != nil {
		return Table{}, fmt.Errorf("count compliance by bulletin: %w", err)
	}
	defer rows.Close()
	t := Table{Columns: bulletinComplianceColumns, Rows: [][]any{}}
	for rows.Next() {
		var id, vendor, sev, custom string
		var released time.Time
		var superseded bool
		var inst, miss, unk int64
		if err := rows.Scan(&id, &vendor, &sev, &custom, &released, &superseded, &inst, &miss, &unk); err != nil {
			return Table{}, fmt.Errorf("count compliance by bulletin: %w", err)
		}
		t.Rows = append(t.Rows, []any{id, vendor, sev, custom, day(released), superseded,
			inst + miss, inst, miss, unk, percent(inst, inst+miss)})
	}
	if err := rows.Err(); err != nil {
		return Table{}, fmt.Errorf("count compliance by bulletin: %w", err)
	}
	return t, nil
}

// totalsFacts sums the state columns of a compliance table into summary lines.
func totalsFacts(t Table, what string) []Fact {
	var inst, miss, unk int64
	ii, mi, ui := t.Col("installed"), t.Col("not_installed"), t.Col("unknown")
	for _, r := range t.Rows {
		a, _ := r[ii].(int64)
		b, _ := r[mi].(int64)
		c, _ := r[ui].(int64)
		inst, miss, unk = inst+a, miss+b, unk+c
	}
	pct := "—"
	if p, ok := percent(inst, inst+miss).(float64); ok {
		pct = fmt.Sprintf("%.1f %%", p)
	}
	return []Fact{{what, fmt.Sprint(len(t.Rows))},
		{"Installed / not installed / unknown", fmt.Sprintf("%d / %d / %d", inst, miss, unk)},
		{"Compliance", pct}}
}
