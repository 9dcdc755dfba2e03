package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchdesk/model"
)

// severityEditor is Core Services' Custom Severity tab: add, rename, remove and order the
// administrator's own levels. Each action is saved at once, like the command line's.
type severityEditor struct {
	ui       *App
	root     fyne.CanvasObject
	list     *widget.List
	levels   []model.SeverityLevel
	selected int
	name     *widget.Entry
	buttons  []*widget.Button
}

func newSeverityEditor(ui *App) *severityEditor {
	e := &severityEditor{ui: ui, selected: -1, name: widget.NewEntry()}
	e.name.SetPlaceHolder("New level, e.g. Install right away!")
	e.list = widget.NewList(
		func() int { return len(e.levels) },
		func() fyne.CanvasObject { return widget.NewLabel("Install right away!") },
		func(id widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(e.levels[id].Name) },
	)
	e.list.OnSelected = func(id widget.ListItemID) {
		e.selected = id
		e.name.SetText(e.levels[id].Name)
		e.enableButtons()
	}
	add := widget.NewButtonWithIcon("Add", theme.ContentAddIcon(), func() {
		e.do(func(ctx context.Context, s *model.Store) error {
			_, err := s.AddSeverityLevel(ctx, ui.host.Actor, e.name.Text)
			return err
		})
	})
	rename := widget.NewButtonWithIcon("Rename", theme.DocumentCreateIcon(), func() {
		id := e.levels[e.selected].ID
		e.do(func(ctx context.Context, s *model.Store) error {
			return s.RenameSeverityLevel(ctx, ui.host.Actor, id, e.name.Text)
		})
	})
	remove := widget.NewButtonWithIcon("Remove", theme.DeleteIcon(), func() {
		l := e.levels[e.selected]
		dialog.ShowConfirm("Remove severity level", "Remove the custom severity level \""+l.Name+"\"? Bulletins that carry it lose it.", func(ok bool) {
			if ok {
				e.do(func(ctx context.Context, s *model.Store) error {
					return s.RemoveSeverityLevel(ctx, ui.host.Actor, l.ID)
				})
			}
		}, ui.win)
	})
	up := widget.NewButtonWithIcon("Move up", theme.MoveUpIcon(), func() { e.move(-1) })
	down := widget.NewButtonWithIcon("Move down", theme.MoveDownIcon(), func() { e.move(1) })
	e.buttons = []*widget.Button{rename, remove, up, down}
	vendor := widget.NewLabel("Vendor severities (Critical, Important, Moderate, Low) cannot be changed.")
	vendor.Wrapping = fyne.TextWrapWord
	listBox := container.NewGridWrap(fyne.NewSize(360, 160), e.list)
	e.root = container.NewVBox(
		vendor,
		container.NewBorder(nil, nil, nil, add, e.name),
		container.NewHBox(listBox, container.NewVBox(rename, remove, up, down)),
	)
	e.enableButtons()
	return e
}

func (e *severityEditor) enableButtons() {
	enableAll(e.selected >= 0 && e.selected < len(e.levels), e.buttons...)
}

func (e *severityEditor) move(delta int) {
	id := e.levels[e.selected].ID
	e.selected += delta
	e.do(func(ctx context.Context, s *model.Store) error {
		return s.MoveSeverityLevel(ctx, e.ui.host.Actor, id, delta)
	})
}

// do runs one store operation and shows the list again, or the error.
func (e *severityEditor) do(op func(context.Context, *model.Store) error) {
	if err := op(context.Background(), e.ui.host.Store); err != nil {
		showError(e.ui.win, err)
		return
	}
	e.reload()
}

func (e *severityEditor) reload() {
	levels, err := e.ui.host.Store.SeverityLevels(context.Background())
	if err != nil {
		e.ui.host.Log.Error("load severity levels", "err", err)
		return
	}
	fyne.Do(func() {
		e.levels = levels
		e.list.Refresh()
		if e.selected >= len(levels) {
			e.selected = len(levels) - 1
		}
		if e.selected >= 0 {
			e.list.Select(e.selected)
		}
		e.enableButtons()
	})
}
