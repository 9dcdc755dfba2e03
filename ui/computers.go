package ui

import (
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
)

// newComputersScreen lists the managed computers and their inventory.
func newComputersScreen(ui *App) *staticScreen {
	return &staticScreen{name: "Computers", symbol: theme.ComputerIcon(), root: container.NewBorder(
		screenHeader("Computers", "Every PC that runs patchagent: its OS, last check-in and missing updates."), nil, nil, nil,
		emptyState(theme.ComputerIcon(), "No computers yet",
			"Computers appear here when their agent enrols with this host and sends its inventory. The agent listener and enrolment tokens are not in this version yet."),
	)}
}
