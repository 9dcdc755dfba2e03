package ui

import (
	"fmt"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchdesk/model/reports"
)

// complianceParts are the dashboard's compliance cards. Their figures come from
// reports.LoadDashboard, which the browser dashboard draws too, and each card opens the report
// behind it.
type complianceParts struct {
	ui *App

	summary     *reportChart
	summaryText *widget.Label
	history     *reportChart
	historyText *widget.Label
	atRisk      *fyne.Container
	atRiskText  *widget.Label
	bulletins   map[string]*widget.Button
}

func newComplianceParts(ui *App) *complianceParts {
	p := &complianceParts{ui: ui, summary: newReportChart(), summaryText: widget.NewLabel(""),
		history: newReportChart(), historyText: widget.NewLabel(""), atRisk: container.NewVBox(), atRiskText: widget.NewLabel(""),
		bulletins: map[string]*widget.Button{}}
	for _, l := range []*widget.Label{p.summaryText, p.historyText, p.atRiskText} {
		l.Wrapping = fyne.TextWrapWord
	}
	return p
}

// openButton is a card's click-through to its report.
func (p *complianceParts) openButton(label, report string) *widget.Button {
	return widget.NewButtonWithIcon(label, theme.DocumentIcon(), func() { p.ui.OpenReport(report, nil) })
}

func (p *complianceParts) summaryCard() fyne.CanvasObject {
	return widget.NewCard("Compliance summary", "Bulletin × computer pairs", container.NewBorder(nil,
		container.NewVBox(p.summaryText, container.NewHBox(p.openButton("Compliance by bulletin", reports.DashboardComplianceReport),
			p.openButton("By severity", "compliance-by-severity"))),
		nil, nil, p.summary))
}

func (p *complianceParts) historyCard() fyne.CanvasObject {
	return widget.NewCard("Compliance over time", fmt.Sprintf("Last %d days, one point per day", reports.HistoryDays), container.NewBorder(nil,
		container.NewVBox(p.historyText, container.NewHBox(p.openButton("Compliance history", reports.DashboardHistoryReport))),
		nil, nil, p.history))
}

func (p *complianceParts) atRiskCard() fyne.CanvasObject {
	return widget.NewCard("Computers most at risk", "Most missing updates, critical first", container.NewBorder(nil,
		container.NewHBox(p.openButton("Compliance by computer", reports.DashboardAtRiskReport),
			p.openButton("Missing updates", "compliance-missing-updates")),
		nil, nil, container.NewVBox(p.atRiskText, p.atRisk)))
}

// bulletinParts are the software bulletin summary's lines and the reports they open.
var bulletinParts = []struct{ key, report string }{
	{"available", reports.DashboardBulletinsReport},
	{"staged", "bulletins-staged"},
	{"with policies", "bulletins-with-policies"},
	{"new in 30 days", "bulletins-new-30-days"},
}

func (p *complianceParts) bulletinsCard(catalog *widget.Label) fyne.CanvasObject {
	grid := container.NewGridWithColumns(2)
	for _, b := range bulletinParts {
		btn := widget.NewButton(b.key, func() { p.ui.OpenReport(b.report, nil) })
		btn.Alignment = widget.ButtonAlignLeading
		p.bulletins[b.key] = btn
		grid.Add(btn)
	}
	return widget.NewCard("Software bulletins", "", container.NewBorder(nil, container.NewHBox(
		widget.NewButtonWithIcon("Remediation Center", theme.WarningIcon(), func() { p.ui.ShowScreen("Remediation Center") })),
		nil, nil, container.NewVBox(catalog, grid)))
}

func (p *complianceParts) apply(d *reports.Dashboard) {
	if d == nil {
		return
	}
	c := d.Compliance
	chart := d.ComplianceChart()
	if chart != nil {
		chart.Title = "" // the card's subtitle says it
	}
	p.summary.SetChart(chart)
	if pct := d.CompliancePercent(); pct < 0 {
		p.summaryText.SetText("No compliance computed yet (needs inventories and a catalog).")
	} else {
		p.summaryText.SetText(fmt.Sprintf("%.1f %% installed. %d of %d evaluated computers miss nothing.", pct, c.Compliant, c.Computers))
	}
	p.applyHistory(d)
	p.applyAtRisk(d)
	values := map[string]int64{"available": d.Bulletins.Available, "staged": d.Bulletins.Staged,
		"with policies": d.Bulletins.WithPolicies, "new in 30 days": d.Bulletins.New30Days}
	for _, b := range bulletinParts {
		p.bulletins[b.key].SetText(fmt.Sprintf("%s: %d", b.key, values[b.key]))
	}
}

func (p *complianceParts) applyHistory(d *reports.Dashboard) {
	if len(d.History) == 0 {
		p.history.SetChart(nil)
		p.historyText.SetText("No snapshot yet: the compliance-snapshot job writes one point per day.")
		return
	}
	// The card's title says what the line is; the chart's own title would repeat it.
	chart := d.HistoryChart()
	chart.Title = ""
	p.history.SetChart(chart)
	last := d.History[len(d.History)-1]
	p.historyText.SetText(fmt.Sprintf("%d days with a snapshot; on %s %d of %d computers missed nothing.",
		len(d.History), last.Day, last.CompliantComputers, last.Computers))
}

func (p *complianceParts) applyAtRisk(d *reports.Dashboard) {
	p.atRisk.RemoveAll()
	if len(d.AtRisk) == 0 {
		p.atRiskText.SetText("No computer misses an update.")
		if d.Compliance.Computers == 0 {
			p.atRiskText.SetText("No computer has been evaluated yet.")
		}
		p.atRiskText.Show()
		return
	}
	p.atRiskText.Hide()
	for _, a := range d.AtRisk {
		id := strconv.FormatUint(uint64(a.ID), 10)
		b := widget.NewButton(fmt.Sprintf("%s — %d critical, %d missing", a.Name, a.Critical, a.Missing), func() {
			p.ui.OpenReport("compliance-missing-updates", reports.Values{"computer": id})
		})
		b.Alignment = widget.ButtonAlignLeading
		b.Importance = widget.LowImportance
		p.atRisk.Add(b)
	}
}
