package ui

import (
	"context"
	"errors"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/jonboulle/clockwork"

	"patchdesk/assets"
	"patchdesk/jobs"
	"patchdesk/model"
	"patchdesk/model/settings"
)

// fixedNow is the clock every screen test runs at, so screenshots do not change with the day.
var fixedNow = time.Date(2026, 11, 27, 10, 0, 0, 0, time.Local)

// testDataDir is a fixed path because the dashboard shows it and its screenshot must not change.
func testDataDir(t *testing.T) string {
	dir := filepath.Join(os.TempDir(), "patchdesk-ui-test")
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func newTestConsole(t *testing.T) (*App, Host) {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(theme.LightTheme())
	dir := testDataDir(t)
	log := slog.New(slog.DiscardHandler)
	store, err := model.Open(context.Background(), dir, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	src := settings.Source{DB: store.DB, Env: settings.Env{DataDir: dir, Hostname: "desk01"}}
	runner := jobs.NewRunner(store, dir, "gui", log)
	runner.Register(jobs.ImportJob(store, src, assets.Catalog(), log))
	runner.Register(jobs.ComplianceJob(store))
	runner.Register(jobs.MaintenanceJob(store, src))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sched, err := jobs.NewScheduler(ctx, runner, clockwork.NewFakeClockAt(fixedNow), log)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := src.Load(ctx)
	if err := sched.Apply(v); err != nil {
		t.Fatal(err)
	}
	sched.Start()
	t.Cleanup(func() { sched.Shutdown() })
	h := Host{DataDir: dir, Store: store, Settings: src, Runner: runner, Scheduler: sched, Log: log,
		Actor: "tester@gui", Version: "0.1.0", Now: func() time.Time { return fixedNow },
		CatalogOffer: func(ctx context.Context) (model.CatalogOffer, error) {
			return jobs.OfferedBy(ctx, src, assets.Catalog(), nil, nil)
		}}
	ui := newApp(a, h, func(f func()) { f() })
	ui.win.Resize(fyne.NewSize(1280, 800))
	return ui, h
}

func TestEveryScreenRenders(t *testing.T) {
	ui, _ := newTestConsole(t)
	want := []string{"Dashboard", "Remediation Center", "Computers", "Policies", "Reports", "Jobs", "Settings"}
	if got := strings.Join(ui.ScreenTitles(), ","); got != strings.Join(want, ",") {
		t.Fatalf("navigation = %s, want %s", got, strings.Join(want, ","))
	}
	for _, title := range want {
		t.Run(title, func(t *testing.T) {
			if !ui.ShowScreen(title) {
				t.Fatalf("no screen %q", title)
			}
			name := strings.ToLower(strings.ReplaceAll(title, " ", "_"))
			test.AssertImageMatches(t, "screens/"+name+".png", ui.win.Canvas().Capture())
		})
	}
}

func fieldFor(t *testing.T, s *settingsScreen, key string) *field {
	t.Helper()
	for _, f := range s.fields {
		if f.def.Key == key {
			return f
		}
	}
	t.Fatalf("pane %s has no field %s", s.pane.ID, key)
	return nil
}

func selectPane(t *testing.T, s *settingsScreen, id string) {
	t.Helper()
	for i, p := range settings.Panes {
		if p.ID == id {
			s.panes.Select(i)
			return
		}
	}
	t.Fatalf("no pane %s", id)
}

func TestSettingsPaneSavesAndReloads(t *testing.T) {
	ui, h := newTestConsole(t)
	ui.ShowScreen("Settings")
	s := ui.settings
	selectPane(t, s, "host")
	if !s.save.Disabled() {
		t.Fatal("Save is enabled before any edit")
	}
	entry := fieldFor(t, s, settings.KeyMaintenanceSched).editor.(*fyne.Container).Objects[0].(*widget.Entry)
	if words := fieldFor(t, s, settings.KeyMaintenanceSched).editor.(*fyne.Container).Objects[1].(*widget.Label); words.Text != "Daily at 04:00" {
		t.Errorf("schedule in words = %q", words.Text)
	}
	entry.SetText("")
	test.Type(entry, "weekly sun 05:30")
	days := fieldFor(t, s, settings.KeyHistoryDays).editor.(*widget.Entry)
	days.SetText("30")
	test.Tap(s.save)

	v, err := h.Settings.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v.Raw(settings.KeyMaintenanceSched) != "weekly sun 05:30" || v.Int(settings.KeyHistoryDays) != 30 {
		t.Fatalf("stored %q and %d", v.Raw(settings.KeyMaintenanceSched), v.Int(settings.KeyHistoryDays))
	}
	// Saving rescheduled the job at once.
	next, ok := h.Scheduler.NextRun("database-maintenance")
	if !ok || next.Weekday() != time.Sunday || next.Hour() != 5 || next.Minute() != 30 {
		t.Fatalf("next maintenance run = %v %v, want a Sunday 05:30", next, ok)
	}
	// A fresh console on the same database shows the saved values.
	again := newApp(test.NewTempApp(t), h, func(f func()) { f() })
	again.ShowScreen("Settings")
	selectPane(t, again.settings, "host")
	if got := fieldFor(t, again.settings, settings.KeyHistoryDays).get(); got != "30" {
		t.Fatalf("reloaded pane shows %q, want 30", got)
	}
	if !again.settings.save.Disabled() {
		t.Fatal("a freshly loaded pane has unsaved changes")
	}
}

func TestSettingsPaneRejectsBadValue(t *testing.T) {
	ui, h := newTestConsole(t)
	ui.ShowScreen("Settings")
	s := ui.settings
	selectPane(t, s, "remediation")
	interval := fieldFor(t, s, settings.KeyFilterInterval).editor.(*widget.Entry)
	interval.SetText("-5m")
	if interval.Validate() == nil {
		t.Fatal("the entry accepts a negative interval")
	}
	attempts := fieldFor(t, s, settings.KeyTerminateAfter).editor.(*widget.Entry)
	attempts.SetText("2h")
	test.Tap(s.save)
	v, _ := h.Settings.Load(context.Background())
	if !v.IsDefault(settings.KeyFilterInterval) || !v.IsDefault(settings.KeyTerminateAfter) {
		t.Fatal("a pane with a bad value saved something")
	}
	if s.save.Disabled() {
		t.Fatal("the rejected edits were thrown away")
	}
}

// The password field never shows the stored secret: left empty it keeps it, typing replaces it,
// Clear removes it.
func TestSettingsPasswordField(t *testing.T) {
	ui, h := newTestConsole(t)
	ctx := context.Background()
	if _, err := h.Settings.Save(ctx, "t", map[string]string{settings.KeyRunAsPassword: "first"}); err != nil {
		t.Fatal(err)
	}
	ui.ShowScreen("Settings")
	s := ui.settings
	selectPane(t, s, "remediation")
	box := fieldFor(t, s, settings.KeyRunAsPassword).editor.(*fyne.Container)
	var entry *widget.Entry
	var clearBtn *widget.Button
	for _, o := range box.Objects {
		switch w := o.(type) {
		case *widget.Entry:
			entry = w
		case *widget.Button:
			clearBtn = w
		}
	}
	if entry == nil || clearBtn == nil || !entry.Password || entry.Text != "" {
		t.Fatalf("password editor: entry %v, clear %v", entry, clearBtn)
	}
	if !s.save.Disabled() {
		t.Fatal("an untouched password field counts as an edit")
	}
	password := func() string {
		v, _ := h.Settings.Load(ctx)
		p, err := v.Secret(settings.KeyRunAsPassword)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	test.Type(entry, "second")
	test.Tap(s.save)
	if got := password(); got != "second" {
		t.Fatalf("after typing, the stored password is %q", got)
	}
	if entry.Text != "" {
		t.Fatal("the saved password is still in the entry")
	}
	test.Tap(clearBtn)
	test.Tap(s.save)
	if got := password(); got != "" {
		t.Fatalf("after Clear, the stored password is %q", got)
	}
}

func TestDependentSettingIsGreyedOut(t *testing.T) {
	ui, _ := newTestConsole(t)
	ui.ShowScreen("Settings")
	s := ui.settings
	selectPane(t, s, "plugin")
	notify := fieldFor(t, s, settings.KeyNotifyUser).editor.(*widget.Check)
	minutes := fieldFor(t, s, settings.KeyNotifyMinutes).editor.(*widget.Entry)
	if minutes.Disabled() {
		t.Fatal("minutes disabled while Notify user is on")
	}
	notify.SetChecked(false)
	if !minutes.Disabled() {
		t.Fatal("minutes still enabled with Notify user off")
	}
}

func TestSeverityEditor(t *testing.T) {
	ui, h := newTestConsole(t)
	ui.ShowScreen("Settings")
	e := ui.settings.severities
	for _, name := range []string{"Now", "Later"} {
		e.name.SetText(name)
		test.Tap(findButton(t, e.root, "Add"))
	}
	e.list.Select(1)
	test.Tap(findButton(t, e.root, "Move up"))
	levels, _ := h.Store.SeverityLevels(context.Background())
	if len(levels) != 2 || levels[0].Name != "Later" {
		t.Fatalf("levels = %+v, want Later first", levels)
	}
}

func TestJobsScreenRunNow(t *testing.T) {
	ui, h := newTestConsole(t)
	ui.ShowScreen("Jobs")
	s := ui.jobs
	test.Tap(s.rows["database-maintenance"].run)
	runs, err := h.Store.JobRuns(context.Background(), "database-maintenance", 10)
	if err != nil || len(runs) != 1 || runs[0].Outcome != model.OutcomeSucceeded || runs[0].Trigger != "manual" {
		t.Fatalf("runs = %+v, %v", runs, err)
	}
	s.selected = "database-maintenance"
	s.reload()
	if len(s.runs) != 1 || s.historyCell(widget.TableCellID{Row: 1, Col: 2}) != "succeeded" {
		t.Fatalf("history shows %d runs", len(s.runs))
	}
	if !strings.HasPrefix(s.rows["database-maintenance"].last.Text, "Last run: just now, succeeded") {
		t.Fatalf("last run line = %q", s.rows["database-maintenance"].last.Text)
	}
}

func findButton(t *testing.T, root fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Button:
			if w.Text == text {
				found = w
			}
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		}
	}
	walk(root)
	if found == nil {
		t.Fatalf("no button %q", text)
	}
	return found
}

// TestScreenshots writes a PNG of every screen and settings pane, in the light and dark theme,
// to $PATCHDESK_SCREENSHOTS (make screenshots). It is skipped otherwise.
func TestScreenshots(t *testing.T) {
	out := os.Getenv("PATCHDESK_SCREENSHOTS")
	if out == "" {
		t.Skip("set PATCHDESK_SCREENSHOTS=DIR to write screenshots")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	ui, h := newTestConsole(t)
	if _, err := h.Runner.Run(context.Background(), jobs.ImportJobName, "manual"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Store.AddWindow(context.Background(), h.Actor, "Patch Tuesday", "2nd tue +3 01:00-05:00", "after Microsoft's release"); err != nil {
		t.Fatal(err)
	}
	if err := h.Store.AssignWindow(context.Background(), h.Actor, "Patch Tuesday", "Windows computers with the agent", true); err != nil {
		t.Fatal(err)
	}
	shoot := func(name string) {
		f, err := os.Create(filepath.Join(out, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := png.Encode(f, ui.win.Canvas().Capture()); err != nil {
			t.Fatal(err)
		}
	}
	for _, variant := range []struct {
		name string
		th   fyne.Theme
	}{{"light", theme.LightTheme()}, {"dark", theme.DarkTheme()}} {
		fyne.CurrentApp().Settings().SetTheme(variant.th)
		for i, title := range ui.ScreenTitles() {
			ui.ShowScreen(title)
			shoot(variant.name + "-" + string(rune('1'+i)) + "-" + strings.ToLower(strings.ReplaceAll(title, " ", "-")))
		}
		ui.ShowScreen("Settings")
		for i, p := range settings.Panes {
			ui.settings.panes.Select(i)
			shoot(variant.name + "-settings-" + p.ID)
		}
		ui.ShowScreen("Remediation Center")
		rc := ui.screens[1].(*remediationScreen)
		rc.search.SetText("KB5039211") // June 2024 cumulative update for Windows 10 22H2
		if len(rc.rows) == 0 {
			t.Fatal("the snapshot lacks KB5039211")
		}
		rc.current = rc.rows[0].ID
		rc.showProperties()
		shoot(variant.name + "-remediation-properties")
		rc.showUpdates()
		shoot(variant.name + "-remediation-updates")
		for _, o := range ui.win.Canvas().Overlays().List() {
			ui.win.Canvas().Overlays().Remove(o)
		}
		rc.search.SetText("")
		ui.ShowScreen("Computers")
		ui.screens[2].(*computersScreen).showTargets()
		shoot(variant.name + "-computers-targets")
		for _, o := range ui.win.Canvas().Overlays().List() {
			ui.win.Canvas().Overlays().Remove(o)
		}
		ui.ShowScreen("Policies")
		ui.screens[3].(*policiesScreen).showWindows()
		shoot(variant.name + "-policies-windows")
		for _, o := range ui.win.Canvas().Overlays().List() {
			ui.win.Canvas().Overlays().Remove(o)
		}
	}
}

// seedCatalog writes a small catalog through the same writer the import uses.
func seedCatalog(t *testing.T, store *model.Store) {
	t.Helper()
	day := func(d int) time.Time { return time.Date(2026, 10, d, 0, 0, 0, 0, time.UTC) }
	bulletins := []model.CatalogBulletin{
		{ID: "KB5066791", Vendor: "Microsoft", Software: "Windows 10", Title: "2026-10 Cumulative Update for Windows 10 Version 22H2", Severity: "Critical",
			Released: day(14), Revised: day(14), CVEs: []model.CatalogCVE{{ID: "CVE-2026-1001"}, {ID: "CVE-2026-1002"}},
			Updates: []model.CatalogUpdate{{ID: "KB5066791-x64", Name: "Windows 10 22H2 x64", KB: "KB5066791", Architecture: "x64", Language: "en",
				URL: "https://catalog.example/KB5066791", ManualDownload: true}}},
		{ID: "Notepad++.Notepad++ 8.8.1", Vendor: "Notepad++ Team", Software: "Notepad++", Title: "Notepad++ 8.8.1", Severity: "Important",
			Released: day(2), Revised: day(3),
			Updates: []model.CatalogUpdate{{ID: "Notepad++.Notepad++ 8.8.1 x64", Name: "Notepad++ 8.8.1 x64 exe", Architecture: "x64", Language: "en",
				URL: "https://downloads.example/npp.8.8.1.Installer.x64.exe", FileName: "npp.8.8.1.Installer.x64.exe", Size: 5 << 20,
				SHA256: strings.Repeat("ab", 32), CommandLine: "npp.8.8.1.Installer.x64.exe /S"}}},
	}
	_, err := store.ApplyCatalog(context.Background(), []model.CatalogUnit{{Location: "test", Unit: "seed", Digest: "1", Bulletins: bulletins, Offer: model.Offer(bulletins)}}, model.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRemediationCenter(t *testing.T) {
	ui, h := newTestConsole(t)
	seedCatalog(t, h.Store)
	ui.ShowScreen("Remediation Center")
	s := ui.screens[1].(*remediationScreen)
	if len(s.rows) != 2 || s.rows[0].ID != "KB5066791" {
		t.Fatalf("rows = %+v, want the two bulletins, newest first", s.rows)
	}
	test.AssertImageMatches(t, "screens/remediation_center_full.png", ui.win.Canvas().Capture())

	s.search.SetText("notepad")
	if len(s.rows) != 1 || s.rows[0].Vendor != "Notepad++ Team" {
		t.Fatalf("search notepad: %+v", s.rows)
	}
	s.search.SetText("")
	s.severity.SetSelected("Critical")
	if len(s.rows) != 1 || s.rows[0].ID != "KB5066791" {
		t.Fatalf("severity Critical: %+v", s.rows)
	}
	s.severity.SetSelected(allSeverities)

	// Sort by bulletin id, ascending, by tapping its header.
	hdr := widget.NewButton("", nil)
	s.header(1, hdr)
	test.Tap(hdr)
	if s.rows[0].ID != "KB5066791" || s.filter.Sort != "id" || s.filter.Desc {
		t.Fatalf("after sorting by id: %v %v %+v", s.filter.Sort, s.filter.Desc, s.rows)
	}

	// Multi-select both rows and disable them.
	s.checked["KB5066791"], s.checked["Notepad++.Notepad++ 8.8.1"] = true, true
	s.setDisabled(true)
	rows, _ := h.Store.Bulletins(context.Background(), model.BulletinFilter{})
	for _, r := range rows {
		if !r.Disabled {
			t.Fatalf("%s not disabled", r.ID)
		}
	}
	trail, _ := h.Store.AuditTrail(context.Background(), "bulletin:KB5066791", 5)
	if len(trail) != 1 || trail[0].Actor != "tester@gui" || trail[0].Action != "disable" {
		t.Fatalf("audit trail = %+v", trail)
	}
}

func TestRemediationCenterEmpty(t *testing.T) {
	ui, _ := newTestConsole(t)
	ui.ShowScreen("Remediation Center")
	s := ui.screens[1].(*remediationScreen)
	if s.root.Objects[0] != s.empty {
		t.Fatal("an empty catalog does not show the empty state")
	}
}

func TestImportUpdateList(t *testing.T) {
	ui, h := newTestConsole(t)
	ui.ShowScreen("Settings")
	s := ui.settings
	selectPane(t, s, "import")
	offer, err := h.CatalogOffer(context.Background())
	if err != nil || len(offer.Vendors) < 5 {
		t.Fatalf("offer of the snapshot: %d vendors, %v", len(offer.Vendors), err)
	}
	s.showOffer(offer)
	s.setField(settings.KeyImportVendors, []string{"Microsoft", "VideoLAN"})
	test.Tap(s.save)
	v, _ := h.Settings.Load(context.Background())
	if got := v.List(settings.KeyImportVendors); len(got) != 2 || got[0] != "Microsoft" {
		t.Fatalf("import.vendors = %v", got)
	}
}

func TestFailedJobNotifies(t *testing.T) {
	_, h := newTestConsole(t) // the console subscribes to job events
	h.Runner.Register(jobs.Job{Name: "always-fails", Title: "Fails", Run: func(ctx context.Context, run *jobs.Run) error {
		return errors.New("the disk is full")
	}})
	want := fyne.NewNotification("PatchDesk: job always-fails failed", "the disk is full")
	test.AssertNotificationSent(t, want, func() {
		h.Runner.Run(context.Background(), "always-fails", "manual")
	})
}
