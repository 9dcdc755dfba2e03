package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchdesk/model"
)

// targetsView manages targets, the guide's filters: saved computer queries that policies, the
// scan and the reports select computers with. It opens from the Computers screen.
type targetsView struct {
	ui       *App
	root     fyne.CanvasObject
	table    *widget.Table
	rows     []model.Target
	selected int
	actions  []*widget.Button
	onChange func() // the Computers screen's target filter follows
}

func newTargetsView(ui *App, onChange func()) *targetsView {
	v := &targetsView{ui: ui, selected: -1, onChange: onChange}
	cols := []column[model.Target]{
		{"Target", 260, func(t model.Target) string { return t.Name }},
		{"Members", 80, func(t model.Target) string { return fmt.Sprint(t.Members) }},
		{"Query", 380, func(t model.Target) string { return queryText(t) }},
		{"Computed", 150, func(t model.Target) string {
			if t.EvaluatedAt == nil {
				return "not yet"
			}
			return ago(*t.EvaluatedAt, ui.host.Now())
		}},
	}
	v.table = rowsTable(func() []model.Target { return v.rows }, cols)
	v.table.OnSelected = func(id widget.TableCellID) {
		v.selected = id.Row
		v.enable()
	}
	add := widget.NewButtonWithIcon("Add target", theme.ContentAddIcon(), v.add)
	recompute := widget.NewButtonWithIcon("Recompute members", theme.ViewRefreshIcon(), func() { v.do(v.recompute) })
	scan := widget.NewButtonWithIcon("Run scan now", theme.SearchIcon(), func() { v.do(v.scan) })
	remove := widget.NewButtonWithIcon("Remove", theme.DeleteIcon(), func() { v.do(v.remove) })
	v.actions = []*widget.Button{scan, remove}
	note := widget.NewLabel("Members are recomputed on the patch filter update interval (Settings > Windows Patch Remediation Settings) and with Recompute members. Run scan now is the guide's Run System Assessment Scan task.")
	note.Wrapping = fyne.TextWrapWord
	note.SizeName = theme.SizeNameCaptionText
	v.root = container.NewBorder(container.NewHBox(add, recompute, scan, remove), note, nil, nil, v.table)
	v.enable()
	return v
}

func queryText(t model.Target) string {
	q := t.Query
	var parts []string
	if q.OSFamily != "" {
		parts = append(parts, "OS "+q.OSFamily)
	}
	if q.OSName != "" {
		parts = append(parts, "OS name "+q.OSName)
	}
	if q.NamePattern != "" {
		parts = append(parts, "name "+q.NamePattern)
	}
	if q.Agent {
		parts = append(parts, "agent enrolled")
	}
	if q.BuildMin > 0 || q.BuildMax > 0 {
		parts = append(parts, fmt.Sprintf("build %d–%d", q.BuildMin, q.BuildMax))
	}
	if q.Bulletin != "" {
		parts = append(parts, q.Bulletin+" "+strings.ReplaceAll(q.BulletinState, "_", " "))
	}
	if len(parts) == 0 {
		return "every computer"
	}
	return strings.Join(parts, ", ")
}

func (v *targetsView) enable() {
	enableAll(v.selected >= 0 && v.selected < len(v.rows), v.actions...)
}

// reload reads the targets; it runs off the UI thread.
func (v *targetsView) reload() {
	ts, err := v.ui.host.Store.Targets(context.Background())
	if err != nil {
		v.ui.host.Log.Error("load targets", "err", err)
		return
	}
	fyne.Do(func() {
		v.rows = ts
		if v.selected >= len(ts) {
			v.selected = -1
		}
		v.table.Refresh()
		v.enable()
	})
}

// do runs an action on the UI thread's request and reloads.
func (v *targetsView) do(op func(ctx context.Context) (string, error)) {
	msg, err := op(context.Background())
	if err != nil {
		showError(v.ui.win, err)
		return
	}
	if msg != "" {
		dialog.ShowInformation("Targets", msg, v.ui.win)
	}
	v.ui.background(v.reload)
	if v.onChange != nil {
		v.onChange()
	}
}

func (v *targetsView) current() (model.Target, bool) {
	if v.selected < 0 || v.selected >= len(v.rows) {
		return model.Target{}, false
	}
	return v.rows[v.selected], true
}

func (v *targetsView) recompute(ctx context.Context) (string, error) {
	ts, err := v.ui.host.Store.RecomputeTargets(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d targets recomputed.", len(ts)), nil
}

func (v *targetsView) scan(ctx context.Context) (string, error) {
	t, ok := v.current()
	if !ok {
		return "", nil
	}
	n, err := v.ui.host.Store.ScanTarget(ctx, v.ui.host.Actor, t.Name)
	if err != nil {
		return "", err
	}
	if l := v.ui.host.Listener; l != nil {
		if err := l.Refresh(ctx); err != nil {
			v.ui.host.Log.Warn("refresh listener after scan request", "err", err)
		}
	}
	return fmt.Sprintf("%d computers of %q scan at their next check-in.", n, t.Name), nil
}

func (v *targetsView) remove(ctx context.Context) (string, error) {
	t, ok := v.current()
	if !ok {
		return "", nil
	}
	if t.Builtin {
		return "", fmt.Errorf("%q is built in and cannot be removed", t.Name)
	}
	return "", v.ui.host.Store.RemoveTarget(ctx, v.ui.host.Actor, t.Name)
}

// add asks for a new target's query and saves it with its members.
func (v *targetsView) add() {
	name, desc := widget.NewEntry(), widget.NewEntry()
	family := widget.NewSelect([]string{"any", "windows", "linux", "macos"}, nil)
	family.SetSelected("windows")
	osName, pattern := widget.NewEntry(), widget.NewEntry()
	osName.SetPlaceHolder("e.g. Windows 10*")
	pattern.SetPlaceHolder("e.g. PC-ACC*")
	buildMin, buildMax := widget.NewEntry(), widget.NewEntry()
	agent := widget.NewCheck("Agent enrolled (not revoked)", nil)
	agent.SetChecked(true)
	form := widget.NewForm(
		widget.NewFormItem("Name", name),
		widget.NewFormItem("Description", desc),
		widget.NewFormItem("OS family", family),
		widget.NewFormItem("OS name", osName),
		widget.NewFormItem("Computer name", pattern),
		widget.NewFormItem("Build from", buildMin),
		widget.NewFormItem("Build to", buildMax),
		widget.NewFormItem("", agent),
	)
	d := dialog.NewCustomConfirm("Add target", "Add", "Cancel", form, func(ok bool) {
		if !ok {
			return
		}
		q := model.TargetQuery{OSName: osName.Text, NamePattern: pattern.Text, Agent: agent.Checked}
		if family.Selected != "any" {
			q.OSFamily = family.Selected
		}
		for _, b := range []struct {
			entry *widget.Entry
			into  *int
		}{{buildMin, &q.BuildMin}, {buildMax, &q.BuildMax}} {
			if t := strings.TrimSpace(b.entry.Text); t != "" {
				n, err := strconv.Atoi(t)
				if err != nil {
					showError(v.ui.win, fmt.Errorf("build %q is not a number", t))
					return
				}
				*b.into = n
			}
		}
		v.do(func(ctx context.Context) (string, error) {
			t, err := v.ui.host.Store.AddTarget(ctx, v.ui.host.Actor, name.Text, desc.Text, q)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("Target %q added with %d members.", t.Name, t.Members), nil
		})
	}, v.ui.win)
	d.Resize(fyne.NewSize(520, 460))
	d.Show()
}
