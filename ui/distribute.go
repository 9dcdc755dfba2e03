package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchdesk/model"
	"patchdesk/model/settings"
)

// Run choices of the wizard's first page, in the guide's words.
var runChoices = []struct{ value, label string }{
	{model.PolicyRunAgentDefault, "Agent default (the plug-in policy's installation schedule)"},
	{model.PolicyRunASAP, "As soon as possible"},
	{model.PolicyRunSchedule, "On schedule"},
}

// distributeWizard is the Distribute Software Updates wizard (guide Tables 7-4 and 7-5): page
// one names the policy and says when and where it runs, page two turns it and each update on or
// off. It creates a policy, or with policyID set changes one (the Policies screen's Edit).
type distributeWizard struct {
	ui       *App
	policyID uint
	in       model.PolicyInput
	updates  []model.UpdateRow
	packages map[string]model.Package
	done     func(model.PolicyView)

	d                             dialog.Dialog
	body                          *fyne.Container
	page                          int
	name, schedule, targets       *widget.Entry
	description                   *widget.Entry
	restart, wake, override       *widget.Check
	run                           *widget.RadioGroup
	onOff                         *widget.RadioGroup
	updateOn                      map[string]*widget.Check
	problem                       *widget.Label
	back, next, cancel, finishBtn *widget.Button
	buttons                       *fyne.Container
}

// distribute opens the wizard for the chosen bulletins (Distribute Packages).
func (s *remediationScreen) distribute() {
	if ids := s.chosen(); len(ids) > 0 {
		s.openWizard(ids)
	}
}

// openWizard shows the wizard for bulletins and returns it (nil after reporting an error).
func (s *remediationScreen) openWizard(ids []string) *distributeWizard {
	ctx := context.Background()
	in, err := suggestPolicy(ctx, s.ui, ids)
	if err != nil {
		showError(s.ui.win, err)
		return nil
	}
	w, err := newDistributeWizard(ctx, s.ui, 0, in, func(model.PolicyView) { s.ui.background(s.reload) })
	if err != nil {
		showError(s.ui.win, err)
		return nil
	}
	w.show()
	return w
}

// suggestPolicy fills the first page as the guide says: the bulletin names as the name, the
// vendors' descriptions as the description, the default target.
func suggestPolicy(ctx context.Context, ui *App, ids []string) (model.PolicyInput, error) {
	v, err := ui.host.Settings.Load(ctx)
	if err != nil {
		return model.PolicyInput{}, err
	}
	in := model.PolicyInput{Name: strings.Join(ids, ", "), Bulletins: ids, Targets: []string{v.Text(settings.KeyDefaultTarget)},
		Run: model.PolicyRunAgentDefault, Enabled: true}
	var desc []string
	for _, id := range ids {
		b, err := ui.host.Store.Bulletin(ctx, id)
		if err != nil {
			return in, err
		}
		text := b.Description
		if text == "" {
			text = b.Title
		}
		desc = append(desc, text)
	}
	in.Description = strings.Join(desc, "\n")
	if len(in.Name) > 200 {
		in.Name = in.Name[:197] + "…"
	}
	return in, nil
}

func newDistributeWizard(ctx context.Context, ui *App, policyID uint, in model.PolicyInput, done func(model.PolicyView)) (*distributeWizard, error) {
	w := &distributeWizard{ui: ui, policyID: policyID, in: in, done: done, packages: map[string]model.Package{}, updateOn: map[string]*widget.Check{}}
	for _, b := range in.Bulletins {
		rows, err := ui.host.Store.BulletinUpdates(ctx, b)
		if err != nil {
			return nil, err
		}
		w.updates = append(w.updates, rows...)
	}
	pkgs, err := ui.host.Store.Packages(ctx, in.Bulletins...)
	if err != nil {
		return nil, err
	}
	for _, p := range pkgs {
		w.packages[p.UpdateID] = p
	}
	w.build()
	return w, nil
}

func (w *distributeWizard) build() {
	w.name = widget.NewEntry()
	w.name.SetText(w.in.Name)
	w.description = widget.NewMultiLineEntry()
	w.description.SetText(w.in.Description)
	w.description.SetMinRowsVisible(3)
	w.description.Wrapping = fyne.TextWrapWord
	w.restart = widget.NewCheck("Allow immediate restart if required", nil)
	w.restart.SetChecked(w.in.AllowImmediateRestart)
	w.wake = widget.NewCheck("Power on computer (Wake on LAN)", nil)
	w.wake.SetChecked(w.in.WakeOnLAN)
	w.override = widget.NewCheck("Override maintenance windows", nil)
	w.override.SetChecked(w.in.OverrideMaintenanceWindows)
	w.schedule = widget.NewEntry()
	w.schedule.SetPlaceHolder("daily 22:00, weekly wed 20:00, …")
	w.schedule.SetText(w.in.Schedule)
	labels := make([]string, len(runChoices))
	for i, c := range runChoices {
		labels[i] = c.label
	}
	w.run = widget.NewRadioGroup(labels, func(label string) {
		if label == runChoices[2].label {
			w.schedule.Enable()
		} else {
			w.schedule.Disable()
		}
	})
	for _, c := range runChoices {
		if c.value == w.in.Run {
			w.run.SetSelected(c.label)
		}
	}
	if w.run.Selected == "" {
		w.run.SetSelected(runChoices[0].label)
	}
	w.targets = widget.NewEntry()
	w.targets.SetText(strings.Join(w.in.Targets, ", "))
	w.onOff = widget.NewRadioGroup([]string{"On", "Off"}, nil)
	w.onOff.Horizontal = true
	w.onOff.SetSelected(map[bool]string{true: "On", false: "Off"}[w.in.Enabled])
	for _, u := range w.updates {
		c := widget.NewCheck(u.Name, nil)
		c.SetChecked(!slices.Contains(w.in.DisabledUpdates, u.ID))
		w.updateOn[u.ID] = c
	}
	w.problem = widget.NewLabel("")
	w.problem.Importance = widget.DangerImportance
	w.problem.Wrapping = fyne.TextWrapWord

	w.back = widget.NewButton("Back", func() { w.showPage(0) })
	w.next = widget.NewButton("Next", func() {
		if w.readPage1() {
			w.showPage(1)
		}
	})
	w.next.Importance = widget.HighImportance
	finish := "Distribute software updates"
	if w.policyID != 0 {
		finish = "Save policy"
	}
	w.finishBtn = widget.NewButton(finish, w.finish)
	w.finishBtn.Importance = widget.HighImportance
	w.cancel = widget.NewButton("Cancel", func() { w.d.Hide() })
	w.body = container.NewStack()
	title := "Distribute Software Updates"
	if w.policyID != 0 {
		title = "Edit policy " + w.in.Name
	}
	w.buttons = container.NewHBox()
	w.d = dialog.NewCustomWithoutButtons(title, container.NewBorder(nil, container.NewVBox(w.problem, container.NewCenter(w.buttons)), nil, nil, w.body), w.ui.win)
	w.d.Resize(fyne.NewSize(900, 740))
	w.showPage(0)
}

func (w *distributeWizard) show() { w.d.Show() }

func (w *distributeWizard) showPage(n int) {
	w.page = n
	w.problem.SetText("")
	if n == 0 {
		w.body.Objects = []fyne.CanvasObject{w.page1()}
		w.buttons.Objects = []fyne.CanvasObject{w.cancel, w.next}
	} else {
		w.body.Objects = []fyne.CanvasObject{w.page2()}
		w.buttons.Objects = []fyne.CanvasObject{w.cancel, w.back, w.finishBtn}
	}
	w.body.Refresh()
	w.buttons.Refresh()
}

func (w *distributeWizard) page1() fyne.CanvasObject {
	names := make([]string, len(w.updates))
	for i, u := range w.updates {
		names[i] = u.Name
	}
	form := widget.NewForm(
		widget.NewFormItem("Name", w.name),
		widget.NewFormItem("Description", w.description),
		widget.NewFormItem("Software bulletins", wrapped(strings.Join(w.in.Bulletins, "\n"))),
		widget.NewFormItem(fmt.Sprintf("Software updates (%d)", len(w.updates)), wrapped(strings.Join(names, "\n"))),
		widget.NewFormItem("", w.restart),
		widget.NewFormItem("Run", container.NewVBox(w.run, w.schedule)),
		widget.NewFormItem("", w.wake),
		widget.NewFormItem("", w.override),
		widget.NewFormItem("Apply to computers", container.NewVBox(w.targets, caption("Targets, separated by commas. The default comes from the Remediation Settings."))),
	)
	return container.NewVScroll(form)
}

func (w *distributeWizard) page2() fyne.CanvasObject {
	rows := container.NewVBox(container.NewBorder(nil, nil, widget.NewLabelWithStyle("Policy", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, w.onOff))
	for _, b := range w.in.Bulletins {
		rows.Add(widget.NewSeparator())
		rows.Add(widget.NewLabelWithStyle(b, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		for _, u := range w.updates {
			if u.Bulletin != b {
				continue
			}
			pkg := "not downloaded yet: downloaded when the policy is created"
			if p, ok := w.packages[u.ID]; ok && p.State == model.PackageDownloaded {
				pkg = p.FileName
			} else if u.ManualDownload {
				pkg = "manual download: place the file in the staging location"
			}
			lang := u.Language
			if lang == "" {
				lang = "all languages"
			}
			detail := container.NewGridWithColumns(3, caption(lang), caption(pkg), caption(u.CommandLine))
			rows.Add(container.NewVBox(w.updateOn[u.ID], detail))
		}
	}
	return container.NewVScroll(rows)
}

func caption(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.SizeName = theme.SizeNameCaptionText
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

// readPage1 copies the first page into the input and checks it, saying what is wrong.
func (w *distributeWizard) readPage1() bool {
	w.in.Name, w.in.Description = w.name.Text, w.description.Text
	w.in.AllowImmediateRestart, w.in.WakeOnLAN, w.in.OverrideMaintenanceWindows = w.restart.Checked, w.wake.Checked, w.override.Checked
	for _, c := range runChoices {
		if c.label == w.run.Selected {
			w.in.Run = c.value
		}
	}
	w.in.Schedule = strings.TrimSpace(w.schedule.Text)
	w.in.Targets = nil
	for _, t := range strings.Split(w.targets.Text, ",") {
		if t = strings.TrimSpace(t); t != "" {
			w.in.Targets = append(w.in.Targets, t)
		}
	}
	if err := w.in.Check(); err != nil {
		w.problem.SetText(err.Error())
		return false
	}
	return true
}

// finish creates or changes the policy and downloads the packages its updates still lack.
func (w *distributeWizard) finish() {
	if w.page == 0 && !w.readPage1() {
		return
	}
	w.in.Enabled = w.onOff.Selected == "On"
	w.in.DisabledUpdates = []string{}
	for _, u := range w.updates {
		if !w.updateOn[u.ID].Checked {
			w.in.DisabledUpdates = append(w.in.DisabledUpdates, u.ID)
		}
	}
	ctx := context.Background()
	var p model.PolicyView
	var err error
	if w.policyID == 0 {
		p, err = w.ui.host.Store.CreatePolicy(ctx, w.ui.host.Actor, w.in)
	} else {
		p, err = w.ui.host.Store.UpdatePolicy(ctx, w.ui.host.Actor, w.policyID, w.in)
	}
	if err != nil {
		w.problem.SetText(err.Error())
		return
	}
	w.d.Hide()
	// The bulletins' packages are all fetched, as Staged counts them, so that turning an update
	// on later needs no new download.
	missing := 0
	for _, u := range p.Updates {
		if u.PackageState != model.PackageDownloaded {
			missing++
		}
	}
	verb := "created"
	if w.policyID != 0 {
		verb = "saved"
	}
	if missing > 0 {
		if _, err := w.ui.host.Store.RequestPackages(ctx, w.ui.host.Actor, p.Bulletins, false); err != nil {
			showError(w.ui.win, err)
		} else if d := w.ui.downloads(); d != nil {
			d.start(fmt.Sprintf("Policy %q %s (%s). Downloading the %d package(s) of its bulletins not stored yet.", p.Name, verb, policyOnOff(p.Enabled), missing))
		}
	} else {
		dialog.ShowInformation("Update download and policy creation status",
			fmt.Sprintf("Policy %q %s (%s); all of its packages are downloaded.", p.Name, verb, policyOnOff(p.Enabled)), w.ui.win)
	}
	if w.done != nil {
		w.done(p)
	}
}

func policyOnOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
