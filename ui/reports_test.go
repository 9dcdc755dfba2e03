package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"patchdesk/model"
	"patchdesk/model/reports"
	"patchdesk/model/reports/export"
)

func openReports(t *testing.T, seed bool) (*App, *reportsScreen) {
	t.Helper()
	ui, h := newTestConsole(t)
	if seed {
		seedCatalog(t, h.Store)
	}
	ui.ShowScreen("Reports")
	return ui, ui.screens[4].(*reportsScreen)
}

func (s *reportsScreen) column(t *testing.T, name string) []string {
	t.Helper()
	c := s.result.Col(name)
	if c < 0 {
		t.Fatalf("report %s has no column %s", s.result.Report, name)
	}
	var out []string
	for r := range s.result.Rows {
		out = append(out, s.result.Cell(r, c))
	}
	return out
}

func TestReportsScreenRunsAndSorts(t *testing.T) {
	ui, s := openReports(t, true)
	s.tree.Select("bulletins-all")
	if s.result == nil || s.result.Report != "bulletins-all" {
		t.Fatalf("selecting a report did not run it: %+v", s.result)
	}
	if got := s.column(t, "bulletin"); !slices.Equal(got, []string{"KB5066791", "Notepad++.Notepad++ 8.8.1"}) {
		t.Fatalf("bulletins = %v", got)
	}
	for _, b := range s.exports {
		if b.Disabled() {
			t.Fatalf("%s is disabled with a result shown", b.Text)
		}
	}
	test.AssertImageMatches(t, "screens/reports_bulletins_all.png", ui.win.Canvas().Capture())

	// Tapping the Released header sorts ascending, tapping again descending.
	hdr := widget.NewButton("", nil)
	s.header(s.result.Col("released"), hdr)
	test.Tap(hdr)
	if got := s.column(t, "released"); !slices.Equal(got, []string{"2026-10-02", "2026-10-14"}) {
		t.Fatalf("ascending by release: %v", got)
	}
	s.header(s.result.Col("released"), hdr)
	test.Tap(hdr)
	if got := s.column(t, "released"); !slices.Equal(got, []string{"2026-10-14", "2026-10-02"}) {
		t.Fatalf("descending by release: %v", got)
	}
}

func TestReportsScreenParameters(t *testing.T) {
	_, s := openReports(t, true)
	s.tree.Select("bulletins-new-30-days")
	// The console's clock is 2026-11-27; the seeded bulletins are from October.
	if len(s.result.Rows) != 0 || !strings.Contains(s.summary.Text, "No rows.") {
		t.Fatalf("new in 30 days: %d rows, summary %q", len(s.result.Rows), s.summary.Text)
	}
	days := s.form.Objects[0].(*fyne.Container).Objects[0].(*widget.Entry)
	days.SetText("60")
	days.OnSubmitted(days.Text)
	if got := s.column(t, "bulletin"); len(got) != 2 || s.result.Params["days"] != "60" {
		t.Fatalf("60 days: %v with %v", got, s.result.Params)
	}
	days.SetText("zero")
	days.OnSubmitted(days.Text)
	if !s.problem.Visible() || !strings.Contains(s.problem.Text, "not a whole number") {
		t.Fatalf("a bad parameter shows %q (visible %v)", s.problem.Text, s.problem.Visible())
	}
	if s.result.Params["days"] != "60" {
		t.Fatal("a refused run replaced the shown result")
	}

	s.tree.Select("bulletins-all")
	vendor := s.form.Objects[0].(*fyne.Container).Objects[0].(*widget.Select)
	if !slices.Contains(vendor.Options, "Notepad++ Team") || vendor.Selected != anyValue {
		t.Fatalf("vendor choices %v, selected %q", vendor.Options, vendor.Selected)
	}
	vendor.SetSelected("Notepad++ Team")
	s.reload()
	if got := s.column(t, "vendor"); !slices.Equal(got, []string{"Notepad++ Team"}) {
		t.Fatalf("vendor filter: %v", got)
	}
}

func TestReportsScreenExport(t *testing.T) {
	_, s := openReports(t, true)
	s.tree.Select("diagnostics-catalog")
	cases := []struct {
		format export.Format
		check  func([]byte) bool
	}{
		{export.CSV, func(b []byte) bool { return bytes.HasPrefix(b, []byte("\uFEFFLocation,Unit,Bulletins")) }},
		{export.JSON, func(b []byte) bool {
			var doc struct{ Report string }
			return json.Unmarshal(b, &doc) == nil && doc.Report == "diagnostics-catalog"
		}},
		{export.HTML, func(b []byte) bool {
			return bytes.Contains(b, []byte("Catalog version")) && !bytes.Contains(b, []byte(`src="http`))
		}},
	}
	for _, c := range cases {
		t.Run(string(c.format), func(t *testing.T) {
			var w closeBuffer
			if err := writeExport(&w, c.format, s.result); err != nil || !w.closed || !c.check(w.Bytes()) {
				t.Fatalf("export %s: err %v, closed %v, %.120q", c.format, err, w.closed, w.Bytes())
			}
		})
	}
}

type closeBuffer struct {
	bytes.Buffer
	closed bool
}

func (b *closeBuffer) Close() error { b.closed = true; return nil }

func TestReportsScreenEmptyCatalog(t *testing.T) {
	_, s := openReports(t, false)
	s.tree.Select("diagnostics-catalog")
	if s.result == nil || len(s.result.Rows) != 0 || !strings.Contains(s.summary.Text, "none: no catalog was imported") {
		t.Fatalf("empty catalog summary %q", s.summary.Text)
	}
}

func TestReportChartKinds(t *testing.T) {
	test.NewTempApp(t)
	data := reports.Table{Columns: []reports.Column{{Name: "l", Type: reports.TypeString}, {Name: "a", Type: reports.TypeInt}, {Name: "b", Type: reports.TypeInt}},
		Rows: [][]any{{"x", int64(3), int64(1)}, {"y", int64(0), int64(2)}, {"z", int64(5), int64(0)}}}
	cases := []struct {
		kind reports.ChartKind
		want func(objs []fyne.CanvasObject) bool
	}{
		{reports.ChartBar, func(o []fyne.CanvasObject) bool { return count[*canvas.Rectangle](o) >= 4 }}, // 4 non-zero stacked bars, legend swatches too
		{reports.ChartPie, func(o []fyne.CanvasObject) bool { return count[*canvas.Arc](o) == 3 }},
		{reports.ChartLine, func(o []fyne.CanvasObject) bool { return count[*canvas.Line](o) >= 4 }}, // 2 segments per series plus axes
	}
	for _, c := range cases {
		t.Run(string(c.kind), func(t *testing.T) {
			ch := newReportChart()
			ch.SetChart(&reports.Chart{Kind: c.kind, Title: "t", Label: "l", Values: []string{"a", "b"}, Data: data})
			ch.Resize(fyne.NewSize(400, 300))
			r := test.TempWidgetRenderer(t, ch)
			r.Layout(ch.Size())
			if !c.want(r.Objects()) {
				t.Fatalf("%s chart drew %d objects", c.kind, len(r.Objects()))
			}
			ch.Resize(fyne.NewSize(30, 30)) // too small to draw: nothing, and no panic
			r.Layout(ch.Size())
			if len(r.Objects()) != 0 {
				t.Fatalf("a 30x30 chart drew %d objects", len(r.Objects()))
			}
		})
	}
}

func count[T fyne.CanvasObject](objs []fyne.CanvasObject) int {
	n := 0
	for _, o := range objs {
		if _, ok := o.(T); ok {
			n++
		}
	}
	return n
}

// findReportCell finds the rendered cell of a row's first column in the window.
func findReportCell(t *testing.T, root fyne.CanvasObject, row int) *reportCell {
	t.Helper()
	var found *reportCell
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if found != nil || !o.Visible() {
			return
		}
		switch w := o.(type) {
		case *reportCell:
			if w.id.Row == row && w.id.Col == 0 {
				found = w
			}
			return
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(w).Objects() {
				walk(c)
			}
		}
	}
	walk(root)
	if found == nil {
		t.Fatalf("no cell shown for row %d", row)
	}
	return found
}

// TestReportsRowMenu: right-clicking a bulletin row offers its targeted computers and the
// Remediation Center's Download Packages and Distribute Packages (guide Table 7-3).
func TestReportsRowMenu(t *testing.T) {
	ui, h := newTestConsole(t)
	seedDownloadable(t, h)
	ui.ShowScreen("Reports")
	s := ui.screens[4].(*reportsScreen)
	s.tree.Select("bulletins-all")
	const bulletin = "PDTool 2.4"
	row := slices.Index(s.column(t, "bulletin"), bulletin)
	if row < 0 {
		t.Fatalf("bulletins-all lacks %s", bulletin)
	}
	cell := findReportCell(t, ui.win.Canvas().Content(), row)
	test.TapSecondary(cell)
	top := ui.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("a right-click on a bulletin row showed no menu")
	}
	test.AssertImageMatches(t, "screens/reports_row_menu.png", ui.win.Canvas().Capture())
	ui.win.Canvas().Overlays().Remove(top)

	var labels []string
	for _, it := range s.rowItems(row) {
		labels = append(labels, it.Label)
	}
	if want := []string{"View targeted computers", "", "Download Packages", "Distribute Packages…"}; !slices.Equal(labels, want) {
		t.Fatalf("row menu = %q, want %q", labels, want)
	}

	ctx := context.Background()
	tests := []struct {
		item  string
		check func(t *testing.T)
	}{
		{"Download Packages", func(t *testing.T) {
			pkgs, err := h.Store.Packages(ctx, bulletin)
			if err != nil {
				t.Fatal(err)
			}
			if len(pkgs) != 2 {
				t.Fatalf("%d packages after Download Packages, want 2", len(pkgs))
			}
			for _, p := range pkgs {
				if p.State != model.PackageDownloaded {
					t.Errorf("package %s is %s, want downloaded", p.UpdateID, p.State)
				}
			}
		}},
		{"Distribute Packages…", func(t *testing.T) {
			// The wizard suggests the bulletin's id as the policy name, as from the Remediation Center.
			top := ui.win.Canvas().Overlays().Top()
			if top == nil {
				t.Fatal("no wizard shown")
			}
			if !hasEntry(top, bulletin) {
				t.Fatalf("the wizard does not suggest the policy name %q", bulletin)
			}
		}},
		{"View targeted computers", func(t *testing.T) {
			if s.result.Report != "bulletin-targeted-computers" || s.result.Params["bulletin"] != bulletin {
				t.Fatalf("shows %s %v", s.result.Report, s.result.Params)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.item, func(t *testing.T) {
			for ui.win.Canvas().Overlays().Top() != nil {
				ui.win.Canvas().Overlays().Remove(ui.win.Canvas().Overlays().Top())
			}
			if s.result.Report != "bulletins-all" {
				ui.OpenReport("bulletins-all", nil)
			}
			row := slices.Index(s.column(t, "bulletin"), bulletin)
			i := slices.IndexFunc(s.rowItems(row), func(it *fyne.MenuItem) bool { return it.Label == tc.item })
			if i < 0 {
				t.Fatalf("no %q in the row menu", tc.item)
			}
			s.rowItems(row)[i].Action()
			tc.check(t)
		})
	}
}

// TestReportsRowMenuWithoutBulletin: rows without a bulletin get no package actions.
func TestReportsRowMenuWithoutBulletin(t *testing.T) {
	_, s := openReports(t, true)
	s.tree.Select("diagnostics-catalog")
	if len(s.result.Rows) == 0 {
		t.Fatal("diagnostics-catalog has no rows")
	}
	if items := s.rowItems(0); len(items) != 0 {
		t.Fatalf("a catalog row offers %d actions", len(items))
	}
}

func hasEntry(root fyne.CanvasObject, text string) bool {
	found := false
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Entry:
			found = found || w.Text == text
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(w).Objects() {
				walk(c)
			}
		}
	}
	walk(root)
	return found
}
