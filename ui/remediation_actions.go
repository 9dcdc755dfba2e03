package ui

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/dustin/go-humanize"

	"patchdesk/model"
	"patchdesk/model/atomicfile"
	"patchdesk/model/reports"
)

func (s *remediationScreen) actionButtons() []fyne.CanvasObject {
	props := widget.NewButtonWithIcon("Properties", theme.InfoIcon(), s.showProperties)
	updates := widget.NewButtonWithIcon("List Software Updates", theme.ListIcon(), s.showUpdates)
	var severity *widget.Button
	severity = widget.NewButtonWithIcon("Custom Severity", theme.MenuDropDownIcon(), func() {
		menu := fyne.NewMenu("", s.severityItems()...)
		widget.ShowPopUpMenuAtRelativePosition(menu, s.ui.win.Canvas(), fyne.NewPos(0, severity.Size().Height), severity)
	})
	download := widget.NewButtonWithIcon("Download Packages", theme.DownloadIcon(), func() { s.download(false) })
	distribute := widget.NewButtonWithIcon("Distribute Packages", theme.MailSendIcon(), s.distribute)
	// The less frequent actions wait behind More so the toolbar fits a 1280-pixel window.
	var more *widget.Button
	more = widget.NewButtonWithIcon("More", theme.MoreHorizontalIcon(), func() {
		items := []*fyne.MenuItem{
			fyne.NewMenuItem("Disable", func() { s.setDisabled(true) }),
			fyne.NewMenuItem("Enable", func() { s.setDisabled(false) }),
			fyne.NewMenuItem("Export…", s.export),
			fyne.NewMenuItemSeparator(),
		}
		menu := fyne.NewMenu("", append(items, s.packageItems()...)...)
		widget.ShowPopUpMenuAtRelativePosition(menu, s.ui.win.Canvas(), fyne.NewPos(0, more.Size().Height), more)
	})
	s.actions = []*widget.Button{props, updates, severity, download, distribute, more}
	return []fyne.CanvasObject{props, updates, severity, download, distribute, more}
}

// packageItems are the download and distribution actions (guide Table 7-2).
func (s *remediationScreen) packageItems() []*fyne.MenuItem {
	return []*fyne.MenuItem{
		fyne.NewMenuItem("Download Packages", func() { s.download(false) }),
		fyne.NewMenuItem("Recreate Packages", func() { s.download(true) }),
		fyne.NewMenuItem("Distribute Packages…", s.distribute),
		fyne.NewMenuItem("View Policies", s.viewPolicies),
		fyne.NewMenuItem("View Targeted Computers", s.viewTargeted),
	}
}

// viewTargeted opens the computers the first chosen bulletin's policies reach.
func (s *remediationScreen) viewTargeted() {
	if ids := s.chosen(); len(ids) > 0 {
		s.ui.OpenReport("bulletin-targeted-computers", reports.TargetedParams(ids[0]))
	}
}

// menuItems is the right-click menu of a bulletin row (guide Table 7-2).
func (s *remediationScreen) menuItems() []*fyne.MenuItem {
	severity := fyne.NewMenuItem("Custom Severity", nil)
	severity.ChildMenu = fyne.NewMenu("", s.severityItems()...)
	items := []*fyne.MenuItem{
		fyne.NewMenuItem("Properties", s.showProperties),
		fyne.NewMenuItem("List Software Updates", s.showUpdates),
		severity,
		fyne.NewMenuItem("Disable", func() { s.setDisabled(true) }),
		fyne.NewMenuItem("Enable", func() { s.setDisabled(false) }),
		fyne.NewMenuItem("Export…", s.export),
		fyne.NewMenuItemSeparator(),
	}
	return append(items, s.packageItems()...)
}

func (s *remediationScreen) severityItems() []*fyne.MenuItem {
	var items []*fyne.MenuItem
	for _, name := range s.custom.Options {
		if name == allCustom || name == noCustom {
			continue
		}
		items = append(items, fyne.NewMenuItem(name, func() { s.setSeverity(name) }))
	}
	if len(items) == 0 {
		none := fyne.NewMenuItem("No custom levels yet: add them in Settings > Core Services", nil)
		none.Disabled = true
		items = append(items, none)
	}
	return append(items, fyne.NewMenuItemSeparator(), fyne.NewMenuItem("Clear custom severity", func() { s.setSeverity("") }))
}

// act runs a store action on the chosen bulletins and shows the result.
func (s *remediationScreen) act(op func(ctx context.Context, ids []string) error) {
	ids := s.chosen()
	if len(ids) == 0 {
		return
	}
	if err := op(context.Background(), ids); err != nil {
		showError(s.ui.win, err)
		return
	}
	s.ui.background(s.reload)
}

func (s *remediationScreen) setSeverity(level string) {
	s.act(func(ctx context.Context, ids []string) error {
		return s.ui.host.Store.SetCustomSeverity(ctx, s.ui.host.Actor, ids, level)
	})
}

func (s *remediationScreen) setDisabled(disabled bool) {
	s.act(func(ctx context.Context, ids []string) error {
		return s.ui.host.Store.SetBulletinsDisabled(ctx, s.ui.host.Actor, ids, disabled)
	})
}

// export writes the chosen bulletins' information to an XML file the administrator picks.
func (s *remediationScreen) export() {
	ids := s.chosen()
	if len(ids) == 0 {
		return
	}
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		path := w.URI().Path()
		w.Close()
		var buf bytes.Buffer
		if err := s.ui.host.Store.ExportBulletins(context.Background(), &buf, ids); err != nil {
			showError(s.ui.win, err)
			return
		}
		if err := atomicfile.Write(path, buf.Bytes(), 0o644); err != nil {
			showError(s.ui.win, err)
			return
		}
		dialog.ShowInformation("Export", fmt.Sprintf("%d bulletin(s) written to %s", len(ids), path), s.ui.win)
	}, s.ui.win)
	d.SetFileName("bulletins.xml")
	d.Show()
}

// showUpdates is List Software Updates for the first chosen bulletin.
func (s *remediationScreen) showUpdates() {
	ids := s.chosen()
	if len(ids) == 0 {
		return
	}
	rows, err := s.ui.host.Store.BulletinUpdates(context.Background(), ids[0])
	if err != nil {
		showError(s.ui.win, err)
		return
	}
	d := dialog.NewCustom("Software updates of "+ids[0], "Close", updatesTable(rows), s.ui.win)
	d.Resize(fyne.NewSize(1100, 520))
	d.Show()
}

func updatesTable(rows []model.UpdateRow) fyne.CanvasObject {
	cols := []column[model.UpdateRow]{
		{"Update", 300, func(u model.UpdateRow) string { return u.Name }},
		{"KB", 90, func(u model.UpdateRow) string { return u.KB }},
		{"Product", 220, func(u model.UpdateRow) string { return u.Product }},
		{"Language", 80, func(u model.UpdateRow) string { return u.Language }},
		{"Arch", 60, func(u model.UpdateRow) string { return u.Architecture }},
		{"Size", 80, func(u model.UpdateRow) string {
			if u.Size == 0 {
				return ""
			}
			return humanize.IBytes(uint64(u.Size))
		}},
		{"Package", 300, func(u model.UpdateRow) string {
			if u.ManualDownload {
				return "manual download: place the file in the staging location"
			}
			return u.FileName
		}},
		{"Command line", 300, func(u model.UpdateRow) string { return u.CommandLine }},
	}
	t := rowsTable(func() []model.UpdateRow { return rows }, cols)
	return t
}

// showProperties is the bulletin's Properties dialog: details, updates, CVEs, supersedence and
// who changed what.
func (s *remediationScreen) showProperties() {
	ids := s.chosen()
	if len(ids) == 0 {
		return
	}
	ctx := context.Background()
	b, err := s.ui.host.Store.Bulletin(ctx, ids[0])
	if err != nil {
		showError(s.ui.win, err)
		return
	}
	updates, err := s.ui.host.Store.BulletinUpdates(ctx, b.ID)
	if err != nil {
		showError(s.ui.win, err)
		return
	}
	trail, err := s.ui.host.Store.AuditTrail(ctx, "bulletin:"+b.ID, 100)
	if err != nil {
		showError(s.ui.win, err)
		return
	}
	tabs := container.NewAppTabs(
		container.NewTabItem("General", bulletinGeneral(b)),
		container.NewTabItem(fmt.Sprintf("Updates (%d)", len(updates)), updatesTable(updates)),
		container.NewTabItem(fmt.Sprintf("CVEs (%d)", len(b.CVEDetails)), cveList(b.CVEDetails)),
		container.NewTabItem("Supersedence", supersedence(b)),
		container.NewTabItem("History", auditList(trail)),
	)
	d := dialog.NewCustom("Properties of "+b.ID, "Close", tabs, s.ui.win)
	d.Resize(fyne.NewSize(1000, 600))
	d.Show()
}

func bulletinGeneral(b model.BulletinDetail) fyne.CanvasObject {
	custom := b.CustomSeverity
	if custom == "" {
		custom = "(none)"
	}
	state := "enabled"
	if b.Disabled {
		state = "disabled: never installed"
	}
	if b.Superseded {
		state += ", superseded"
	}
	form := widget.NewForm(
		widget.NewFormItem("Bulletin", widget.NewLabel(b.ID)),
		widget.NewFormItem("Title", wrapped(b.Title)),
		widget.NewFormItem("Vendor / software", widget.NewLabel(b.Vendor+" / "+b.Software)),
		widget.NewFormItem("Severity", widget.NewLabel(b.Severity)),
		widget.NewFormItem("Custom severity", widget.NewLabel(custom)),
		widget.NewFormItem("Released / revised", widget.NewLabel(day(b.Released)+" / "+day(b.Revised))),
		widget.NewFormItem("State", widget.NewLabel(state)),
		widget.NewFormItem("Source", wrapped(b.Source)),
	)
	if b.ManualDownloads > 0 {
		form.Append("Downloads", wrapped(fmt.Sprintf("%d update(s) are linked to a catalog page, not a file: they need a manual download into the staging location.", b.ManualDownloads)))
	}
	form.Append("Description", wrapped(b.Description))
	return container.NewVScroll(form)
}

func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func cveList(cves []model.CVE) fyne.CanvasObject {
	if len(cves) == 0 {
		return widget.NewLabel("The vendor lists no CVEs for this bulletin.")
	}
	box := container.NewVBox()
	for _, c := range cves {
		u, _ := url.Parse(c.URL())
		line := container.NewHBox(widget.NewHyperlink(c.ID, u))
		if c.Severity != "" {
			line.Add(widget.NewLabel(c.Severity))
		}
		if c.Title != "" {
			line.Add(widget.NewLabel(c.Title))
		}
		box.Add(line)
	}
	return container.NewVScroll(box)
}

func supersedence(b model.BulletinDetail) fyne.CanvasObject {
	list := func(ids []string) string {
		if len(ids) == 0 {
			return "(none)"
		}
		return strings.Join(ids, "\n")
	}
	return container.NewVScroll(widget.NewForm(
		widget.NewFormItem("Supersedes", wrapped(list(b.Supersedes))),
		widget.NewFormItem("Superseded by", wrapped(list(b.SupersededBy))),
	))
}

func auditList(entries []model.AuditEntry) fyne.CanvasObject {
	if len(entries) == 0 {
		return widget.NewLabel("Nobody has changed this bulletin in PatchDesk.")
	}
	var lines []string
	for _, e := range entries {
		line := fmt.Sprintf("%s  %s  %s", e.At.Local().Format("2006-01-02 15:04"), e.Actor, e.Action)
		if e.Detail != "" {
			line += " " + e.Detail
		}
		lines = append(lines, line)
	}
	return container.NewVScroll(wrapped(strings.Join(lines, "\n")))
}

// download queues the chosen bulletins' packages (all of them again with recreate: Recreate
// Packages) and runs the download job with the status dialog.
func (s *remediationScreen) download(recreate bool) { s.downloadPackages(s.chosen(), recreate) }

// downloadPackages queues the bulletins' packages and follows the download in the closable
// status dialog; the Reports screen's row menu uses it too.
func (s *remediationScreen) downloadPackages(ids []string, recreate bool) {
	if len(ids) == 0 {
		return
	}
	res, err := s.ui.host.Store.RequestPackages(context.Background(), s.ui.host.Actor, ids, recreate)
	if err != nil {
		showError(s.ui.win, err)
		return
	}
	s.downloads.start(fmt.Sprintf("Downloading the packages of %d bulletin(s): %d to download, %d already stored.", len(ids), res.Queued, res.Present))
}

// viewPolicies lists the policies that hold the chosen bulletins.
func (s *remediationScreen) viewPolicies() {
	ids := s.chosen()
	if len(ids) == 0 {
		return
	}
	ps, err := s.ui.host.Store.PoliciesWithBulletin(context.Background(), ids)
	if err != nil {
		showError(s.ui.win, err)
		return
	}
	if len(ps) == 0 {
		dialog.ShowInformation("Policies", "No policy distributes "+strings.Join(ids, ", ")+" yet. Use Distribute Packages to create one.", s.ui.win)
		return
	}
	var lines []string
	for _, p := range ps {
		lines = append(lines, fmt.Sprintf("%s (%s): %s", p.Name, policyOnOff(p.Enabled), strings.Join(p.Bulletins, ", ")))
	}
	open := widget.NewButton("Open the Policies screen", func() { s.ui.ShowScreen("Policies") })
	d := dialog.NewCustom("Policies with "+strings.Join(ids, ", "), "Close", container.NewVBox(wrapped(strings.Join(lines, "\n")), open), s.ui.win)
	d.Resize(fyne.NewSize(620, 300))
	d.Show()
}
