package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchdesk/model/settings"
)

// settingsScreen shows one pane per page of the guide's settings: Core Services, Windows Patch
// Remediation Settings, the Default Software Update Plug-in Policy, System Assessment Scan,
// Import Patch Data, the Listener and the Host. Each pane saves as a whole: a bad value saves
// nothing.
type settingsScreen struct {
	ui     *App
	root   fyne.CanvasObject
	panes  *widget.List
	body   *fyne.Container
	pane   settings.Pane
	fields []*field
	status *widget.Label
	save   *widget.Button
	revert *widget.Button
	values settings.Values
	// severities is the Core Services custom severity editor.
	severities *severityEditor
}

func newSettingsScreen(ui *App) *settingsScreen {
	s := &settingsScreen{ui: ui, body: container.NewStack(), status: widget.NewLabel("")}
	s.severities = newSeverityEditor(ui)
	s.panes = widget.NewList(
		func() int { return len(settings.Panes) },
		func() fyne.CanvasObject { return widget.NewLabel("Default Software Update Plug-in Policy") },
		func(id widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(settings.Panes[id].Title) },
	)
	s.panes.OnSelected = func(id widget.ListItemID) { s.showPane(settings.Panes[id]) }
	s.save = widget.NewButtonWithIcon("Save changes", theme.DocumentSaveIcon(), func() { s.saveChanges() })
	s.save.Importance = widget.HighImportance
	s.revert = widget.NewButtonWithIcon("Revert", theme.ContentUndoIcon(), func() { s.fill() })
	bar := container.NewBorder(nil, nil, nil, container.NewHBox(s.revert, s.save), s.status)
	split := container.NewHSplit(s.panes, container.NewBorder(nil, bar, nil, nil, s.body))
	split.Offset = 0.25
	s.root = container.NewBorder(screenHeader("Settings", "Stored in this host's database; the command line's `patchdesk settings` sees the same values."), nil, nil, nil, split)
	s.panes.Select(0)
	return s
}

func (s *settingsScreen) title() string              { return "Settings" }
func (s *settingsScreen) icon() fyne.Resource        { return theme.SettingsIcon() }
func (s *settingsScreen) content() fyne.CanvasObject { return s.root }

// showPane builds the selected pane's form; values come from the database.
func (s *settingsScreen) showPane(p settings.Pane) {
	s.pane = p
	s.fields = nil
	sections := map[string]*fyne.Container{}
	var order []string
	for _, d := range settings.InPane(p.ID) {
		box, ok := sections[d.Section]
		if !ok {
			box = container.NewVBox()
			sections[d.Section] = box
			order = append(order, d.Section)
		}
		if d.Key == settings.KeyCustomSeverities {
			box.Add(s.severities.root)
			continue
		}
		f := newField(d, s.ui.win)
		f.changed = s.onEdit
		s.fields = append(s.fields, f)
		box.Add(f.row())
		if d.Key == settings.KeyImportSoftware {
			box.Add(s.updateListButton())
		}
	}
	desc := widget.NewLabel(p.Description)
	desc.Wrapping = fyne.TextWrapWord
	title := widget.NewLabelWithStyle(p.Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	content := container.NewVBox(title, desc)
	for _, name := range order {
		heading := widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		heading.SizeName = theme.SizeNameSubHeadingText
		content.Add(container.NewVBox(heading, widget.NewSeparator(), sections[name]))
	}
	s.body.Objects = []fyne.CanvasObject{container.NewVScroll(content)}
	s.body.Refresh()
	s.ui.background(s.reload)
}

// reload reads the stored values off the UI thread.
func (s *settingsScreen) reload() {
	v, err := s.ui.host.Settings.Load(context.Background())
	if err != nil {
		s.ui.host.Log.Error("load settings", "err", err)
		return
	}
	fyne.Do(func() {
		s.values = v
		s.fill()
	})
	s.severities.reload()
}

// fill shows the stored values, dropping unsaved edits.
func (s *settingsScreen) fill() {
	if s.values.Env().DataDir == "" {
		return // not loaded yet
	}
	for _, f := range s.fields {
		f.set(s.values.Raw(f.def.Key))
	}
	s.onEdit()
	s.status.SetText("")
}

// edits returns the fields whose text differs from the stored value.
func (s *settingsScreen) edits() map[string]string {
	changes := map[string]string{}
	for _, f := range s.fields {
		raw := f.get()
		canon, err := settings.Normalize(f.def, raw)
		if err != nil || canon != s.values.Raw(f.def.Key) {
			changes[f.def.Key] = raw
		}
	}
	return changes
}

func (s *settingsScreen) onEdit() {
	n := len(s.edits())
	if n == 0 {
		s.save.Disable()
		s.revert.Disable()
	} else {
		s.save.Enable()
		s.revert.Enable()
		s.status.SetText(fmt.Sprintf("%d unsaved change(s)", n))
	}
	// A setting that only matters while a switch is on is greyed out while it is off.
	current := map[string]string{}
	for _, f := range s.fields {
		current[f.def.Key] = f.get()
	}
	for _, f := range s.fields {
		if f.def.EnabledBy != "" {
			f.enable(current[f.def.EnabledBy] == "true")
		}
	}
}

// saveChanges stores the pane's edits in one transaction and reschedules jobs at once.
func (s *settingsScreen) saveChanges() {
	changes := s.edits()
	if len(changes) == 0 {
		return
	}
	ctx := context.Background()
	h := s.ui.host
	changed, err := h.Settings.Save(ctx, h.Actor, changes)
	if err != nil {
		showError(s.ui.win, err)
		return
	}
	v, err := h.Settings.Load(ctx)
	if err != nil {
		showError(s.ui.win, err)
		return
	}
	if err := h.Scheduler.Apply(v); err != nil {
		showError(s.ui.win, fmt.Errorf("saved, but rescheduling jobs failed: %w", err))
	}
	s.values = v
	s.fill()
	s.status.SetText(fmt.Sprintf("Saved %d change(s).", len(changed)))
	s.ui.background(s.ui.jobs.reload)
}
