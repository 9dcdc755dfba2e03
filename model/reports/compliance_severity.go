package reports

import (
	"context"
	"fmt"

	"patchdesk/model"
)

var complianceBySeverity = &Report{
	Name: "compliance-by-severity", Title: "Compliance by severity", Category: Compliance,
	Description: "Bulletin × computer pairs installed, not installed and unknown, summed per vendor severity or per custom severity level.",
	Params: append([]Param{{Name: "by", Title: "Severity", Kind: KindChoice, Default: "vendor", Choices: []string{"vendor", "custom"},
		Help: "vendor severity or custom severity level"}}, complianceParams...),
	run: severityCompliance,
}

// severityCompliance sums compliance by bulletin per severity, so its figures add up to the
// by-bulletin report's with the same parameters.
func severityCompliance(ctx context.Context, q query) (*Result, error) {
	s, err := readScope(ctx, q)
	if err != nil {
		return nil, err
	}
	bt, err := bulletinCompliance(ctx, q.store, s)
	if err != nil {
		return nil, err
	}
	col, title, order := "severity", "Severity", append(append([]string{}, model.VendorSeverities...), "")
	if q.p["by"] == "custom" {
		col, title, order = "custom_severity", "Custom Severity", nil
		levels, err := q.store.SeverityLevels(ctx)
		if err != nil {
			return nil, fmt.Errorf("list custom severity levels: %w", err)
		}
		for _, l := range levels {
			order = append(order, l.Name)
		}
		order = append(order, "")
	}
	type sums struct{ bulletins, inst, miss, unk int64 }
	per := map[string]*sums{}
	var seen []string
	ci, ii, mi, ui := bt.Col(col), bt.Col("installed"), bt.Col("not_installed"), bt.Col("unknown")
	for _, r := range bt.Rows {
		k := r[ci].(string)
		if per[k] == nil {
			per[k] = &sums{}
			seen = append(seen, k)
		}
		p := per[k]
		p.bulletins++
		p.inst += r[ii].(int64)
		p.miss += r[mi].(int64)
		p.unk += r[ui].(int64)
	}
	counts := map[string]int64{}
	for k, p := range per {
		counts[k] = p.miss
	}
	t := Table{Columns: append([]Column{{"severity", title, TypeString}, {"bulletins", "Bulletins", TypeInt}}, stateColumns...), Rows: [][]any{}}
	for _, k := range orderLabels(seen, counts, order) {
		p := per[k]
		name := k
		if name == "" {
			name = "(none)"
		}
		t.Rows = append(t.Rows, []any{name, p.bulletins, p.inst + p.miss, p.inst, p.miss, p.unk, percent(p.inst, p.inst+p.miss)})
	}
	res := &Result{Table: t, Chart: stateChart(t, "Bulletin × computer pairs by "+title, "severity", 0)}
	res.Summary = append(scopeFacts(s), totalsFacts(t, "Severities")...)
	return res, nil
}
