package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchdesk/model"
)

// remediationScreen is the Patch Remediation Center (guide Table 7-1 and 7-2): the catalog's
// software bulletins with filters, sorting, multi-select and the bulletin actions.
type remediationScreen struct {
	ui    *App
	root  *fyne.Container
	list  fyne.CanvasObject
	empty fyne.CanvasObject

	search, from, to *widget.Entry
	vendor, severity *widget.Select
	custom           *widget.Select
	hideSuperseded   *widget.Check
	count            *widget.Label
	table            *widget.Table
	actions          []*widget.Button // act on the chosen bulletins

	filter  model.BulletinFilter
	rows    []model.BulletinRow
	checked map[string]bool
	current string // the row last tapped
	// generation drops results of a query that a newer one has overtaken.
	generation int
	downloads  *downloads
}

// bulletinColumn is one column of the bulletin table.
type bulletinColumn struct {
	title string
	sort  string // BulletinSortColumns key; "" when the column cannot be sorted yet
	width float32
	value func(model.BulletinRow) string
}

// applicableText counts the computers a bulletin applies to, and says how many more could not
// be decided from their inventories ("12 +3?") rather than hiding them.
func applicableText(b model.BulletinRow) string {
	if b.Unknown > 0 {
		return fmt.Sprintf("%d +%d?", b.Applicable, b.Unknown)
	}
	return fmt.Sprint(b.Applicable)
}

// bulletinColumns are Table 7-1's columns, with the computers' compliance early on because it is
// what an administrator sorts by first.
var bulletinColumns = []bulletinColumn{
	{"", "", 36, nil}, // the check box
	{"Bulletin", "id", 280, func(b model.BulletinRow) string { return b.ID }},
	{"Severity", "severity", 100, func(b model.BulletinRow) string { return b.Severity }},
	{"Custom Severity", "custom_severity", 130, func(b model.BulletinRow) string { return b.CustomSeverity }},
	{"Applicable", "applicable", 85, applicableText},
	{"Installed", "installed", 80, func(b model.BulletinRow) string { return fmt.Sprint(b.Installed) }},
	{"Not installed", "not_installed", 100, func(b model.BulletinRow) string { return fmt.Sprint(b.NotInstalled) }},
	{"Staged", "staged", 70, func(b model.BulletinRow) string { return yesNo(b.Staged) }},
	{"Policies", "policies", 70, func(b model.BulletinRow) string { return fmt.Sprint(b.Policies) }},
	{"Updates", "updates", 75, func(b model.BulletinRow) string { return fmt.Sprint(b.Updates) }},
	{"Downloaded", "downloaded", 95, func(b model.BulletinRow) string { return fmt.Sprint(b.Downloaded) }},
	{"Released", "released", 100, func(b model.BulletinRow) string { return day(b.Released) }},
	{"Revised", "revised", 100, func(b model.BulletinRow) string { return day(b.Revised) }},
	{"Vendor", "vendor", 150, func(b model.BulletinRow) string { return b.Vendor }},
	{"CVEs", "cves", 150, func(b model.BulletinRow) string { return cveSummary(b.CVEs) }},
	{"Description", "description", 420, func(b model.BulletinRow) string { return b.Title }},
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format(time.DateOnly)
}

func cveSummary(cves []string) string {
	switch len(cves) {
	case 0:
		return ""
	case 1:
		return cves[0]
	}
	return fmt.Sprintf("%s +%d", cves[0], len(cves)-1)
}

// Filter choices that select no particular value.
const (
	allVendors    = "All vendors"
	allSeverities = "All severities"
	allCustom     = "All custom severities"
	noCustom      = "No custom severity"
)

func newRemediationScreen(ui *App) *remediationScreen {
	s := &remediationScreen{ui: ui, checked: map[string]bool{}, count: widget.NewLabel("")}
	s.downloads = newDownloads(ui, s.reload)
	s.filter = model.BulletinFilter{Sort: "released", Desc: true}
	s.search = widget.NewEntry()
	s.search.SetPlaceHolder("Search bulletins, titles, CVEs")
	s.search.OnChanged = func(string) { s.applyFilter() }
	s.from, s.to = widget.NewEntry(), widget.NewEntry()
	s.from.SetPlaceHolder("from YYYY-MM-DD")
	s.to.SetPlaceHolder("to YYYY-MM-DD")
	s.from.OnChanged = func(string) { s.applyFilter() }
	s.to.OnChanged = func(string) { s.applyFilter() }
	s.vendor = widget.NewSelect([]string{allVendors}, func(string) { s.applyFilter() })
	s.severity = widget.NewSelect(append([]string{allSeverities}, model.VendorSeverities...), func(string) { s.applyFilter() })
	s.custom = widget.NewSelect([]string{allCustom, noCustom}, func(string) { s.applyFilter() })
	s.vendor.Selected, s.severity.Selected, s.custom.Selected = allVendors, allSeverities, allCustom
	s.hideSuperseded = widget.NewCheck("Hide superseded", func(bool) { s.applyFilter() })

	s.table = widget.NewTable(
		func() (int, int) { return len(s.rows), len(bulletinColumns) },
		func() fyne.CanvasObject { return newBulletinCell(s) },
		func(id widget.TableCellID, o fyne.CanvasObject) { o.(*bulletinCell).show(id) },
	)
	s.table.ShowHeaderRow = true
	s.table.CreateHeader = func() fyne.CanvasObject { return widget.NewButton("", nil) }
	s.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) { s.header(id.Col, o.(*widget.Button)) }
	for i, c := range bulletinColumns {
		s.table.SetColumnWidth(i, c.width)
	}

	dateSize := fyne.NewSize(150, s.from.MinSize().Height)
	dates := container.NewHBox(container.NewGridWrap(dateSize, s.from), container.NewGridWrap(dateSize, s.to))
	filters := container.NewBorder(nil, nil, nil, container.NewHBox(s.vendor, s.severity, s.custom, dates, s.hideSuperseded), s.search)
	toolbar := container.NewHBox(s.actionButtons()...)
	note := widget.NewLabel("Applicable, Installed and Not installed count computers, from their last inventory. Staged means every update's package is downloaded.")
	note.Truncation = fyne.TextTruncateEllipsis
	note.SizeName = theme.SizeNameCaptionText
	s.count.TextStyle = fyne.TextStyle{Bold: true}
	s.list = container.NewBorder(container.NewVBox(filters, toolbar), container.NewBorder(nil, nil, s.count, nil, note), nil, nil, s.table)

	importNow := widget.NewButtonWithIcon("Import the catalog now", theme.DownloadIcon(), func() { ui.runJob("import-catalog") })
	if _, err := ui.host.Runner.Lookup("import-catalog"); err != nil {
		importNow.Disable()
	}
	s.empty = emptyState(theme.DocumentIcon(), "No software bulletins yet",
		"The software update catalog has not been imported into this data dir. The import runs on the Import Patch Data schedule, or now:",
		importNow)
	s.root = container.NewBorder(
		screenHeader("Patch Remediation Center", "Software bulletins from the catalog, with their severity, staging and policies."), nil, nil, nil,
		s.empty)
	return s
}

func (s *remediationScreen) title() string              { return "Remediation Center" }
func (s *remediationScreen) icon() fyne.Resource        { return theme.WarningIcon() }
func (s *remediationScreen) content() fyne.CanvasObject { return s.root }

// header draws a column title with the sort direction; tapping it sorts by that column.
func (s *remediationScreen) header(col int, b *widget.Button) {
	c := bulletinColumns[col]
	b.Importance = widget.LowImportance
	b.Alignment = widget.ButtonAlignLeading
	b.Icon = nil
	if c.sort != "" && c.sort == s.filter.Sort {
		b.Icon = theme.MenuDropUpIcon()
		if s.filter.Desc {
			b.Icon = theme.MenuDropDownIcon()
		}
	}
	b.SetText(c.title)
	b.OnTapped = func() {
		if c.sort == "" {
			return
		}
		if s.filter.Sort == c.sort {
			s.filter.Desc = !s.filter.Desc
		} else {
			s.filter.Sort, s.filter.Desc = c.sort, false
		}
		s.ui.background(s.reload)
	}
}

// applyFilter reads the filter widgets and queries again.
func (s *remediationScreen) applyFilter() {
	f := s.filter
	f.Search = s.search.Text
	f.Vendor, f.Severity, f.CustomSeverity = choice(s.vendor), choice(s.severity), choice(s.custom)
	f.HideSuperseded = s.hideSuperseded.Checked
	f.ReleasedFrom, f.ReleasedTo = time.Time{}, time.Time{}
	if t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(s.from.Text), time.Local); err == nil {
		f.ReleasedFrom = t
	}
	if t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(s.to.Text), time.Local); err == nil {
		f.ReleasedTo = t.AddDate(0, 0, 1)
	}
	s.filter = f
	s.ui.background(s.reload)
}

func choice(sel *widget.Select) string {
	switch sel.Selected {
	case allVendors, allSeverities, allCustom, "":
		return ""
	case noCustom:
		return "none"
	}
	return sel.Selected
}

type remediationData struct {
	generation int
	rows       []model.BulletinRow
	total      int64
	vendors    []string
	levels     []model.SeverityLevel
}

// reload runs the query off the UI thread.
func (s *remediationScreen) reload() {
	ctx := context.Background()
	var d remediationData
	var f model.BulletinFilter
	fyne.DoAndWait(func() {
		s.generation++
		d.generation, f = s.generation, s.filter
	})
	var err error
	if d.rows, err = s.ui.host.Store.Bulletins(ctx, f); err == nil {
		var stats model.CatalogStats
		if stats, err = s.ui.host.Store.CatalogCounts(ctx); err == nil {
			d.total = stats.Bulletins
			if d.vendors, err = s.ui.host.Store.VendorNames(ctx); err == nil {
				d.levels, err = s.ui.host.Store.SeverityLevels(ctx)
			}
		}
	}
	if err != nil {
		s.ui.host.Log.Error("load bulletins", "err", err)
		return
	}
	fyne.Do(func() { s.apply(d) })
}

func (s *remediationScreen) apply(d remediationData) {
	if d.generation != s.generation {
		return
	}
	want := s.list
	if d.total == 0 {
		want = s.empty
	}
	if s.root.Objects[0] != want {
		s.root.Objects[0] = want
		s.root.Refresh()
	}
	s.rows = d.rows
	s.vendor.SetOptions(append([]string{allVendors}, d.vendors...))
	levels := []string{allCustom, noCustom}
	for _, l := range d.levels {
		levels = append(levels, l.Name)
	}
	s.custom.SetOptions(levels)
	present := map[string]bool{}
	for _, r := range d.rows {
		present[r.ID] = true
	}
	for id := range s.checked {
		if !present[id] {
			delete(s.checked, id)
		}
	}
	s.count.SetText(fmt.Sprintf("%d of %d bulletins", len(d.rows), d.total))
	s.list.Refresh() // the count's width changed: lay the bar out again
	s.table.Refresh()
	s.enableActions()
}

// chosen is what the actions act on: the checked bulletins, else the last tapped one.
func (s *remediationScreen) chosen() []string {
	var ids []string
	for _, r := range s.rows {
		if s.checked[r.ID] {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 && s.current != "" && slices.ContainsFunc(s.rows, func(r model.BulletinRow) bool { return r.ID == s.current }) {
		ids = []string{s.current}
	}
	return ids
}

func (s *remediationScreen) enableActions() {
	enableAll(len(s.chosen()) > 0, s.actions...)
}

// bulletinCell is a table cell: a check box in the first column, text elsewhere. It takes
// taps (choose the row), double taps (Properties) and right-clicks (the action menu).
type bulletinCell struct {
	widget.BaseWidget
	s     *remediationScreen
	check *widget.Check
	label *widget.Label
	row   int
	col   int
}

func newBulletinCell(s *remediationScreen) *bulletinCell {
	c := &bulletinCell{s: s, label: widget.NewLabel("")}
	c.label.Truncation = fyne.TextTruncateEllipsis
	c.check = widget.NewCheck("", func(on bool) {
		if c.row < len(s.rows) {
			id := s.rows[c.row].ID
			if on {
				s.checked[id] = true
			} else {
				delete(s.checked, id)
			}
			s.enableActions()
		}
	})
	c.ExtendBaseWidget(c)
	return c
}

func (c *bulletinCell) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(c.label, c.check))
}

func (c *bulletinCell) show(id widget.TableCellID) {
	c.row, c.col = id.Row, id.Col
	if id.Row >= len(c.s.rows) {
		return
	}
	b := c.s.rows[id.Row]
	if id.Col == 0 {
		c.label.Hide()
		c.check.Show()
		c.check.SetChecked(c.s.checked[b.ID])
		return
	}
	c.check.Hide()
	c.label.Show()
	c.label.TextStyle = fyne.TextStyle{Bold: id.Col == 1, Italic: b.Superseded || b.Disabled}
	text := bulletinColumns[id.Col].value(b)
	if id.Col == 1 && b.Disabled {
		text += " (disabled)"
	}
	c.label.SetText(text)
}

func (c *bulletinCell) Tapped(*fyne.PointEvent) {
	if c.row < len(c.s.rows) {
		c.s.current = c.s.rows[c.row].ID
		c.s.table.Select(widget.TableCellID{Row: c.row, Col: c.col})
		c.s.enableActions()
	}
}

func (c *bulletinCell) DoubleTapped(*fyne.PointEvent) {
	c.Tapped(nil)
	c.s.showProperties()
}

func (c *bulletinCell) TappedSecondary(e *fyne.PointEvent) {
	c.Tapped(e)
	menu := fyne.NewMenu("", c.s.menuItems()...)
	widget.ShowPopUpMenuAtPosition(menu, c.s.ui.win.Canvas(), e.AbsolutePosition)
}
