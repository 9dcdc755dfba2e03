// Package ui is PatchDesk's desktop console: one file per screen, put together here. Screens
// call the same model and jobs functions as the command line; they never hold domain logic.
package ui

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchdesk/jobs"
	"patchdesk/model"
	"patchdesk/model/settings"
)

// Host is what the console works on: the opened data dir and the running jobs.
type Host struct {
	DataDir   string
	Store     *model.Store
	Settings  settings.Source
	Runner    *jobs.Runner
	Scheduler Scheduler
	Log       *slog.Logger
	Actor     string // who changes things, for the audit trail
	Version   string
	Now       func() time.Time // the clock screens show times against; nil for the real one
	// Listener is the running agent listener, nil when it is not running (ListenerErr says why).
	Listener    Listener
	ListenerErr error
	// CatalogOffer reads what the import locations offer (Import Patch Data > Update list).
	CatalogOffer func(ctx context.Context) (model.CatalogOffer, error)
}

// Listener is the part of the agent listener the console uses.
type Listener interface {
	Addr() net.Addr
	CAFingerprint() string
	// Refresh applies administrators' changes to computers now rather than at the next poll.
	Refresh(ctx context.Context) error
}

// Scheduler is the part of the job scheduler the console uses.
type Scheduler interface {
	NextRun(job string) (time.Time, bool)
	Apply(settings.Values) error
}

// screen is one entry of the navigation.
type screen interface {
	title() string
	icon() fyne.Resource
	content() fyne.CanvasObject
	// reload re-reads the screen's data; it may be called from any goroutine.
	reload()
}

// App is the console's main window and its screens.
type App struct {
	fyne    fyne.App
	host    Host
	win     fyne.Window
	screens []screen
	nav     *widget.List
	body    *fyne.Container
	current int
	// background runs data loading off the UI thread; tests make it synchronous.
	background func(func())

	dashboard *dashboardScreen
	jobs      *jobsScreen
	settings  *settingsScreen
}

// New builds the main window; Show or ShowAndRun it.
func New(a fyne.App, h Host) *App {
	ui := newApp(a, h, func(f func()) { go f() })
	go ui.refreshLive(liveRefresh)
	return ui
}

// liveRefresh is how often screens that agents change (dashboard, computers) reload while shown.
const liveRefresh = 30 * time.Second

// refreshLive reloads the shown screen periodically when it is a live one, so the console
// follows agents without any UI work per check-in.
func (ui *App) refreshLive(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		var s screen
		fyne.DoAndWait(func() { s = ui.screens[ui.current] })
		if _, ok := s.(interface{ live() }); ok {
			s.reload()
		}
	}
}

func newApp(a fyne.App, h Host, background func(func())) *App {
	if h.Now == nil {
		h.Now = time.Now
	}
	ui := &App{fyne: a, host: h, win: a.NewWindow("PatchDesk"), background: background}
	ui.dashboard = newDashboard(ui)
	ui.jobs = newJobsScreen(ui)
	ui.settings = newSettingsScreen(ui)
	ui.screens = []screen{
		ui.dashboard,
		newRemediationScreen(ui),
		newComputersScreen(ui),
		newPoliciesScreen(ui),
		newReportsScreen(ui),
		ui.jobs,
		ui.settings,
	}
	ui.body = container.NewStack()
	ui.nav = widget.NewList(
		func() int { return len(ui.screens) },
		func() fyne.CanvasObject {
			return container.NewHBox(widget.NewIcon(theme.HomeIcon()), widget.NewLabel("Remediation Center"))
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			row.Objects[0].(*widget.Icon).SetResource(ui.screens[id].icon())
			row.Objects[1].(*widget.Label).SetText(ui.screens[id].title())
		},
	)
	ui.nav.OnSelected = func(id widget.ListItemID) { ui.show(id) }
	split := container.NewHSplit(ui.nav, ui.body)
	split.Offset = 0.17
	ui.win.SetContent(split)
	ui.win.Resize(fyne.NewSize(1280, 800))
	ui.addShortcuts()
	h.Runner.Subscribe(ui.onJobEvent)
	ui.nav.Select(0)
	return ui
}

// Window is the main window.
func (ui *App) Window() fyne.Window { return ui.win }

// Show switches to the screen at index i.
func (ui *App) show(i int) {
	ui.current = i
	s := ui.screens[i]
	ui.body.Objects = []fyne.CanvasObject{s.content()}
	ui.body.Refresh()
	ui.win.SetTitle("PatchDesk — " + s.title())
	ui.background(s.reload)
}

// ShowScreen selects a screen by title (used by click-throughs and tests).
func (ui *App) ShowScreen(title string) bool {
	for i, s := range ui.screens {
		if s.title() == title {
			ui.nav.Select(i)
			return true
		}
	}
	return false
}

// ScreenTitles lists the navigation entries in order.
func (ui *App) ScreenTitles() []string {
	titles := make([]string, len(ui.screens))
	for i, s := range ui.screens {
		titles[i] = s.title()
	}
	return titles
}

func (ui *App) addShortcuts() {
	c := ui.win.Canvas()
	keys := []fyne.KeyName{fyne.Key1, fyne.Key2, fyne.Key3, fyne.Key4, fyne.Key5, fyne.Key6, fyne.Key7, fyne.Key8, fyne.Key9}
	for i := range ui.screens {
		if i >= len(keys) {
			break
		}
		c.AddShortcut(&desktop.CustomShortcut{KeyName: keys[i], Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { ui.nav.Select(i) })
	}
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyR, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) {
		ui.background(ui.screens[ui.current].reload)
	})
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyQ, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { ui.fyne.Quit() })
}

// onJobEvent runs on a job's goroutine: hand the update to the UI thread.
func (ui *App) onJobEvent(e jobs.Event) {
	fyne.Do(func() { ui.jobs.onEvent(e) })
	if e.Finished == nil {
		return
	}
	ui.background(ui.dashboard.reload)
	if e.Finished.Outcome == model.OutcomeFailed {
		ui.fyne.SendNotification(fyne.NewNotification("PatchDesk: job "+e.Job+" failed", e.Finished.Message))
	}
}

// runJob starts a job in the background; the Jobs screen follows its progress.
func (ui *App) runJob(name string) {
	ui.background(func() {
		if _, err := ui.host.Runner.Run(context.Background(), name, "manual"); err != nil {
			ui.host.Log.Warn("job run from the console", "job", name, "err", err)
			fyne.Do(func() { showError(ui.win, fmt.Errorf("job %s: %w", name, err)) })
		}
	})
}

// SetupTray puts PatchDesk in the system tray where the desktop has one, and makes closing the
// window hide it when the "keep running in the tray" setting is on.
func (ui *App) SetupTray(icon fyne.Resource) {
	desk, hasTray := ui.fyne.(desktop.App)
	hasTray = hasTray && trayAvailable()
	if hasTray {
		open := fyne.NewMenuItem("Open PatchDesk", func() { ui.win.Show(); ui.win.RequestFocus() })
		importNow := fyne.NewMenuItem("Run catalog import now", func() { ui.runJob("import-catalog") })
		if _, err := ui.host.Runner.Lookup("import-catalog"); err != nil {
			importNow.Disabled = true
		}
		desk.SetSystemTrayMenu(fyne.NewMenu("PatchDesk", open, importNow))
		if icon != nil {
			desk.SetSystemTrayIcon(icon)
		}
	}
	ui.win.SetCloseIntercept(func() {
		v, err := ui.host.Settings.Load(context.Background())
		if hasTray && err == nil && v.Bool(settings.KeyCloseToTray) {
			ui.win.Hide()
			return
		}
		ui.fyne.Quit()
	})
}

// trayAvailable tells whether a system tray can exist here. On Linux and the BSDs the tray is a
// D-Bus service: without a session bus there is none, and Fyne's tray would fail (and crash on
// quit), so closing the window must then quit instead of hiding it.
func trayAvailable() bool {
	switch runtime.GOOS {
	case "windows", "darwin":
		return true
	}
	return os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}
