package ui

import (
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
)

// newPoliciesScreen lists software update policies and maintenance windows.
func newPoliciesScreen(ui *App) *staticScreen {
	return &staticScreen{name: "Policies", symbol: theme.ListIcon(), root: container.NewBorder(
		screenHeader("Policies", "Software update policies: which updates go to which computers, and when."), nil, nil, nil,
		emptyState(theme.ListIcon(), "No policies yet",
			"A policy is created by distributing bulletins from the Remediation Center with the Distribute Software Updates wizard. Distribution is not in this version yet."),
	)}
}
