package reports

import (
	"cmp"
	"slices"
	"time"

	"patchdesk/model"
)

func severityChart(t Table) *Chart {
	return countChart(t, ChartBar, "Bulletins by vendor severity", "severity", "Severity", append(model.VendorSeverities, ""), 0)
}

// countChart counts the rows by one column's value. order fixes the label order (labels not in
// it follow, most frequent first); top > 0 folds the rest into "Other".
func countChart(t Table, kind ChartKind, title, col, colTitle string, order []string, top int) *Chart {
	ci := t.Col(col)
	counts := map[string]int64{}
	var seen []string
	for r := range t.Rows {
		v := t.Cell(r, ci)
		if _, ok := counts[v]; !ok {
			seen = append(seen, v)
		}
		counts[v]++
	}
	labels := orderLabels(seen, counts, order)
	data := Table{Columns: []Column{{col, colTitle, TypeString}, {"bulletins", "Bulletins", TypeInt}}}
	var other int64
	for i, l := range labels {
		if top > 0 && i >= top {
			other += counts[l]
			continue
		}
		name := l
		if name == "" {
			name = "(none)"
		}
		data.Rows = append(data.Rows, []any{name, counts[l]})
	}
	if other > 0 {
		data.Rows = append(data.Rows, []any{"Other", other})
	}
	return &Chart{Kind: kind, Title: title, Label: col, Values: []string{"bulletins"}, Data: data}
}

func orderLabels(seen []string, counts map[string]int64, order []string) []string {
	var out []string
	for _, o := range order {
		if _, ok := counts[o]; ok {
			out = append(out, o)
		}
	}
	var rest []string
	for _, s := range seen {
		if !containsString(order, s) {
			rest = append(rest, s)
		}
	}
	sortByCount(rest, counts)
	return append(out, rest...)
}

// perDayChart draws how many bulletins were released on each of the last days, zero days
// included so the line's spacing is time.
func perDayChart(t Table, since time.Time, days int) *Chart {
	ri := t.Col("released")
	counts := map[string]int64{}
	for _, row := range t.Rows {
		if d, ok := row[ri].(time.Time); ok {
			counts[d.UTC().Format(time.DateOnly)]++
		}
	}
	data := Table{Columns: []Column{{"day", "Day", TypeDate}, {"bulletins", "Bulletins", TypeInt}}}
	for i := range days {
		d := since.AddDate(0, 0, i)
		data.Rows = append(data.Rows, []any{d, counts[d.Format(time.DateOnly)]})
	}
	return &Chart{Kind: ChartLine, Title: "Bulletins released per day", Label: "day", Values: []string{"bulletins"}, Data: data}
}

func containsString(list []string, s string) bool { return slices.Contains(list, s) }

// sortByCount orders labels by count, largest first, then by name.
func sortByCount(labels []string, counts map[string]int64) {
	slices.SortFunc(labels, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
}
