package ui

import (
	"context"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"patchdesk/model/reports"
	"patchdesk/model/reports/reportstest"
)

// TestDashboardCompliance shows the compliance parts over the reports' seeded fleet and follows
// the click-throughs: a card's button opens its report, a computer at risk opens its missing
// updates.
func TestDashboardCompliance(t *testing.T) {
	ui, h := newTestConsole(t)
	reportstest.SeedCompliance(t, h.Store)
	if _, err := h.Store.TakeComplianceSnapshot(context.Background(), fixedNow.AddDate(0, 0, -1)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Store.TakeComplianceSnapshot(context.Background(), fixedNow); err != nil {
		t.Fatal(err)
	}
	ui.ShowScreen("Dashboard")
	ui.dashboard.reload()
	test.AssertImageMatches(t, "screens/dashboard_compliance.png", ui.win.Canvas().Capture())

	p := ui.dashboard.parts
	if got := p.bulletins["available"].Text; got != "available: 3" {
		t.Errorf("bulletin summary shows %q, want available: 3", got)
	}
	if n := len(p.atRisk.Objects); n != 4 {
		t.Fatalf("%d computers at risk, want 4", n)
	}
	reps := func() *reportsScreen {
		for _, sc := range ui.screens {
			if r, ok := sc.(*reportsScreen); ok {
				return r
			}
		}
		t.Fatal("no Reports screen")
		return nil
	}()
	tests := []struct {
		name       string
		tap        *widget.Button
		wantReport string
		param      string
		wantValue  string
	}{
		{"bulletin summary: staged", p.bulletins["staged"], "bulletins-staged", "", ""},
		{"first computer at risk", p.atRisk.Objects[0].(*widget.Button), "compliance-missing-updates", "computer", "4"}, // Büro, PC-3,
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ui.ShowScreen("Dashboard")
			test.Tap(tc.tap)
			if title := ui.screens[ui.current].title(); title != "Reports" {
				t.Fatalf("screen %q after the tap, want Reports", title)
			}
			res := reps.result
			if res == nil || res.Report != tc.wantReport {
				t.Fatalf("report shown = %+v, want %s", res, tc.wantReport)
			}
			if tc.param != "" && res.Params[tc.param] != tc.wantValue {
				t.Errorf("parameter %s = %q, want %q", tc.param, res.Params[tc.param], tc.wantValue)
			}
		})
	}
	// Table 7-3: a compliance-by-bulletin row drills down to its not-installed computers.
	ui.OpenReport("compliance-by-bulletin", nil)
	row := reps.result.Rows[0]
	reps.drill(widget.TableCellID{Row: 0, Col: 0})
	ui.OpenReport("compliance-bulletin-computers", reports.DrillParams(row[0].(string), "not_installed"))
	if got := reps.result; got.Report != "compliance-bulletin-computers" || got.Params["bulletin"] != row[0] || len(got.Rows) == 0 {
		t.Errorf("drill-down shows %s %v with %d rows", got.Report, got.Params, len(got.Rows))
	}
}
