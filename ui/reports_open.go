package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"patchdesk/model/reports"
)

// OpenReport shows the Reports screen with a report chosen and run with the given parameters
// (the rest at their defaults): the dashboard's click-throughs and the drill-downs use it. It
// must run on the UI thread; it reports false for an unknown report.
func (ui *App) OpenReport(name string, params reports.Values) bool {
	rep := reports.Find(name)
	if rep == nil {
		return false
	}
	for i, sc := range ui.screens {
		s, ok := sc.(*reportsScreen)
		if !ok {
			continue
		}
		s.open(rep, params)
		if ui.current == i {
			ui.background(s.reload)
		} else {
			ui.nav.Select(i) // shows the screen, which runs the report
		}
		return true
	}
	return false
}

// open selects a report in the tree without the tree's own handler (which would prepare it
// with defaults and run it a second time), then prepares it with the given values.
func (s *reportsScreen) open(rep *reports.Report, params reports.Values) {
	handler := s.tree.OnSelected
	s.tree.OnSelected = nil
	s.tree.Select(rep.Name)
	s.tree.ScrollTo(rep.Name)
	s.tree.OnSelected = handler
	s.preset = params
	s.prepare(rep)
}

// drillTargets are the drill-downs of a report's rows (the guide's Table 7-3 for compliance by
// bulletin): a menu title and the report and parameters it opens for a row.
var drillTargets = map[string][]struct {
	title  string
	report string
	params func(row func(col string) string) reports.Values
}{
	"compliance-by-bulletin": {
		{"View not installed computers", "compliance-bulletin-computers", func(r func(string) string) reports.Values {
			return reports.DrillParams(r("bulletin"), "not_installed")
		}},
		{"View applicable computers", "compliance-bulletin-computers", func(r func(string) string) reports.Values {
			return reports.DrillParams(r("bulletin"), "applicable")
		}},
		{"View installed computers", "compliance-bulletin-computers", func(r func(string) string) reports.Values {
			return reports.DrillParams(r("bulletin"), "installed")
		}},
		{"View unknown computers", "compliance-bulletin-computers", func(r func(string) string) reports.Values {
			return reports.DrillParams(r("bulletin"), "unknown")
		}},
	},
	"compliance-by-computer": {
		{"View missing updates", "compliance-missing-updates", func(r func(string) string) reports.Values {
			return reports.Values{"computer": r("computer_id")}
		}},
	},
}

// drill offers a selected row's menu (rowItems, reports_rows.go) in a pop-up next to the table.
func (s *reportsScreen) drill(id widget.TableCellID) {
	s.table.UnselectAll()
	if s.result == nil || id.Row < 0 || id.Row >= len(s.result.Rows) {
		return
	}
	items := s.rowItems(id.Row)
	if len(items) == 0 {
		return
	}
	c := fyne.CurrentApp().Driver().CanvasForObject(s.table)
	if c == nil {
		return
	}
	// The table does not say where a row is on screen once scrolled; near its top is close enough.
	pos := fyne.NewPos(s.table.Size().Width/3, s.table.Size().Height/5)
	widget.ShowPopUpMenuAtRelativePosition(fyne.NewMenu("", items...), c, pos, s.table)
}
