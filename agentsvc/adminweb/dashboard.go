package adminweb

import (
	"fmt"

	"patchdesk/model/reports"
	"patchdesk/model/reports/export"
)

// complianceCards puts the console dashboard's compliance parts before the other cards (the
// bulletin summary among them gets staged and with-policies counts from the same figures): the
// same reports.LoadDashboard figures and chart specs, drawn by ECharts from the host's own
// script. Software update delivery by execution joins when delivery events are queryable.
func (h *Handler) complianceCards(d *reports.Dashboard, v *dashboardView) error {
	c := d.Compliance
	summary := card{Title: "Compliance summary", Report: reports.DashboardComplianceReport,
		Facts: []reports.Fact{
			{Label: "Installed / not installed / unknown", Value: fmt.Sprintf("%d / %d / %d", c.Installed, c.NotInstalled, c.Unknown)},
			{Label: "Computers missing nothing", Value: fmt.Sprintf("%d of %d evaluated", c.Compliant, c.Computers)}}}
	if pct := d.CompliancePercent(); pct >= 0 {
		summary.Facts = append(summary.Facts, reports.Fact{Label: "Compliance", Value: fmt.Sprintf("%.1f %%", pct)})
	} else {
		summary.Note = "No compliance computed yet: it needs agents' inventories and a catalog."
	}
	history := card{Title: "Compliance over time", Report: reports.DashboardHistoryReport,
		Facts: []reports.Fact{{Label: "Days with a snapshot", Value: fmt.Sprint(len(d.History))}}}
	if len(d.History) == 0 {
		history.Note = "No snapshot yet: the compliance-snapshot job writes one point per day."
	}
	risk := card{Title: "Computers most at risk", Report: reports.DashboardAtRiskReport}
	for _, a := range d.AtRisk {
		risk.Facts = append(risk.Facts, reports.Fact{Label: a.Name, Value: fmt.Sprintf("%d critical, %d missing", a.Critical, a.Missing)})
	}
	if len(d.AtRisk) == 0 {
		risk.Note = "No computer misses an update."
	}
	for _, x := range []struct {
		c     *card
		chart *reports.Chart
	}{{&summary, d.ComplianceChart()}, {&history, d.HistoryChart()}} {
		if x.chart == nil {
			continue
		}
		option, err := export.ChartOption(&reports.Result{Title: x.c.Title, Chart: x.chart})
		if err != nil {
			return fmt.Errorf("dashboard chart %s: %w", x.c.Title, err)
		}
		x.c.ChartID = fmt.Sprintf("chart-c%d", len(v.Charts))
		v.addChart(x.c.ChartID, option)
	}
	v.Cards = append([]card{summary, history, risk}, v.Cards...)
	return nil
}
