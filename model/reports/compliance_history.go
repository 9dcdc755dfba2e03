package reports

import (
	"context"
	"fmt"
	"time"
)

var complianceHistory = &Report{
	Name: "compliance-history", Title: "Compliance over time", Category: Compliance,
	Description: "The daily compliance snapshots (written by the compliance-snapshot job): computers, compliant computers and bulletin × computer pairs installed, not installed and unknown.",
	Params:      []Param{{Name: "days", Title: "Days", Kind: KindInt, Default: fmt.Sprint(HistoryDays), Min: 1, Max: 3650, Help: "how many days back"}},
	run: func(ctx context.Context, q query) (*Result, error) {
		since := startOfDay(q.now).AddDate(0, 0, 1-q.p.Int("days"))
		snaps, err := q.store.ComplianceSnapshots(ctx, since)
		if err != nil {
			return nil, err
		}
		t := Table{Columns: []Column{
			{"day", "Day", TypeDate},
			{"computers", "Computers", TypeInt},
			{"compliant", "Compliant computers", TypeInt},
			{"installed", "Installed", TypeInt},
			{"not_installed", "Not installed", TypeInt},
			{"unknown", "Unknown", TypeInt},
			{"compliance", "Compliance %", TypeFloat},
		}, Rows: [][]any{}}
		for _, s := range snaps {
			d, err := time.Parse(time.DateOnly, s.Day)
			if err != nil {
				return nil, fmt.Errorf("snapshot day %q: %w", s.Day, err)
			}
			t.Rows = append(t.Rows, []any{d, s.Computers, s.CompliantComputers, s.Installed, s.NotInstalled, s.Unknown,
				percent(s.Installed, s.Installed+s.NotInstalled)})
		}
		res := &Result{Table: t, Chart: &Chart{Kind: ChartLine, Title: "Compliance % per day", Label: "day",
			Values: []string{"compliance"}, Colors: []string{ColorPrimary}, Data: t}}
		res.Summary = []Fact{{"Days with a snapshot", fmt.Sprint(len(snaps))}, {"Since", since.Format(time.DateOnly)}}
		return res, nil
	},
}
