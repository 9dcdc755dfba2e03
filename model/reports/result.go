package reports

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ColumnType says how a column's values are typed, formatted and sorted.
type ColumnType string

// Column types. A row's cell holds the Go type named in the comment, or nil for "no value".
const (
	TypeString ColumnType = "string" // string
	TypeInt    ColumnType = "int"    // int64
	TypeFloat  ColumnType = "float"  // float64
	TypeBool   ColumnType = "bool"   // bool
	TypeDate   ColumnType = "date"   // time.Time, shown as a calendar day
	TypeTime   ColumnType = "time"   // time.Time, shown to the second
)

// Column is one column of a report table. Name is stable (JSON, scripts, chart specs); Title
// is what people read (table headers, CSV header, HTML).
type Column struct {
	Name  string     `json:"name"`
	Title string     `json:"title"`
	Type  ColumnType `json:"type"`
}

// Table is columns and rows; a report's result is one, and so is a chart's data when the chart
// shows a summary rather than the rows themselves.
type Table struct {
	Columns []Column `json:"columns"`
	Rows    [][]any  `json:"rows"`
}

// Col returns the index of the column with that name, or -1.
func (t *Table) Col(name string) int {
	return slices.IndexFunc(t.Columns, func(c Column) bool { return c.Name == name })
}

// Cell formats the value at row r, column c for people: tables, CSV and HTML use it.
func (t *Table) Cell(r, c int) string {
	return FormatValue(t.Columns[c].Type, t.Rows[r][c])
}

// FormatValue formats one cell value of a column type. Dates and times are shown in UTC so that
// a report reads the same on every machine it is exported to.
func FormatValue(typ ColumnType, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case time.Time:
		if x.IsZero() {
			return ""
		}
		if typ == TypeDate {
			return x.UTC().Format(time.DateOnly)
		}
		return x.UTC().Format("2006-01-02 15:04:05Z")
	}
	return fmt.Sprint(v)
}

// Sort orders the rows by one column, keeping ties in their previous order. Values compare by
// their type (numbers as numbers, times as times); nil sorts first.
func (t *Table) Sort(col int, desc bool) {
	slices.SortStableFunc(t.Rows, func(a, b []any) int {
		c := compareValues(a[col], b[col])
		if desc {
			return -c
		}
		return c
	})
}

func compareValues(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return cmp.Or(cmp.Compare(strings.ToLower(x), strings.ToLower(y)), cmp.Compare(x, y))
		}
	case int64:
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y)
		}
	case float64:
		if y, ok := b.(float64); ok {
			return cmp.Compare(x, y)
		}
	case bool:
		if y, ok := b.(bool); ok {
			switch {
			case x == y:
				return 0
			case !x:
				return -1
			}
			return 1
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y)
		}
	}
	return cmp.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

// Number reads a numeric cell as a float64 for charts; ok is false for other types.
func Number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// ChartKind is the kind of chart a report shows.
type ChartKind string

// Chart kinds every front end draws: the desktop console with canvas primitives, HTML with
// ECharts.
const (
	ChartBar  ChartKind = "bar"
	ChartPie  ChartKind = "pie"
	ChartLine ChartKind = "line"
)

// Chart says how to draw a report: one category per row of Data (labelled by the Label
// column) and one series per Values column. Data is a summary table when the chart shows
// counts rather than the report's rows (a bulletin list charted by severity).
type Chart struct {
	Kind   ChartKind `json:"kind"`
	Title  string    `json:"title"`
	Label  string    `json:"label"`
	Values []string  `json:"values"`
	// Colors optionally names what each value column's colour means (ColorError for failed
	// runs); each front end maps the names to its palette or theme, and uses its own palette
	// for series without one.
	Colors []string `json:"colors,omitempty"`
	// SliceColors optionally names each pie slice's colour (one per row of Data), for pies whose
	// slices are states (installed, not installed, unknown) rather than a palette.
	SliceColors []string `json:"slice_colors,omitempty"`
	Data        Table    `json:"data"`
}

// Colour names of chart series.
const (
	ColorSuccess = "success"
	ColorError   = "error"
	ColorWarning = "warning"
	ColorNeutral = "neutral"
	ColorPrimary = "primary"
)

// Series is one named run of values of a chart, one per label.
type Series struct {
	Name   string
	Color  string // one of the Color names; "" for the front end's palette
	Values []float64
}

// Resolve reads the chart's labels and series out of its data. A pie uses the first series.
func (c *Chart) Resolve() (labels []string, series []Series, err error) {
	li := c.Data.Col(c.Label)
	if li < 0 {
		return nil, nil, fmt.Errorf("chart %q: no label column %q", c.Title, c.Label)
	}
	labels = make([]string, len(c.Data.Rows))
	for r := range c.Data.Rows {
		labels[r] = c.Data.Cell(r, li)
	}
	for i, name := range c.Values {
		vi := c.Data.Col(name)
		if vi < 0 {
			return nil, nil, fmt.Errorf("chart %q: no value column %q", c.Title, name)
		}
		s := Series{Name: c.Data.Columns[vi].Title, Values: make([]float64, len(c.Data.Rows))}
		if i < len(c.Colors) {
			s.Color = c.Colors[i]
		}
		for r, row := range c.Data.Rows {
			s.Values[r], _ = Number(row[vi])
		}
		series = append(series, s)
	}
	return labels, series, nil
}

// Fact is one line of a report's summary above its table ("Catalog version", "3f2a9c1d").
type Fact struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Result is a report's output: what every front end shows and every export writes.
type Result struct {
	Report   string    `json:"report"`
	Title    string    `json:"title"`
	Category Category  `json:"category"`
	Params   Values    `json:"params"`
	At       time.Time `json:"generated_at"`
	Summary  []Fact    `json:"summary"`
	Table
	Chart *Chart `json:"chart"`
}
