package reports_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"patchdesk/model"
	"patchdesk/model/reports"
	"patchdesk/model/reports/reportstest"
)

func complianceStore(t *testing.T) *model.Store {
	t.Helper()
	s := reportstest.OpenStore(t)
	reportstest.SeedCompliance(t, s)
	return s
}

func runOn(t *testing.T, s *model.Store, name string, params reports.Values) *reports.Result {
	t.Helper()
	res, err := reports.Find(name).RunAt(context.Background(), s, params, reportstest.Now)
	if err != nil {
		t.Fatalf("run %s %v: %v", name, params, err)
	}
	return res
}

// rowsOf prints the named columns of every row, one line per row, for comparisons that read
// well when they fail.
func rowsOf(res *reports.Result, cols ...string) []string {
	out := make([]string, len(res.Rows))
	for r := range res.Rows {
		var cells []string
		for _, c := range cols {
			cells = append(cells, res.Cell(r, res.Col(c)))
		}
		out[r] = strings.Join(cells, " ")
	}
	return out
}

// TestComplianceByBulletinAgreesWithStoredCounts is the acceptance: the report's rows
// are `patchdesk compliance --by bulletin`'s (Store.BulletinComplianceCounts), row for row, in
// the command's order (most not installed first, then by bulletin).
func TestComplianceByBulletinAgreesWithStoredCounts(t *testing.T) {
	s := complianceStore(t)
	counts, err := s.BulletinComplianceCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for id, c := range counts {
		want = append(want, fmt.Sprintf("%s %d %d %d %d", id, c.Applicable, c.Installed, c.NotInstalled, c.Unknown))
	}
	slices.SortFunc(want, func(a, b string) int {
		na, nb := strings.Fields(a), strings.Fields(b)
		if x, y := na[len(na)-2], nb[len(nb)-2]; x != y {
			return strings.Compare(y, x) // single digits here
		}
		return strings.Compare(a, b)
	})
	got := rowsOf(runOn(t, s, "compliance-by-bulletin", nil), "bulletin", "applicable", "installed", "not_installed", "unknown")
	if !slices.Equal(got, want) {
		t.Fatalf("compliance-by-bulletin\n got %q\nwant %q (Store.BulletinComplianceCounts)", got, want)
	}
	// The figures worked out by hand from the seeded inventories (reportstest.SeedCompliance).
	hand := []string{"7zip.7zip 19.00 5 2 3 0", "KB5039211 4 1 3 1", "KB5037768 4 2 2 1"}
	if !slices.Equal(got, hand) {
		t.Errorf("compliance-by-bulletin = %q, want %q", got, hand)
	}
}

// TestComplianceTargetRecount checks the recount from rows (used for a target) against the
// stored counts: over a target holding every computer they must be equal, and the built-in
// agent target leaves out the revoked computer.
func TestComplianceTargetRecount(t *testing.T) {
	s := complianceStore(t)
	ctx := context.Background()
	if _, err := s.AddTarget(ctx, "test", "Everything", "", model.TargetQuery{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecomputeTargets(ctx); err != nil {
		t.Fatal(err)
	}
	cols := []string{"bulletin", "applicable", "installed", "not_installed", "unknown", "compliance"}
	all := rowsOf(runOn(t, s, "compliance-by-bulletin", nil), cols...)
	every := rowsOf(runOn(t, s, "compliance-by-bulletin", reports.Values{"target": "Everything"}), cols...)
	if !slices.Equal(all, every) {
		t.Errorf("target Everything = %q, want the stored counts %q", every, all)
	}
	agents := rowsOf(runOn(t, s, "compliance-by-bulletin", reports.Values{"target": model.TargetAllAgents}), cols...)
	want := []string{"KB5039211 4 1 3 0 25", "7zip.7zip 19.00 4 2 2 0 50", "KB5037768 4 2 2 0 50"}
	if !slices.Equal(agents, want) {
		t.Errorf("target %s = %q, want %q (PC-NOKB is revoked)", model.TargetAllAgents, agents, want)
	}
	if _, err := reports.Find("compliance-by-bulletin").Run(ctx, s, reports.Values{"target": "Nowhere"}); err == nil {
		t.Error("an unknown target ran; want an error")
	}
}

func TestComplianceReports(t *testing.T) {
	s := complianceStore(t)
	tests := []struct {
		report string
		params reports.Values
		cols   []string
		want   []string
	}{
		{"compliance-by-bulletin", reports.Values{"severity": "Critical", "include-superseded": "false"},
			[]string{"bulletin", "not_installed"}, []string{"KB5039211 3"}},
		{"compliance-by-bulletin", reports.Values{"vendor": "Igor Pavlov"}, []string{"bulletin"}, []string{"7zip.7zip 19.00"}},
		{"compliance-by-bulletin", reports.Values{"released-from": "2024-06-01", "released-to": "2024-06-11"}, []string{"bulletin"}, []string{"KB5039211"}},
		{"compliance-by-update", nil, []string{"update", "applicable", "installed", "not_installed", "unknown", "superseded"},
			[]string{"7zip.7zip 19.00/x64 5 2 3 0 no", "KB5039211/22H2 4 1 3 1 no", "KB5037768/22H2 4 2 2 1 yes"}},
		{"compliance-by-update", reports.Values{"include-superseded": "false"}, []string{"update"},
			[]string{"7zip.7zip 19.00/x64", "KB5039211/22H2"}},
		{"compliance-by-computer", nil, []string{"computer", "applicable", "installed", "not_installed", "critical", "superseded", "unknown"},
			[]string{"Büro, PC-3 3 0 3 2 1 0", "PC-OLD 3 0 3 2 1 0", "PC-MID 3 2 1 1 0 0", "PC-NOKB 1 0 1 0 0 2", "PC-NEW 3 3 0 0 0 0"}},
		{"compliance-by-computer", reports.Values{"target": model.TargetAllAgents, "vendor": "Igor Pavlov"}, []string{"computer", "not_installed"},
			[]string{"Büro, PC-3 1", "PC-OLD 1", "PC-MID 0", "PC-NEW 0"}},
		{"compliance-by-severity", nil, []string{"severity", "bulletins", "installed", "not_installed", "unknown"},
			[]string{"Critical 2 3 5 2", "Important 1 2 3 0"}},
		{"compliance-by-severity", reports.Values{"by": "custom"}, []string{"severity", "bulletins", "not_installed"},
			[]string{"(none) 3 8"}},
		{"compliance-missing-updates", reports.Values{"computer": "PC-MID"}, []string{"computer", "update", "severity"},
			[]string{"PC-MID KB5039211/22H2 Critical"}},
		{"compliance-missing-updates", reports.Values{"include-superseded": "false", "severity": "Important"}, []string{"computer", "update"},
			[]string{"Büro, PC-3 7zip.7zip 19.00/x64", "PC-NOKB 7zip.7zip 19.00/x64", "PC-OLD 7zip.7zip 19.00/x64"}},
		{"compliance-bulletin-computers", reports.DrillParams("KB5039211", "not_installed"), []string{"computer", "missing_updates"},
			[]string{"Büro, PC-3 KB5039211/22H2", "PC-MID KB5039211/22H2", "PC-OLD KB5039211/22H2"}},
		{"compliance-bulletin-computers", reports.DrillParams("KB5037768", "applicable"), []string{"computer", "state"},
			[]string{"Büro, PC-3 not_installed", "PC-MID installed", "PC-NEW installed", "PC-OLD not_installed"}},
		{"compliance-bulletin-computers", reports.DrillParams("KB5037768", "unknown"), []string{"computer"}, []string{"PC-NOKB"}},
	}
	for _, tc := range tests {
		t.Run(tc.report+" "+fmtValues(tc.params), func(t *testing.T) {
			res := runOn(t, s, tc.report, tc.params)
			if got := rowsOf(res, tc.cols...); !slices.Equal(got, tc.want) {
				t.Errorf("%s %v %v\n got %q\nwant %q", tc.report, tc.params, tc.cols, got, tc.want)
			}
			if res.Chart == nil {
				t.Fatal("no chart")
			}
			if _, _, err := res.Chart.Resolve(); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestComplianceByComputerAgreesWithScreen: without bulletin parameters the by-computer report
// shows the Computers screen's stored counts.
func TestComplianceByComputerAgreesWithScreen(t *testing.T) {
	s := complianceStore(t)
	ctx := context.Background()
	counts, err := s.ComputerCompliance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res := runOn(t, s, "compliance-by-computer", nil)
	for r, row := range res.Rows {
		c := counts[uint(row[res.Col("computer_id")].(int64))]
		got := rowsOf(res, "installed", "not_installed", "unknown", "superseded")[r]
		want := fmt.Sprintf("%d %d %d %d", c.Installed, c.Missing, c.Unknown, c.MissingSuperseded)
		if got != want {
			t.Errorf("%s: report %s, Computers screen %s", res.Cell(r, res.Col("computer")), got, want)
		}
	}
	if len(res.Rows) != len(counts) {
		t.Errorf("%d rows, %d evaluated computers", len(res.Rows), len(counts))
	}
}
