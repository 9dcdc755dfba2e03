package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchdesk/agentsvc/wire"
	"patchdesk/model"
	"patchdesk/model/inventory"
)

// offlineAfter is how long without a check-in makes a computer offline: two missed check-ins
// at the listener's default interval of 10 minutes.
const offlineAfter = 20 * time.Minute

// computersScreen lists the computers whose agents enrolled, with a detail view (inventory,
// events) and the actions Run scan now, Revoke and Delete.
type computersScreen struct {
	ui    *App
	root  *fyne.Container
	list  fyne.CanvasObject
	empty fyne.CanvasObject

	search *widget.Entry
	target *widget.Select
	count  *widget.Label
	table  *widget.Table
	detail *fyne.Container

	rows       []model.Computer
	compliance map[uint]model.ComplianceCounts
	selected   uint
	now        time.Time
}

type computerColumn struct {
	title string
	width float32
	value func(c model.Computer, now time.Time) string
	// count, when set, shows one of the computer's compliance counts instead of value.
	count func(model.ComplianceCounts) int
}

var computerColumns = []computerColumn{
	{"Name", 170, func(c model.Computer, _ time.Time) string { return c.Name }, nil},
	{"OS", 230, func(c model.Computer, _ time.Time) string { return c.OSName }, nil},
	{"Build", 100, func(c model.Computer, _ time.Time) string { return osBuild(c) }, nil},
	{"IP", 120, func(c model.Computer, _ time.Time) string { return c.LastAddress }, nil},
	{"Last check-in", 120, func(c model.Computer, now time.Time) string { return agoPtr(c.LastCheckinAt, now) }, nil},
	{"Last inventory", 120, func(c model.Computer, now time.Time) string { return agoPtr(c.LastInventoryAt, now) }, nil},
	{"Agent", 90, func(c model.Computer, _ time.Time) string { return c.AgentVersion }, nil},
	{"State", 90, func(c model.Computer, now time.Time) string { return computerState(c, now) }, nil},
	{"Applicable", 90, nil, func(k model.ComplianceCounts) int { return k.Applicable }},
	{"Installed", 85, nil, func(k model.ComplianceCounts) int { return k.Installed }},
	{"Missing", 80, nil, func(k model.ComplianceCounts) int { return k.Missing }},
}

// cell is what the table shows for computer c in column col.
func (s *computersScreen) cell(c model.Computer, col computerColumn) string {
	if col.count == nil {
		return col.value(c, s.now)
	}
	k, ok := s.compliance[c.ID]
	if !ok || !k.Evaluated {
		return "—" // no inventory evaluated yet
	}
	text := fmt.Sprint(col.count(k))
	if col.title == "Missing" && k.Unknown > 0 {
		text += fmt.Sprintf(" +%d?", k.Unknown) // updates whose rules the inventory could not decide
	}
	return text
}

func osBuild(c model.Computer) string {
	if c.OSBuild == 0 {
		return c.OSVersion
	}
	return fmt.Sprintf("%d.%d", c.OSBuild, c.OSUBR)
}

func agoPtr(t *time.Time, now time.Time) string {
	if t == nil {
		return "never"
	}
	return ago(*t, now)
}

func computerState(c model.Computer, now time.Time) string {
	switch {
	case c.Revoked:
		return "revoked"
	case c.LastCheckinAt == nil || now.Sub(*c.LastCheckinAt) > offlineAfter:
		return "offline"
	}
	return "online"
}

func newComputersScreen(ui *App) *computersScreen {
	s := &computersScreen{ui: ui, search: widget.NewEntry(), count: widget.NewLabel(""), detail: container.NewStack()}
	s.search.SetPlaceHolder("Search computer names")
	s.search.OnChanged = func(string) { ui.background(s.reload) }
	s.target = widget.NewSelect([]string{allComputers}, func(string) { ui.background(s.reload) })
	s.target.Selected = allComputers
	s.table = widget.NewTable(
		func() (int, int) { return len(s.rows), len(computerColumns) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(s.cell(s.rows[id.Row], computerColumns[id.Col]))
		},
	)
	s.table.ShowHeaderRow = true
	s.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		l := o.(*widget.Label)
		l.TextStyle = fyne.TextStyle{Bold: true}
		l.SetText(computerColumns[id.Col].title)
	}
	for i, c := range computerColumns {
		s.table.SetColumnWidth(i, c.width)
	}
	s.table.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(s.rows) {
			s.selected = s.rows[id.Row].ID
			c := s.rows[id.Row]
			ui.background(func() { s.loadDetail(c) })
		}
	}
	add := widget.NewButtonWithIcon("Add computers", theme.ContentAddIcon(), s.addComputers)
	add.Importance = widget.HighImportance
	targets := widget.NewButtonWithIcon("Targets", theme.ListIcon(), s.showTargets)
	refresh := widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), func() { ui.background(s.reload) })
	s.count.TextStyle = fyne.TextStyle{Bold: true}
	s.detail.Objects = []fyne.CanvasObject{widget.NewLabel("Select a computer to see its inventory and events.")}
	split := container.NewVSplit(s.table, s.detail)
	split.Offset = 0.55
	targetBox := container.NewGridWrap(fyne.NewSize(260, s.target.MinSize().Height), s.target)
	s.list = container.NewBorder(container.NewBorder(nil, nil, nil, container.NewHBox(targetBox, s.count), s.search), nil, nil, nil, split)
	addFirst := widget.NewButtonWithIcon("Add computers", theme.ContentAddIcon(), s.addComputers)
	addFirst.Importance = widget.HighImportance
	s.empty = emptyState(theme.ComputerIcon(), "No computers yet",
		"A computer appears here when patchagent on it enrols with this host. Create an enrolment token and run the command it gives on each PC.",
		addFirst)
	s.root = container.NewBorder(
		screenHeader("Computers", "Every PC that runs patchagent: its OS, last check-in and inventory.", add, targets, refresh), nil, nil, nil, s.empty)
	return s
}

// showTargets opens the targets (saved computer queries) over the screen.
func (s *computersScreen) showTargets() {
	v := newTargetsView(s.ui, func() { s.ui.background(s.reload) })
	d := dialog.NewCustom("Targets", "Close", v.root, s.ui.win)
	d.Resize(fyne.NewSize(1000, 560))
	d.Show()
	s.ui.background(v.reload)
}

// live marks the screen for the console's periodic refresh: agents change what it shows.
func (s *computersScreen) live() {}

func (s *computersScreen) title() string              { return "Computers" }
func (s *computersScreen) icon() fyne.Resource        { return theme.ComputerIcon() }
func (s *computersScreen) content() fyne.CanvasObject { return s.root }

// allComputers is the target filter's choice that keeps every computer.
const allComputers = "All computers"

type computersData struct {
	rows       []model.Computer
	total      int
	compliance map[uint]model.ComplianceCounts
	targets    []string
	now        time.Time
}

func (s *computersScreen) reload() {
	ctx := context.Background()
	var name, target string
	fyne.DoAndWait(func() { name, target = s.search.Text, s.target.Selected })
	d, err := s.load(ctx, name, target)
	if err != nil {
		s.ui.host.Log.Error("load computers", "err", err)
		return
	}
	fyne.Do(func() { s.apply(d) })
}

func (s *computersScreen) load(ctx context.Context, name, target string) (computersData, error) {
	st := s.ui.host.Store
	d := computersData{now: s.ui.host.Now()}
	all, err := st.Computers(ctx, model.ComputerQuery{})
	if err != nil {
		return d, err
	}
	if d.compliance, err = st.ComputerCompliance(ctx); err != nil {
		return d, err
	}
	targets, err := st.Targets(ctx)
	if err != nil {
		return d, err
	}
	for _, t := range targets {
		d.targets = append(d.targets, t.Name)
	}
	var members map[uint]bool
	if target != "" && target != allComputers && slices.Contains(d.targets, target) {
		ids, err := st.TargetMemberIDs(ctx, target)
		if err != nil {
			return d, err
		}
		members = map[uint]bool{}
		for _, id := range ids {
			members[id] = true
		}
	}
	d.total = len(all)
	for _, c := range all {
		if name != "" && !strings.Contains(strings.ToLower(c.Name), strings.ToLower(name)) {
			continue
		}
		if members != nil && !members[c.ID] {
			continue
		}
		d.rows = append(d.rows, c.Computer)
	}
	return d, nil
}

func (s *computersScreen) apply(d computersData) {
	want := s.list
	if d.total == 0 {
		want = s.empty
	}
	if s.root.Objects[0] != want {
		s.root.Objects[0] = want
		s.root.Refresh()
	}
	s.rows, s.now, s.compliance = d.rows, d.now, d.compliance
	s.target.SetOptions(append([]string{allComputers}, d.targets...))
	s.count.SetText(fmt.Sprintf("%d of %d computers", len(d.rows), d.total))
	s.list.Refresh() // the count's width changed: lay the bar out again
	s.table.Refresh()
}

// loadDetail reads one computer's inventory and events off the UI thread.
func (s *computersScreen) loadDetail(c model.Computer) {
	ctx := context.Background()
	full, err := s.ui.host.Store.FindComputer(ctx, fmt.Sprint(c.ID))
	var inv inventory.Inventory
	var hasInv bool
	if err == nil {
		inv, hasInv, err = full.DecodeInventory()
	}
	var events []model.AgentEvent
	if err == nil {
		events, err = s.ui.host.Store.AgentEvents(ctx, c.ID, 200)
	}
	var updates []model.ComplianceRow
	if err == nil {
		updates, err = s.ui.host.Store.Compliance(ctx, model.ComplianceFilter{ComputerID: c.ID})
	}
	var deliveries []model.DeliveryEvent
	if err == nil {
		deliveries, err = s.ui.host.Store.DeliveryEvents(ctx, c.ID, 500)
	}
	fyne.Do(func() {
		if err != nil {
			showError(s.ui.win, err)
			return
		}
		s.showDetail(c, detail{inv: inv, hasInv: hasInv, events: events, updates: updates, deliveries: deliveries,
			evaluated: s.compliance[c.ID].Evaluated})
	})
}

// detail is what a computer's detail view shows.
type detail struct {
	inv        inventory.Inventory
	hasInv     bool
	evaluated  bool
	events     []model.AgentEvent
	updates    []model.ComplianceRow
	deliveries []model.DeliveryEvent
}

func (s *computersScreen) showDetail(c model.Computer, d detail) {
	scan := widget.NewButtonWithIcon("Run scan now", theme.SearchIcon(), func() {
		s.act(c, "scan", func(ctx context.Context) error { return s.ui.host.Store.RequestScan(ctx, s.ui.host.Actor, c.ID) })
	})
	revoke := widget.NewButtonWithIcon("Revoke", theme.CancelIcon(), func() {
		dialog.ShowConfirm("Revoke "+c.Name, "The agent's calls are refused from now on; it must enrol with a new token to come back.", func(ok bool) {
			if ok {
				s.act(c, "revoke", func(ctx context.Context) error { return s.ui.host.Store.RevokeComputer(ctx, s.ui.host.Actor, c.ID) })
			}
		}, s.ui.win)
	})
	del := widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), func() {
		dialog.ShowConfirm("Delete "+c.Name, "The computer and its inventory are deleted; its agent must enrol again.", func(ok bool) {
			if ok {
				s.selected = 0
				s.act(c, "delete", func(ctx context.Context) error { return s.ui.host.Store.DeleteComputer(ctx, s.ui.host.Actor, c.ID) })
			}
		}, s.ui.win)
	})
	if c.Revoked {
		revoke.Disable()
		scan.Disable()
	}
	title := widget.NewLabelWithStyle(fmt.Sprintf("%s  ·  %s %s  ·  %s", c.Name, c.OSName, osBuild(c), computerState(c, s.now)), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	tabs := container.NewAppTabs(
		container.NewTabItem(fmt.Sprintf("Updates (%d)", len(d.updates)), updatesView(d.updates, d.evaluated)),
		container.NewTabItem(fmt.Sprintf("Deliveries (%d)", len(d.deliveries)), deliveriesView(d.deliveries)),
		container.NewTabItem("Inventory", inventoryView(d.inv, d.hasInv)),
		container.NewTabItem(fmt.Sprintf("Events (%d)", len(d.events)), eventsView(d.events)),
	)
	s.detail.Objects = []fyne.CanvasObject{container.NewBorder(container.NewBorder(nil, nil, nil, container.NewHBox(scan, revoke, del), title), nil, nil, nil, tabs)}
	s.detail.Refresh()
}

// act applies an action and tells the running listener at once rather than within its poll.
func (s *computersScreen) act(c model.Computer, what string, op func(context.Context) error) {
	ctx := context.Background()
	if err := op(ctx); err != nil {
		showError(s.ui.win, fmt.Errorf("%s %s: %w", what, c.Name, err))
		return
	}
	if l := s.ui.host.Listener; l != nil {
		if err := l.Refresh(ctx); err != nil {
			s.ui.host.Log.Warn("refresh listener after "+what, "err", err)
		}
	}
	if what == "delete" {
		s.detail.Objects = []fyne.CanvasObject{widget.NewLabel(c.Name + " was deleted.")}
		s.detail.Refresh()
	}
	s.ui.background(s.reload)
}

func inventoryView(inv inventory.Inventory, ok bool) fyne.CanvasObject {
	if !ok {
		return widget.NewLabel("The agent has not sent an inventory yet.")
	}
	facts := widget.NewForm(
		widget.NewFormItem("Host", widget.NewLabel(strings.Trim(inv.Hostname+"."+inv.Domain, "."))),
		widget.NewFormItem("OS", widget.NewLabel(strings.TrimSpace(fmt.Sprintf("%s %s %s (%s)", inv.OS.Name, inv.OS.DisplayVersion, inv.OS.FullBuild(), inv.OS.Arch)))),
		widget.NewFormItem("Addresses", wrapped(strings.Join(append(slices.Clone(inv.IPs), inv.MACs...), "  "))),
		widget.NewFormItem("Languages", widget.NewLabel(strings.Join(inv.Languages, ", "))),
		widget.NewFormItem("Restart pending", widget.NewLabel(fmt.Sprint(inv.RebootNeeded))),
		widget.NewFormItem(fmt.Sprintf("Updates (%d)", len(inv.KBs)), wrapped(strings.Join(inv.KBs, "  "))),
	)
	sw := inv.Software
	cols := []column[inventory.Software]{
		{"Software", 300, func(x inventory.Software) string { return x.Name }},
		{"Version", 130, func(x inventory.Software) string { return x.Version }},
		{"Publisher", 200, func(x inventory.Software) string { return x.Publisher }},
		{"Installed", 100, func(x inventory.Software) string { return x.InstallDate }},
		{"Product code", 300, func(x inventory.Software) string { return x.ProductCode }},
	}
	t := rowsTable(func() []inventory.Software { return sw }, cols)
	split := container.NewHSplit(container.NewVScroll(facts), t)
	split.Offset = 0.35
	return split
}

func eventsView(events []model.AgentEvent) fyne.CanvasObject {
	if len(events) == 0 {
		return widget.NewLabel("No events from this agent.")
	}
	var lines []string
	for _, e := range events {
		lines = append(lines, fmt.Sprintf("%s  %-7s %s  %s", e.At.Local().Format(time.DateTime), e.Severity, e.Kind, e.Message))
	}
	return container.NewVScroll(wrapped(strings.Join(lines, "\n")))
}

// updatesView lists the updates that apply to the computer and their state.
func updatesView(rows []model.ComplianceRow, evaluated bool) fyne.CanvasObject {
	if !evaluated {
		return widget.NewLabel("Updates are evaluated once the agent has sent its inventory and compliance has been computed.")
	}
	if len(rows) == 0 {
		return widget.NewLabel("No update of the catalog applies to this computer.")
	}
	// Not installed first, then unknown, installed and not applicable.
	slices.SortStableFunc(rows, func(a, b model.ComplianceRow) int { return int(b.State) - int(a.State) })
	cols := []column[model.ComplianceRow]{
		{"State", 120, func(r model.ComplianceRow) string { return strings.ReplaceAll(r.State.String(), "_", " ") }},
		{"Bulletin", 240, func(r model.ComplianceRow) string { return r.Bulletin }},
		{"Update", 420, func(r model.ComplianceRow) string { return r.UpdateName }},
		{"KB", 100, func(r model.ComplianceRow) string { return r.KB }},
		{"Superseded", 90, func(r model.ComplianceRow) string {
			if r.Superseded {
				return "yes"
			}
			return ""
		}},
	}
	t := rowsTable(func() []model.ComplianceRow { return rows }, cols)
	return t
}

// deliveriesView lists the status changes the agent reported while installing updates (the
// guide's Table 4-1 statuses), newest first.
func deliveriesView(events []model.DeliveryEvent) fyne.CanvasObject {
	if len(events) == 0 {
		return widget.NewLabel("The agent has not reported installing any update yet.")
	}
	cols := []column[model.DeliveryEvent]{
		{"At", 160, func(e model.DeliveryEvent) string { return e.At.Local().Format(time.DateTime) }},
		{"Update", 300, func(e model.DeliveryEvent) string { return e.UpdateID }},
		{"Status", 250, func(e model.DeliveryEvent) string {
			if text, ok := wire.StatusText[e.Status]; ok {
				return text
			}
			return e.Status
		}},
		{"Attempt", 70, func(e model.DeliveryEvent) string { return fmt.Sprint(e.Attempt) }},
		{"Exit code", 80, func(e model.DeliveryEvent) string {
			if e.ExitCode == nil {
				return ""
			}
			return fmt.Sprint(*e.ExitCode)
		}},
		{"Message", 400, func(e model.DeliveryEvent) string { return e.Message }},
	}
	t := rowsTable(func() []model.DeliveryEvent { return events }, cols)
	return t
}
