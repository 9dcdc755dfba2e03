package reports_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"patchdesk/model/reports"
	"patchdesk/model/reports/reportstest"
)

func run(t *testing.T, name string, params reports.Values) *reports.Result {
	t.Helper()
	store := reportstest.OpenStore(t)
	reportstest.Seed(t, store)
	r, err := reports.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.RunAt(context.Background(), store, params, reportstest.Now)
	if err != nil {
		t.Fatalf("run %s %v: %v", name, params, err)
	}
	return res
}

func column(res *reports.Result, name string) []string {
	c := res.Col(name)
	out := make([]string, len(res.Rows))
	for r := range res.Rows {
		out[r] = res.Cell(r, c)
	}
	return out
}

func TestBulletinReports(t *testing.T) {
	cases := []struct {
		report string
		params reports.Values
		want   []string // bulletin ids in report order
	}{
		{"bulletins-all", nil, []string{"KB5066791", "KB5063709", "Zürich.Tool 2.1", "Acme.Legacy 1.0"}},
		{"bulletins-all", reports.Values{"include-superseded": "false", "include-disabled": "no"}, []string{"KB5066791", "Zürich.Tool 2.1"}},
		{"bulletins-all", reports.Values{"vendor": "Zürich Software, AG"}, []string{"Zürich.Tool 2.1"}},
		{"bulletins-all", reports.Values{"severity": "none"}, []string{"Acme.Legacy 1.0"}},
		{"bulletins-all", reports.Values{"custom-severity": "urgent"}, []string{"Zürich.Tool 2.1"}},
		{"bulletins-all", reports.Values{"released-from": "2026-11-17", "released-to": "2026-11-17"}, []string{"KB5066791"}},
		{"bulletins-custom-severity", nil, []string{"Zürich.Tool 2.1"}},
		{"bulletins-new-30-days", nil, []string{"Zürich.Tool 2.1", "KB5066791"}},
		{"bulletins-new-30-days", reports.Values{"days": "5"}, []string{"Zürich.Tool 2.1"}},
		{"bulletins-new-30-days", reports.Values{"days": "1000"}, []string{"Zürich.Tool 2.1", "KB5066791", "KB5063709", "Acme.Legacy 1.0"}},
		{"bulletins-superseded", nil, []string{"KB5063709"}},
		{"bulletins-disabled", nil, []string{"Acme.Legacy 1.0"}},
	}
	for _, c := range cases {
		t.Run(c.report+" "+fmtValues(c.params), func(t *testing.T) {
			res := run(t, c.report, c.params)
			if got := column(res, "bulletin"); !slices.Equal(got, c.want) {
				t.Errorf("report %s with %v: bulletins %q, want %q", c.report, c.params, got, c.want)
			}
			if res.Chart == nil {
				t.Fatalf("report %s has no chart", c.report)
			}
			labels, series, err := res.Chart.Resolve()
			if err != nil || len(series) == 0 || len(series[0].Values) != len(labels) {
				t.Fatalf("chart: labels %v series %v err %v", labels, series, err)
			}
		})
	}
}

func fmtValues(v reports.Values) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(v)) {
		parts = append(parts, k+"="+v[k])
	}
	return strings.Join(parts, " ")
}

func TestResultCarriesNormalisedParams(t *testing.T) {
	res := run(t, "bulletins-all", reports.Values{"severity": "critical", "include-disabled": "0"})
	want := reports.Values{"vendor": "", "severity": "Critical", "custom-severity": "", "released-from": "", "released-to": "",
		"include-superseded": "true", "include-disabled": "false"}
	if len(res.Params) != len(want) {
		t.Fatalf("params = %v, want %v", res.Params, want)
	}
	for k, v := range want {
		if res.Params[k] != v {
			t.Errorf("param %s = %q, want %q", k, res.Params[k], v)
		}
	}
	if res.Report != "bulletins-all" || res.Category != reports.SoftwareBulletins || !res.At.Equal(reportstest.Now) {
		t.Errorf("result header = %q %q %v", res.Report, res.Category, res.At)
	}
}

func TestBadParams(t *testing.T) {
	store := reportstest.OpenStore(t)
	cases := []struct {
		report string
		params reports.Values
		want   string
	}{
		{"bulletins-all", reports.Values{"colour": "red"}, `unknown parameter "colour"`},
		{"bulletins-all", reports.Values{"severity": "Dire"}, `"Dire" is not one of`},
		{"bulletins-all", reports.Values{"released-from": "27/11/2026"}, "is not a day"},
		{"bulletins-all", reports.Values{"include-disabled": "maybe"}, "is not true or false"},
		{"bulletins-new-30-days", reports.Values{"days": "0"}, "outside 1..3650"},
		{"bulletins-new-30-days", reports.Values{"days": "ten"}, "not a whole number"},
		{"diagnostics-catalog", reports.Values{"days": "1"}, "takes no parameters"},
	}
	for _, c := range cases {
		t.Run(c.report+" "+fmtValues(c.params), func(t *testing.T) {
			r, _ := reports.Lookup(c.report)
			_, err := r.Run(context.Background(), store, c.params)
			if !errors.Is(err, reports.ErrBadParam) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("run %s with %v: err %v, want ErrBadParam with %q", c.report, c.params, err, c.want)
			}
		})
	}
}

func TestParseAssignments(t *testing.T) {
	got, err := reports.ParseAssignments([]string{"vendor=Zürich Software, AG", "released-from=2026-01-01", "title=a=b"})
	if err != nil || got["vendor"] != "Zürich Software, AG" || got["title"] != "a=b" {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, bad := range [][]string{{"novalue"}, {"=x"}, {"a=1", "a=2"}} {
		if _, err := reports.ParseAssignments(bad); !errors.Is(err, reports.ErrBadParam) {
			t.Errorf("ParseAssignments(%q) err = %v, want ErrBadParam", bad, err)
		}
	}
}

func TestCatalogDiagnostics(t *testing.T) {
	res := run(t, "diagnostics-catalog", nil)
	facts := map[string]string{}
	for _, f := range res.Summary {
		facts[f.Label] = f.Value
	}
	if len(facts["Catalog version"]) != 12 {
		t.Errorf("catalog version = %q, want 12 hex digits", facts["Catalog version"])
	}
	if facts["Contents"] != "4 bulletins, 4 updates, 3 vendors" {
		t.Errorf("contents = %q", facts["Contents"])
	}
	if !strings.HasPrefix(facts["Last import"], "2026-11-27 08:00:00Z, succeeded after 1m30s") {
		t.Errorf("last import = %q", facts["Last import"])
	}
	if got := column(res, "unit"); !slices.Equal(got, []string{"snapshot"}) {
		t.Errorf("units = %v", got)
	}
	if got := column(res, "bulletins"); !slices.Equal(got, []string{"4"}) {
		t.Errorf("bulletins per unit = %v", got)
	}
}

func TestCatalogDiagnosticsEmpty(t *testing.T) {
	store := reportstest.OpenStore(t)
	r, _ := reports.Lookup("diagnostics-catalog")
	res, err := r.Run(context.Background(), store, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 0 || res.Summary[0].Value != "none: no catalog was imported" {
		t.Fatalf("empty catalog: rows %v summary %v", res.Rows, res.Summary)
	}
}

func TestJobHistory(t *testing.T) {
	cases := []struct {
		params reports.Values
		jobs   []string
		series []string
	}{
		// Named, not nil: an unnamed subtest ("#00") puts '#' into the database path.
		{reports.Values{"days": "30"}, []string{"import-catalog", "database-maintenance", "import-catalog"}, []string{"succeeded", "failed"}},
		{reports.Values{"job": "import-catalog", "outcome": "failed"}, []string{"import-catalog"}, []string{"failed"}},
		{reports.Values{"days": "1"}, []string{"import-catalog", "database-maintenance"}, []string{"succeeded"}},
	}
	for _, c := range cases {
		t.Run(fmtValues(c.params), func(t *testing.T) {
			res := run(t, "diagnostics-job-history", c.params)
			if got := column(res, "job"); !slices.Equal(got, c.jobs) {
				t.Errorf("jobs = %v, want %v", got, c.jobs)
			}
			if !slices.Equal(res.Chart.Values, c.series) {
				t.Errorf("chart series = %v, want %v", res.Chart.Values, c.series)
			}
			if got := column(res, "seconds")[0]; got != "90" {
				t.Errorf("duration = %q, want 90", got)
			}
		})
	}
}

func TestRegistryOrder(t *testing.T) {
	var names []string
	last := -1
	for _, r := range reports.All() {
		i := slices.Index(reports.Categories, r.Category)
		if i < last {
			t.Fatalf("%s (%s) listed after a later category", r.Name, r.Category)
		}
		last = i
		names = append(names, r.Name)
	}
	for _, want := range []string{"bulletins-all", "bulletins-new-30-days", "bulletins-superseded", "bulletins-disabled", "diagnostics-catalog", "diagnostics-job-history",
		"compliance-by-bulletin", "compliance-by-update", "compliance-by-computer", "compliance-by-severity", "compliance-missing-updates"} {
		if !slices.Contains(names, want) {
			t.Errorf("registry lacks %s (has %v)", want, names)
		}
	}
}

func TestSortTypes(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	tab := reports.Table{
		Columns: []reports.Column{{Name: "n", Type: reports.TypeInt}, {Name: "d", Type: reports.TypeDate}, {Name: "s", Type: reports.TypeString}},
		Rows:    [][]any{{int64(10), day(3), "b"}, {int64(9), nil, "A"}, {int64(100), day(1), "c"}},
	}
	cases := []struct {
		col  int
		desc bool
		want string // column s after sorting
	}{{0, false, "Abc"}, {0, true, "cbA"}, {1, false, "Acb"}, {2, false, "Abc"}, {2, true, "cbA"}}
	for _, c := range cases {
		tab.Sort(c.col, c.desc)
		var got string
		for _, r := range tab.Rows {
			got += r[2].(string)
		}
		if got != c.want {
			t.Errorf("sort by %d desc=%v: %s, want %s", c.col, c.desc, got, c.want)
		}
	}
}
