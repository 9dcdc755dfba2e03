package ui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchdesk/model"
	"patchdesk/model/reports"
)

// dashboardScreen is the home screen: the guide's Windows Compliance page (Table 8-1)
// reworked: the host's state in place of license status, the compliance summary, the
// computers most at risk, the software bulletin summary and compliance over time. Every part
// opens its report; the compliance parts are in dashboard_parts.go.
type dashboardScreen struct {
	ui   *App
	root fyne.CanvasObject

	host     *widget.Label
	jobs     *widget.Label
	failures *widget.Label
	catalog  *widget.Label
	agents   *widget.Label
	delivery *widget.Label
	parts    *complianceParts
}

type dashboardData struct {
	catalog  model.CatalogStats
	agents   reports.AgentCounts
	last     map[string]model.JobRun
	nextJob  string
	nextRun  time.Time
	failures []model.JobRun
	now      time.Time
	board    *reports.Dashboard
}

func newDashboard(ui *App) *dashboardScreen {
	s := &dashboardScreen{ui: ui,
		host: widget.NewLabel(""), jobs: widget.NewLabel(""), failures: widget.NewLabel(""), catalog: widget.NewLabel(""),
		agents: widget.NewLabel(""), delivery: widget.NewLabel(""),
	}
	for _, l := range []*widget.Label{s.host, s.jobs, s.failures, s.catalog, s.agents, s.delivery} {
		l.Wrapping = fyne.TextWrapWord
	}
	s.parts = newComplianceParts(ui)
	openJobs := widget.NewButtonWithIcon("Jobs", theme.MediaPlayIcon(), func() { ui.ShowScreen("Jobs") })
	openSettings := widget.NewButtonWithIcon("Settings", theme.SettingsIcon(), func() { ui.ShowScreen("Settings") })
	grid := container.NewGridWithColumns(2,
		s.parts.summaryCard(),
		s.parts.historyCard(),
		s.parts.atRiskCard(),
		s.parts.bulletinsCard(s.catalog),
		widget.NewCard("Host", "This desktop is the site's patch server", s.host),
		widget.NewCard("Server jobs", "", container.NewBorder(nil, container.NewHBox(openJobs, openSettings), nil, nil, s.jobs)),
		widget.NewCard("Computers", "", container.NewBorder(nil, container.NewHBox(
			widget.NewButtonWithIcon("Computers", theme.ComputerIcon(), func() { ui.ShowScreen("Computers") }),
			widget.NewButtonWithIcon("Agent status", theme.DocumentIcon(), func() { ui.OpenReport("diagnostics-agent-status", nil) })),
			nil, nil, s.agents)),
		widget.NewCard("Software update delivery", "Last 30 days, by execution", container.NewBorder(nil, container.NewHBox(
			widget.NewButtonWithIcon("Delivery summary", theme.DocumentIcon(), func() { ui.OpenReport("delivery-summary", nil) }),
			widget.NewButtonWithIcon("Policy status", theme.DocumentIcon(), func() { ui.OpenReport("policy-status-by-computer", nil) })),
			nil, nil, s.delivery)),
		widget.NewCard("Recent job failures", "Last 7 days", s.failures),
	)
	s.root = container.NewBorder(screenHeader("Dashboard", "Windows compliance and the state of this host."), nil, nil, nil, container.NewVScroll(grid))
	return s
}

// live marks the screen for the console's periodic refresh.
func (s *dashboardScreen) live() {}

func (s *dashboardScreen) title() string              { return "Dashboard" }
func (s *dashboardScreen) icon() fyne.Resource        { return theme.HomeIcon() }
func (s *dashboardScreen) content() fyne.CanvasObject { return s.root }

// reload reads every part off the UI thread (the App runs it in the background) with a few
// queries over summary tables: about 75 ms at 20,000 computers (docs/benchmarks.md).
func (s *dashboardScreen) reload() {
	ctx := context.Background()
	h := s.ui.host
	d, err := loadDashboardData(ctx, h.Store, h.Now())
	if err != nil {
		h.Log.Error("load dashboard", "err", err)
		return
	}
	for _, j := range h.Runner.Jobs() {
		if t, ok := h.Scheduler.NextRun(j.Name); ok && (d.nextRun.IsZero() || t.Before(d.nextRun)) {
			d.nextJob, d.nextRun = j.Name, t
		}
	}
	fyne.Do(func() { s.apply(d) })
}

// loadDashboardData is the dashboard's whole read, apart so that it can be timed.
func loadDashboardData(ctx context.Context, store *model.Store, now time.Time) (dashboardData, error) {
	d := dashboardData{now: now}
	var err error
	if d.last, err = store.LastJobRuns(ctx); err != nil {
		return d, err
	}
	if d.catalog, err = store.CatalogCounts(ctx); err != nil {
		return d, err
	}
	if d.agents, err = reports.CountAgents(ctx, store, now.Add(-offlineAfter)); err != nil {
		return d, err
	}
	if d.board, err = reports.LoadDashboard(ctx, store, now); err != nil {
		return d, err
	}
	recent, err := store.JobRuns(ctx, "", 200)
	if err != nil {
		return d, err
	}
	for _, r := range recent {
		if r.Outcome == model.OutcomeFailed && now.Sub(r.StartedAt) < 7*24*time.Hour {
			d.failures = append(d.failures, r)
		}
	}
	return d, nil
}

func (s *dashboardScreen) apply(d dashboardData) {
	h := s.ui.host
	listener := "not running"
	switch {
	case h.Listener != nil:
		listener = fmt.Sprintf("https://%s (CA %s…)", h.Listener.Addr(), h.Listener.CAFingerprint()[:16])
	case h.ListenerErr != nil:
		listener = "not running: " + h.ListenerErr.Error()
	}
	if dl := d.board.Delivery; dl.Succeeded+dl.Failed+dl.NotCompleted == 0 {
		s.delivery.SetText("No agent has reported installing an update in the last 30 days.")
	} else {
		s.delivery.SetText(fmt.Sprintf("Latest execution of each update on each computer:\n%d succeeded, %d failed, %d not completed.",
			dl.Succeeded, dl.Failed, dl.NotCompleted))
	}
	s.host.SetText(fmt.Sprintf("PatchDesk %s\nData dir: %s\nDatabase: %s (SQLite)\nAgent listener: %s", h.Version, h.DataDir, h.Store.Path, listener))
	a := d.agents
	if a.Enrolled == 0 {
		s.agents.SetText("No computers have enrolled yet. Add computers creates the token and the command to run on each PC.")
	} else {
		s.agents.SetText(fmt.Sprintf("%d computers enrolled: %d online, %d offline, %d revoked.", a.Enrolled, a.Online, a.Enrolled-a.Online-a.Revoked, a.Revoked))
	}
	jobsText := fmt.Sprintf("Jobs registered: %d.", len(h.Runner.Jobs()))
	if d.nextJob != "" {
		jobsText += fmt.Sprintf("\nNext: %s at %s (%s).", d.nextJob, d.nextRun.Local().Format("Mon 15:04"), until(d.nextRun, d.now))
	} else {
		jobsText += "\nNo job is scheduled."
	}
	s.jobs.SetText(jobsText)
	if d.catalog.Bulletins == 0 {
		s.catalog.SetText("No catalog has been imported into this data dir yet.")
	} else {
		text := fmt.Sprintf("%d bulletins with %d updates from %d vendors.", d.catalog.Bulletins, d.catalog.Updates, d.catalog.Vendors)
		if imp, ok := d.last["import-catalog"]; ok {
			text += fmt.Sprintf("\nLast import: %s, %s.", ago(imp.StartedAt, d.now), imp.Outcome)
		}
		s.catalog.SetText(text)
	}
	if len(d.failures) == 0 {
		s.failures.SetText("No job failed.")
	} else {
		text := ""
		for i, f := range d.failures {
			if i == 5 {
				text += fmt.Sprintf("… and %d more", len(d.failures)-5)
				break
			}
			text += fmt.Sprintf("%s, %s: %s\n", f.Job, ago(f.StartedAt, d.now), f.Message)
		}
		s.failures.SetText(text)
	}
	s.parts.apply(d.board)
}
