package reports

import "time"

// ComplianceChart is the compliance summary's pie (installed, not installed, unknown pairs),
// nil when nothing was evaluated. The console and the browser draw the same spec.
func (d *Dashboard) ComplianceChart() *Chart {
	c := d.Compliance
	if c.Installed+c.NotInstalled+c.Unknown == 0 {
		return nil
	}
	return &Chart{Kind: ChartPie, Title: "Bulletin × computer pairs", Label: "state", Values: []string{"pairs"},
		SliceColors: []string{ColorSuccess, ColorError, ColorWarning},
		Data: Table{Columns: []Column{{"state", "State", TypeString}, {"pairs", "Pairs", TypeInt}},
			Rows: [][]any{{"Installed", c.Installed}, {"Not installed", c.NotInstalled}, {"Unknown", c.Unknown}}}}
}

// HistoryChart is the compliance-over-time line (installed share of applicable pairs per
// day), nil without snapshots.
func (d *Dashboard) HistoryChart() *Chart {
	if len(d.History) == 0 {
		return nil
	}
	t := Table{Columns: []Column{{"day", "Day", TypeDate}, {"compliance", "Compliance %", TypeFloat}}}
	for _, s := range d.History {
		day, err := time.Parse(time.DateOnly, s.Day)
		if err != nil {
			continue // written by TakeComplianceSnapshot, always a day
		}
		pct, _ := percent(s.Installed, s.Installed+s.NotInstalled).(float64)
		t.Rows = append(t.Rows, []any{day, pct})
	}
	return &Chart{Kind: ChartLine, Title: "Compliance % per day", Label: "day", Values: []string{"compliance"}, Colors: []string{ColorPrimary}, Data: t}
}

// CompliancePercent is the installed share of applicable pairs, or -1 when nothing applies.
func (d *Dashboard) CompliancePercent() float64 {
	c := d.Compliance
	if p, ok := percent(c.Installed, c.Installed+c.NotInstalled).(float64); ok {
		return p
	}
	return -1
}
