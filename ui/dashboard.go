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
)

// dashboardScreen is the home screen: the host's state at a glance. Compliance parts join it
// as agents and the catalog arrive.
type dashboardScreen struct {
	ui   *App
	root fyne.CanvasObject

	host     *widget.Label
	jobs     *widget.Label
	failures *widget.Label
	catalog  *widget.Label
	agents   *widget.Label
}

type dashboardData struct {
	catalog   model.CatalogStats
	computers []model.ComputerView
	last      map[string]model.JobRun
	nextJob   string
	nextRun   time.Time
	failures  []model.JobRun
	now       time.Time
}

func newDashboard(ui *App) *dashboardScreen {
	s := &dashboardScreen{ui: ui,
		host: widget.NewLabel(""), jobs: widget.NewLabel(""), failures: widget.NewLabel(""), catalog: widget.NewLabel(""),
		agents: widget.NewLabel(""),
	}
	for _, l := range []*widget.Label{s.host, s.jobs, s.failures, s.catalog, s.agents} {
		l.Wrapping = fyne.TextWrapWord
	}
	openJobs := widget.NewButtonWithIcon("Jobs", theme.MediaPlayIcon(), func() { ui.ShowScreen("Jobs") })
	openSettings := widget.NewButtonWithIcon("Settings", theme.SettingsIcon(), func() { ui.ShowScreen("Settings") })
	grid := container.NewGridWithColumns(2,
		widget.NewCard("Host", "This desktop is the site's patch server", s.host),
		widget.NewCard("Server jobs", "", container.NewBorder(nil, container.NewHBox(openJobs, openSettings), nil, nil, s.jobs)),
		widget.NewCard("Recent job failures", "Last 7 days", s.failures),
		widget.NewCard("Computers", "", container.NewBorder(nil, container.NewHBox(widget.NewButtonWithIcon("Computers", theme.ComputerIcon(), func() { ui.ShowScreen("Computers") })), nil, nil, s.agents)),
		widget.NewCard("Software bulletins", "", container.NewBorder(nil, container.NewHBox(widget.NewButtonWithIcon("Remediation Center", theme.WarningIcon(), func() { ui.ShowScreen("Remediation Center") })), nil, nil, s.catalog)),
	)
	s.root = container.NewBorder(screenHeader("Dashboard", "Windows compliance and the state of this host."), nil, nil, nil, container.NewVScroll(grid))
	return s
}

func emptyNote(text string) fyne.CanvasObject {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func (s *dashboardScreen) title() string              { return "Dashboard" }
func (s *dashboardScreen) icon() fyne.Resource        { return theme.HomeIcon() }
func (s *dashboardScreen) content() fyne.CanvasObject { return s.root }

func (s *dashboardScreen) reload() {
	ctx := context.Background()
	h := s.ui.host
	d := dashboardData{now: s.ui.host.Now()}
	var err error
	if d.last, err = h.Store.LastJobRuns(ctx); err == nil {
		if d.catalog, err = h.Store.CatalogCounts(ctx); err == nil {
			d.computers, err = h.Store.Computers(ctx, model.ComputerQuery{})
		}
	}
	var recent []model.JobRun
	if err == nil {
		recent, err = h.Store.JobRuns(ctx, "", 200)
	}
	if err != nil {
		h.Log.Error("load dashboard", "err", err)
		return
	}
	for _, r := range recent {
		if r.Outcome == model.OutcomeFailed && d.now.Sub(r.StartedAt) < 7*24*time.Hour {
			d.failures = append(d.failures, r)
		}
	}
	for _, j := range h.Runner.Jobs() {
		if t, ok := h.Scheduler.NextRun(j.Name); ok && (d.nextRun.IsZero() || t.Before(d.nextRun)) {
			d.nextJob, d.nextRun = j.Name, t
		}
	}
	fyne.Do(func() { s.apply(d) })
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
	s.host.SetText(fmt.Sprintf("PatchDesk %s\nData dir: %s\nDatabase: %s (SQLite)\nAgent listener: %s", h.Version, h.DataDir, h.Store.Path, listener))
	online, revoked := 0, 0
	for _, c := range d.computers {
		switch computerState(c.Computer, d.now) {
		case "online":
			online++
		case "revoked":
			revoked++
		}
	}
	if len(d.computers) == 0 {
		s.agents.SetText("No computers have enrolled yet. Add computers creates the token and the command to run on each PC.")
	} else {
		s.agents.SetText(fmt.Sprintf("%d computers enrolled: %d online, %d offline, %d revoked.", len(d.computers), online, len(d.computers)-online-revoked, revoked))
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
}
