package ui

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchdesk/jobs"
	"patchdesk/model"
	"patchdesk/model/settings"
)

// jobsScreen lists the server jobs (schedule, last and next run, Run now, live progress) and
// the run history of the selected job.
type jobsScreen struct {
	ui        *App
	root      fyne.CanvasObject
	list      *fyne.Container
	rows      map[string]*jobRow
	history   *widget.Table
	histTitle *widget.Label

	selected string
	runs     []model.JobRun
}

type jobRow struct {
	schedule *widget.Label
	last     *widget.Label
	next     *widget.Label
	status   *widget.Label
	progress *widget.ProgressBar
	run      *widget.Button
	cancel   *widget.Button
}

// jobsData is what reload reads off the UI thread.
type jobsData struct {
	values settings.Values
	last   map[string]model.JobRun
	runs   []model.JobRun
	now    time.Time
}

func newJobsScreen(ui *App) *jobsScreen {
	s := &jobsScreen{ui: ui, rows: map[string]*jobRow{}, list: container.NewVBox()}
	for _, j := range ui.host.Runner.Jobs() {
		s.list.Add(s.jobCard(j))
		if s.selected == "" {
			s.selected = j.Name
		}
	}
	s.histTitle = widget.NewLabelWithStyle("Run history", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.history = widget.NewTable(
		func() (int, int) { return len(s.runs) + 1, 6 },
		func() fyne.CanvasObject { return widget.NewLabel("2026-11-27 10:00:00") },
		func(id widget.TableCellID, o fyne.CanvasObject) { o.(*widget.Label).SetText(s.historyCell(id)) },
	)
	for col, w := range []float32{170, 90, 110, 90, 260, 480} {
		s.history.SetColumnWidth(col, w)
	}
	refresh := widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), func() { s.ui.background(s.reload) })
	top := container.NewBorder(screenHeader("Jobs", "Server tasks that run on this host on their schedules. Schedules are set on the Settings panes.", refresh), nil, nil, nil)
	histPane := container.NewBorder(s.histTitle, nil, nil, nil, s.history)
	split := container.NewVSplit(container.NewVScroll(s.list), histPane)
	split.Offset = 0.6
	s.root = container.NewBorder(top, nil, nil, nil, split)
	return s
}

func (s *jobsScreen) title() string              { return "Jobs" }
func (s *jobsScreen) icon() fyne.Resource        { return theme.MediaPlayIcon() }
func (s *jobsScreen) content() fyne.CanvasObject { return s.root }

func (s *jobsScreen) jobCard(j jobs.Job) fyne.CanvasObject {
	r := &jobRow{
		schedule: widget.NewLabel(""), last: widget.NewLabel(""), next: widget.NewLabel(""),
		status: widget.NewLabel(""), progress: widget.NewProgressBar(),
	}
	r.progress.Hide()
	name := j.Name
	r.run = widget.NewButtonWithIcon("Run now", theme.MediaPlayIcon(), func() { s.ui.runJob(name) })
	r.run.Importance = widget.HighImportance
	r.cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() { s.ui.host.Runner.Cancel(name) })
	r.cancel.Hide()
	hist := widget.NewButtonWithIcon("History", theme.HistoryIcon(), func() { s.selected = name; s.ui.background(s.reload) })
	s.rows[name] = r
	title := widget.NewLabelWithStyle(j.Title+"  ·  "+j.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	desc := widget.NewLabel(j.Description)
	desc.Wrapping = fyne.TextWrapWord
	desc.SizeName = theme.SizeNameCaptionText
	facts := container.NewGridWithColumns(3, r.schedule, r.last, r.next)
	body := container.NewVBox(title, desc, facts, r.status, r.progress)
	return widget.NewCard("", "", container.NewBorder(nil, nil, nil, container.NewVBox(r.run, r.cancel, hist), body))
}

// reload reads job state off the UI thread and shows it.
func (s *jobsScreen) reload() {
	ctx := context.Background()
	d := jobsData{now: s.ui.host.Now()}
	var err error
	if d.values, err = s.ui.host.Settings.Load(ctx); err == nil {
		if d.last, err = s.ui.host.Store.LastJobRuns(ctx); err == nil {
			d.runs, err = s.ui.host.Store.JobRuns(ctx, s.selected, 100)
		}
	}
	if err != nil {
		s.ui.host.Log.Error("load jobs", "err", err)
		return
	}
	fyne.Do(func() { s.apply(d) })
}

func (s *jobsScreen) apply(d jobsData) {
	for _, j := range s.ui.host.Runner.Jobs() {
		r := s.rows[j.Name]
		spec := jobs.ScheduleOf(j, d.values)
		r.schedule.SetText("Schedule: " + spec.Describe())
		lr, ran := d.last[j.Name]
		if ran {
			r.last.SetText(fmt.Sprintf("Last run: %s, %s", ago(lr.StartedAt, d.now), lr.Outcome))
		} else {
			r.last.SetText("Last run: never")
		}
		if next, ok := s.ui.host.Scheduler.NextRun(j.Name); ok {
			r.next.SetText("Next run: " + next.Local().Format("Mon 02 Jan 15:04") + " (" + until(next, d.now) + ")")
		} else {
			r.next.SetText("Next run: manual only")
		}
		if live, running := s.ui.host.Runner.Live(j.Name); running {
			s.showLive(r, live)
		} else {
			r.progress.Hide()
			r.cancel.Hide()
			r.run.Enable()
			r.status.SetText(statusLine(lr, ran))
		}
	}
	s.runs = d.runs
	s.histTitle.SetText("Run history: " + s.selected)
	s.history.Refresh()
}

func statusLine(lr model.JobRun, ran bool) string {
	if !ran {
		return ""
	}
	if lr.Outcome == model.OutcomeRunning {
		return "Running in another process (" + lr.Host + ") since " + lr.StartedAt.Local().Format(time.TimeOnly)
	}
	return lr.Message
}

func (s *jobsScreen) showLive(r *jobRow, live jobs.Snapshot) {
	r.run.Disable()
	r.cancel.Show()
	r.progress.Show()
	if live.Total > 0 {
		r.progress.Max = float64(live.Total)
		r.progress.SetValue(float64(live.Done))
	} else {
		r.progress.Max = 1
		r.progress.SetValue(0)
	}
	r.status.SetText("Running: " + live.Message)
}

// onEvent follows a running job; it runs on the UI thread.
func (s *jobsScreen) onEvent(e jobs.Event) {
	r, ok := s.rows[e.Job]
	if !ok {
		return
	}
	if e.Finished == nil {
		s.showLive(r, e.Live)
		return
	}
	s.ui.background(s.reload)
}

func (s *jobsScreen) historyCell(id widget.TableCellID) string {
	if id.Row == 0 {
		return []string{"Started", "Trigger", "Outcome", "Took", "Counts", "Message"}[id.Col]
	}
	r := s.runs[id.Row-1]
	switch id.Col {
	case 0:
		return r.StartedAt.Local().Format(time.DateTime)
	case 1:
		return r.Trigger
	case 2:
		return r.Outcome
	case 3:
		if r.EndedAt == nil {
			return "—"
		}
		return r.EndedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
	case 4:
		counts := r.DecodeCounts()
		parts := make([]string, 0, len(counts))
		for _, k := range slices.Sorted(maps.Keys(counts)) {
			parts = append(parts, fmt.Sprintf("%s %d", strings.ReplaceAll(k, "_", " "), counts[k]))
		}
		return strings.Join(parts, ", ")
	}
	return r.Message
}
