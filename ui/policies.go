package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchdesk/model"
)

// policiesScreen lists the software update policies with their on/off state, bulletins,
// updates and targets, and edits them: everything the wizard set, updates on or off, delete.
type policiesScreen struct {
	ui                      *App
	root                    *fyne.Container
	list, empty             fyne.CanvasObject
	table                   *widget.Table
	count                   *widget.Label
	rows                    []model.PolicyView
	selected                int
	edit, on, off, upd, del *widget.Button
	generation              int
}

type policyColumn struct {
	title string
	width float32
	value func(model.PolicyView) string
}

var policyColumns = []policyColumn{
	{"On", 50, func(p model.PolicyView) string { return policyOnOff(p.Enabled) }},
	{"Policy", 200, func(p model.PolicyView) string { return p.Name }},
	{"Bulletins", 200, func(p model.PolicyView) string { return strings.Join(p.Bulletins, ", ") }},
	{"Updates", 80, func(p model.PolicyView) string { return fmt.Sprintf("%d of %d", p.UpdatesEnabled, len(p.Updates)) }},
	{"Packages", 80, func(p model.PolicyView) string { return packagesText(p) }},
	{"Targets", 180, func(p model.PolicyView) string { return strings.Join(p.Targets, ", ") }},
	{"Run", 140, func(p model.PolicyView) string { return model.RunText(p.Run, p.Schedule) }},
	{"Computers", 90, func(p model.PolicyView) string { return fmt.Sprint(p.Reached) }},
	{"Installed", 80, func(p model.PolicyView) string { return fmt.Sprint(p.Installed) }},
	{"Failed", 70, func(p model.PolicyView) string { return fmt.Sprint(p.Failed) }},
	{"Changed", 130, func(p model.PolicyView) string { return p.UpdatedAt.Local().Format("2006-01-02 15:04") }},
}

// packagesText says how many enabled updates have their package stored.
func packagesText(p model.PolicyView) string {
	have, want := 0, 0
	for _, u := range p.Updates {
		if u.Enabled {
			want++
			if u.PackageState == model.PackageDownloaded {
				have++
			}
		}
	}
	return fmt.Sprintf("%d of %d", have, want)
}

func newPoliciesScreen(ui *App) *policiesScreen {
	s := &policiesScreen{ui: ui, selected: -1, count: widget.NewLabel("")}
	s.table = widget.NewTable(
		func() (int, int) { return len(s.rows), len(policyColumns) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			if id.Row >= len(s.rows) {
				return
			}
			p := s.rows[id.Row]
			l.TextStyle = fyne.TextStyle{Bold: id.Col == 1, Italic: !p.Enabled}
			l.SetText(policyColumns[id.Col].value(p))
		},
	)
	s.table.ShowHeaderRow = true
	s.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		o.(*widget.Label).SetText(policyColumns[id.Col].title)
	}
	for i, c := range policyColumns {
		s.table.SetColumnWidth(i, c.width)
	}
	s.table.OnSelected = func(id widget.TableCellID) { s.selected = id.Row; s.enableActions() }
	s.edit = widget.NewButtonWithIcon("Edit…", theme.DocumentCreateIcon(), s.editPolicy)
	s.on = widget.NewButtonWithIcon("Turn on", theme.MediaPlayIcon(), func() { s.setEnabled(true) })
	s.off = widget.NewButtonWithIcon("Turn off", theme.MediaPauseIcon(), func() { s.setEnabled(false) })
	s.upd = widget.NewButtonWithIcon("Updates…", theme.ListIcon(), s.editUpdates)
	s.del = widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), s.deletePolicy)
	s.enableActions()
	s.count.TextStyle = fyne.TextStyle{Bold: true}
	toolbar := container.NewHBox(s.edit, s.on, s.off, s.upd, s.del)
	note := widget.NewLabel("New policies come from Distribute Packages in the Remediation Center. Computers: the targets' members. Installed, Failed: updates by their latest delivery.")
	note.Truncation = fyne.TextTruncateEllipsis
	note.SizeName = theme.SizeNameCaptionText
	s.list = container.NewBorder(toolbar, container.NewBorder(nil, nil, s.count, nil, note), nil, nil, s.table)
	s.empty = emptyState(theme.ListIcon(), "No policies yet",
		"A policy is created by distributing bulletins from the Remediation Center: choose bulletins, then Distribute Packages opens the Distribute Software Updates wizard.",
		widget.NewButtonWithIcon("Open the Remediation Center", theme.WarningIcon(), func() { ui.ShowScreen("Remediation Center") }))
	windowsButton := widget.NewButtonWithIcon("Maintenance windows", theme.HistoryIcon(), s.showWindows)
	s.root = container.NewBorder(
		screenHeader("Policies", "Software update policies: which updates go to which computers, and when.", windowsButton), nil, nil, nil, s.empty)
	return s
}

// showWindows opens the maintenance windows over the screen.
func (s *policiesScreen) showWindows() {
	v := newWindowsView(s.ui)
	d := dialog.NewCustom("Maintenance windows", "Close", v.root, s.ui.win)
	d.Resize(fyne.NewSize(1000, 540))
	d.Show()
	s.ui.background(v.reload)
}

func (s *policiesScreen) title() string              { return "Policies" }
func (s *policiesScreen) icon() fyne.Resource        { return theme.ListIcon() }
func (s *policiesScreen) content() fyne.CanvasObject { return s.root }

// reload reads the policies off the UI thread.
func (s *policiesScreen) reload() {
	var gen int
	fyne.DoAndWait(func() { s.generation++; gen = s.generation })
	rows, err := s.ui.host.Store.Policies(context.Background())
	if err != nil {
		s.ui.host.Log.Error("load policies", "err", err)
		return
	}
	fyne.Do(func() {
		if gen != s.generation {
			return
		}
		s.rows = rows
		want := s.list
		if len(rows) == 0 {
			want = s.empty
		}
		if s.root.Objects[0] != want {
			s.root.Objects[0] = want
			s.root.Refresh()
		}
		if s.selected >= len(rows) {
			s.selected = -1
			s.table.UnselectAll()
		}
		on := 0
		for _, p := range rows {
			if p.Enabled {
				on++
			}
		}
		s.count.SetText(fmt.Sprintf("%d policies, %d on", len(rows), on))
		s.list.Refresh() // the count's width changed: lay the bar out again
		s.table.Refresh()
		s.enableActions()
	})
}

func (s *policiesScreen) current() (model.PolicyView, bool) {
	if s.selected < 0 || s.selected >= len(s.rows) {
		return model.PolicyView{}, false
	}
	return s.rows[s.selected], true
}

func (s *policiesScreen) enableActions() {
	p, ok := s.current()
	enableAll(ok, s.edit, s.upd, s.del, s.on, s.off)
	if ok && p.Enabled {
		s.on.Disable()
	} else if ok {
		s.off.Disable()
	}
}

func (s *policiesScreen) change(op func(ctx context.Context, p model.PolicyView) error) {
	p, ok := s.current()
	if !ok {
		return
	}
	if err := op(context.Background(), p); err != nil {
		showError(s.ui.win, err)
		return
	}
	s.ui.background(s.reload)
}

func (s *policiesScreen) setEnabled(on bool) {
	s.change(func(ctx context.Context, p model.PolicyView) error {
		return s.ui.host.Store.SetPolicyEnabled(ctx, s.ui.host.Actor, p.ID, on)
	})
}

func (s *policiesScreen) deletePolicy() {
	p, ok := s.current()
	if !ok {
		return
	}
	dialog.ShowConfirm("Delete policy", fmt.Sprintf("Delete %q? Computers stop receiving its updates; its packages are purged once no other policy uses them.", p.Name),
		func(yes bool) {
			if yes {
				s.remove()
			}
		}, s.ui.win)
}

func (s *policiesScreen) remove() {
	s.change(func(ctx context.Context, p model.PolicyView) error {
		return s.ui.host.Store.DeletePolicy(ctx, s.ui.host.Actor, p.ID)
	})
}

// editPolicy opens the wizard on the policy.
func (s *policiesScreen) editPolicy() {
	if p, ok := s.current(); ok {
		s.openEditor(p)
	}
}

func (s *policiesScreen) openEditor(p model.PolicyView) *distributeWizard {
	w, err := newDistributeWizard(context.Background(), s.ui, p.ID, p.Input(), func(model.PolicyView) { s.ui.background(s.reload) })
	if err != nil {
		showError(s.ui.win, err)
		return nil
	}
	w.show()
	return w
}

// editUpdates turns single updates of the policy on or off.
func (s *policiesScreen) editUpdates() {
	p, ok := s.current()
	if !ok {
		return
	}
	checks := map[string]*widget.Check{}
	box := container.NewVBox()
	for _, u := range p.Updates {
		label := u.Name
		if u.Superseded {
			label += " (superseded)"
		}
		if !u.InCatalog {
			label += " (no longer in the catalog)"
		}
		c := widget.NewCheck(label, nil)
		c.SetChecked(u.Enabled)
		checks[u.ID] = c
		pkg := u.Package
		if pkg == "" {
			pkg = "package " + orNot(u.PackageState)
		}
		box.Add(container.NewVBox(c, caption(u.Bulletin+" · "+pkg+" · "+u.CommandLine)))
	}
	d := dialog.NewCustomConfirm("Updates of "+p.Name, "Save", "Cancel", container.NewVScroll(box), func(save bool) {
		if !save {
			return
		}
		states := map[string]bool{}
		for _, u := range p.Updates {
			if on := checks[u.ID].Checked; on != u.Enabled {
				states[u.ID] = on
			}
		}
		if len(states) == 0 {
			return
		}
		s.change(func(ctx context.Context, p model.PolicyView) error {
			return s.ui.host.Store.SetPolicyUpdates(ctx, s.ui.host.Actor, p.ID, states)
		})
	}, s.ui.win)
	d.Resize(fyne.NewSize(800, 500))
	d.Show()
}

func orNot(state string) string {
	if state == "" {
		return "not downloaded"
	}
	return state
}
