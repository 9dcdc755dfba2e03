package ui

import (
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
)

// newReportsScreen holds the compliance, diagnostics, remediation and bulletin reports.
func newReportsScreen(ui *App) *staticScreen {
	return &staticScreen{name: "Reports", symbol: theme.DocumentIcon(), root: container.NewBorder(
		screenHeader("Reports", "Compliance, diagnostics, remediation status and bulletin reports, with charts and export."), nil, nil, nil,
		emptyState(theme.DocumentIcon(), "No reports yet",
			"Reports need a catalog and computers that report their inventory. They are not in this version yet."),
	)}
}
