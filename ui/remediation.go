package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// remediationScreen is the Patch Remediation Center: the software bulletins of the catalog.
type remediationScreen struct {
	ui   *App
	root *fyne.Container
}

func newRemediationScreen(ui *App) *remediationScreen {
	s := &remediationScreen{ui: ui}
	goJobs := widget.NewButtonWithIcon("Open Jobs", theme.MediaPlayIcon(), func() { ui.ShowScreen("Jobs") })
	s.root = container.NewBorder(
		screenHeader("Patch Remediation Center", "Software bulletins from the catalog, with their severity, staging and policies."), nil, nil, nil,
		emptyState(theme.DocumentIcon(), "No software bulletins yet",
			"The software update catalog has not been imported into this data dir. The catalog import (MSRC bulletins, winget applications and PatchDesk catalogs) is not in this version yet; once it is, it runs on the Import Patch Data schedule or from the Jobs screen.",
			goJobs),
	)
	return s
}

func (s *remediationScreen) title() string              { return "Remediation Center" }
func (s *remediationScreen) icon() fyne.Resource        { return theme.WarningIcon() }
func (s *remediationScreen) content() fyne.CanvasObject { return s.root }
func (s *remediationScreen) reload()                    {}
