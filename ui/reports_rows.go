package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"patchdesk/model/reports"
)

// reportCell is a cell of the report table: a tap selects the row (which offers its
// drill-downs, reports_open.go), a right-click opens the row's menu where the pointer is.
type reportCell struct {
	widget.BaseWidget
	s     *reportsScreen
	label *widget.Label
	id    widget.TableCellID
}

func newReportCell(s *reportsScreen) *reportCell {
	c := &reportCell{s: s, label: widget.NewLabel("")}
	c.label.Truncation = fyne.TextTruncateEllipsis
	c.ExtendBaseWidget(c)
	return c
}

func (c *reportCell) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(c.label)
}

func (c *reportCell) Tapped(*fyne.PointEvent) { c.s.table.Select(c.id) }

func (c *reportCell) TappedSecondary(e *fyne.PointEvent) {
	items := c.s.rowItems(c.id.Row)
	if len(items) == 0 {
		return
	}
	cv := fyne.CurrentApp().Driver().CanvasForObject(c)
	if cv == nil {
		return
	}
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), cv, e.AbsolutePosition)
}

// rowItems are a row's menu: the report's drill-downs, then, on a row that carries a bulletin,
// its targeted computers and the Remediation Center's package actions (the guide's Table 7-3,
// "distribute directly from report results").
func (s *reportsScreen) rowItems(row int) []*fyne.MenuItem {
	if s.result == nil || row < 0 || row >= len(s.result.Rows) {
		return nil
	}
	res := s.result
	cell := func(col string) string {
		if c := res.Col(col); c >= 0 {
			return res.Cell(row, c)
		}
		return ""
	}
	var items []*fyne.MenuItem
	for _, t := range drillTargets[res.Report] {
		items = append(items, fyne.NewMenuItem(t.title, func() { s.ui.OpenReport(t.report, t.params(cell)) }))
	}
	bulletin := cell("bulletin")
	if bulletin == "" {
		return items
	}
	ids := []string{bulletin}
	return append(items,
		fyne.NewMenuItem("View targeted computers", func() {
			s.ui.OpenReport("bulletin-targeted-computers", reports.TargetedParams(bulletin))
		}),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Download Packages", func() { s.downloadPackages(ids) }),
		fyne.NewMenuItem("Distribute Packages…", func() { s.distributePackages(ids) }),
	)
}

// downloadPackages queues the bulletins' packages and runs the download job with the
// Remediation Center's status dialog, as its Download Packages does.
func (s *reportsScreen) downloadPackages(ids []string) {
	if r := s.ui.remediation(); r != nil {
		r.downloadPackages(ids, false)
	}
}

// distributePackages opens the Remediation Center's distribution wizard for the bulletins.
func (s *reportsScreen) distributePackages(ids []string) *distributeWizard {
	if r := s.ui.remediation(); r != nil {
		return r.openWizard(ids)
	}
	return nil
}
