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
	"patchdesk/model/windows"
)

// windowsView manages maintenance windows: when agents may install updates and restart,
// per target. It opens from the Policies screen.
type windowsView struct {
	ui       *App
	root     fyne.CanvasObject
	table    *widget.Table
	rows     []model.MaintenanceWindow
	targets  []string
	selected int
	actions  []*widget.Button
}

func newWindowsView(ui *App) *windowsView {
	v := &windowsView{ui: ui, selected: -1}
	cols := []column[model.MaintenanceWindow]{
		{"On", 45, func(w model.MaintenanceWindow) string { return policyOnOff(w.Enabled) }},
		{"Window", 200, func(w model.MaintenanceWindow) string { return w.Name }},
		{"When", 360, func(w model.MaintenanceWindow) string { return w.Describe }},
		{"Targets", 330, func(w model.MaintenanceWindow) string { return strings.Join(w.Targets, ", ") }},
	}
	v.table = rowsTable(func() []model.MaintenanceWindow { return v.rows }, cols)
	v.table.OnSelected = func(id widget.TableCellID) {
		v.selected = id.Row
		v.enable()
	}
	add := widget.NewButtonWithIcon("Add window", theme.ContentAddIcon(), v.add)
	assign := widget.NewButtonWithIcon("Apply to target", theme.ContentAddIcon(), func() { v.pickTarget(true) })
	unassign := widget.NewButtonWithIcon("Remove from target", theme.ContentRemoveIcon(), func() { v.pickTarget(false) })
	toggle := widget.NewButtonWithIcon("Turn on/off", theme.MediaPauseIcon(), func() {
		v.do(func(ctx context.Context, w model.MaintenanceWindow) error {
			_, err := v.ui.host.Store.UpdateWindow(ctx, v.ui.host.Actor, w.Name, w.Spec, w.Description, !w.Enabled)
			return err
		})
	})
	remove := widget.NewButtonWithIcon("Remove", theme.DeleteIcon(), func() {
		v.do(func(ctx context.Context, w model.MaintenanceWindow) error {
			return v.ui.host.Store.RemoveWindow(ctx, v.ui.host.Actor, w.Name)
		})
	})
	v.actions = []*widget.Button{assign, unassign, toggle, remove}
	note := widget.NewLabel("While a computer's targets have windows, its agent installs when a window opens (the installation schedule is ignored) and restarts only inside one, unless the policy or the plug-in policy overrides maintenance windows. Times are each computer's local time.")
	note.Wrapping = fyne.TextWrapWord
	note.SizeName = theme.SizeNameCaptionText
	v.root = container.NewBorder(container.NewHBox(add, assign, unassign, toggle, remove), note, nil, nil, v.table)
	v.enable()
	return v
}

func (v *windowsView) enable() {
	enableAll(v.selected >= 0 && v.selected < len(v.rows), v.actions...)
}

// reload reads the windows and the targets they can be applied to; it runs off the UI thread.
func (v *windowsView) reload() {
	ctx := context.Background()
	ws, err := v.ui.host.Store.Windows(ctx)
	if err != nil {
		v.ui.host.Log.Error("load maintenance windows", "err", err)
		return
	}
	ts, err := v.ui.host.Store.Targets(ctx)
	if err != nil {
		v.ui.host.Log.Error("load targets", "err", err)
		return
	}
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	fyne.Do(func() {
		v.rows, v.targets = ws, names
		if v.selected >= len(ws) {
			v.selected = -1
		}
		v.table.Refresh()
		v.enable()
	})
}

// do applies a change to the selected window and reloads.
func (v *windowsView) do(op func(ctx context.Context, w model.MaintenanceWindow) error) {
	if v.selected < 0 || v.selected >= len(v.rows) {
		return
	}
	if err := op(context.Background(), v.rows[v.selected]); err != nil {
		showError(v.ui.win, err)
		return
	}
	v.ui.background(v.reload)
}

func (v *windowsView) pickTarget(assign bool) {
	sel := widget.NewSelect(v.targets, nil)
	title := "Apply window to target"
	if !assign {
		title = "Remove window from target"
	}
	dialog.ShowCustomConfirm(title, "OK", "Cancel", sel, func(ok bool) {
		if !ok || sel.Selected == "" {
			return
		}
		v.do(func(ctx context.Context, w model.MaintenanceWindow) error {
			return v.ui.host.Store.AssignWindow(ctx, v.ui.host.Actor, w.Name, sel.Selected, assign)
		})
	}, v.ui.win)
}

// add asks for a window's name and time text, showing the text in words as it is typed.
func (v *windowsView) add() {
	name, when, desc := widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	when.SetPlaceHolder("daily 01:00-03:00 · sat 22:00-04:00 · 2nd tue +3 01:00-05:00")
	words := widget.NewLabel("")
	words.TextStyle = fyne.TextStyle{Italic: true}
	when.Validator = func(s string) error {
		sp, err := windows.Parse(s)
		if err != nil {
			words.SetText("")
			return err
		}
		words.SetText(sp.Describe())
		return nil
	}
	form := widget.NewForm(
		widget.NewFormItem("Name", name),
		widget.NewFormItem("When", container.NewVBox(when, words)),
		widget.NewFormItem("Description", desc),
	)
	d := dialog.NewCustomConfirm("Add maintenance window", "Add", "Cancel", form, func(ok bool) {
		if !ok {
			return
		}
		if _, err := v.ui.host.Store.AddWindow(context.Background(), v.ui.host.Actor, name.Text, when.Text, desc.Text); err != nil {
			showError(v.ui.win, fmt.Errorf("add maintenance window: %w", err))
			return
		}
		v.ui.background(v.reload)
	}, v.ui.win)
	d.Resize(fyne.NewSize(560, 300))
	d.Show()
}
