package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchdesk/model/reports"
	"patchdesk/model/reports/export"
)

// reportsScreen runs the reports of model/reports, the same ones `patchdesk report` and the
// browser pages run: the list by category on the left; the chosen report's parameters, a
// native chart and a sortable table on the right; export to CSV, JSON and HTML.
type reportsScreen struct {
	ui   *App
	root fyne.CanvasObject

	tree    *widget.Tree
	heading *widget.Label
	about   *widget.Label
	form    *fyne.Container
	right   *fyne.Container // the report pane; laid out again when the form's rows change
	summary *widget.Label
	problem *widget.Label
	chart   *reportChart
	table   *widget.Table
	exports []*widget.Button

	report *reports.Report
	inputs map[string]func() string // reads each parameter's widget
	// preset holds the parameter values the next prepare starts from instead of the defaults
	// (a dashboard click-through or a drill-down, see reports_open.go).
	preset reports.Values
	result *reports.Result
	sortBy int // column the table is sorted by; -1 for the report's own order
	desc   bool
	// generation drops results of a run that a newer one has overtaken.
	generation int
}

// anyValue is how a choice parameter's empty value ("all") is shown.
const anyValue = "(all)"

func newReportsScreen(ui *App) *reportsScreen {
	s := &reportsScreen{ui: ui, sortBy: -1, inputs: map[string]func() string{}}
	s.tree = widget.NewTree(s.treeChildren, s.treeBranch,
		func(branch bool) fyne.CanvasObject {
			l := widget.NewLabel("Software bulletins reports")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TreeNodeID, branch bool, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			l.TextStyle = fyne.TextStyle{Bold: branch}
			if branch {
				l.SetText(id)
			} else if r := reports.Find(id); r != nil {
				l.SetText(r.Title)
			}
		})
	s.tree.OpenAllBranches()
	s.heading = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.about = widget.NewLabel("")
	s.about.Wrapping = fyne.TextWrapWord
	s.form = container.NewGridWithColumns(3)
	s.summary = widget.NewLabel("")
	s.summary.Wrapping = fyne.TextWrapWord
	s.problem = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.problem.Importance = widget.DangerImportance
	s.problem.Wrapping = fyne.TextWrapWord
	s.problem.Hide()
	s.chart = newReportChart()
	s.table = widget.NewTable(s.tableSize,
		func() fyne.CanvasObject { return newReportCell(s) },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			c := o.(*reportCell)
			c.id = id
			s.cell(id, c.label)
		})
	s.table.ShowHeaderRow = true
	s.table.CreateHeader = func() fyne.CanvasObject { return widget.NewButton("", nil) }
	s.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) { s.header(id.Col, o.(*widget.Button)) }
	s.table.OnSelected = s.drill

	run := widget.NewButtonWithIcon("Run", theme.MediaPlayIcon(), func() { s.ui.background(s.reload) })
	run.Importance = widget.HighImportance
	for _, f := range export.Formats {
		b := widget.NewButtonWithIcon("Export "+strings.ToUpper(string(f)), theme.DocumentSaveIcon(), func() { s.askExport(f) })
		b.Disable()
		s.exports = append(s.exports, b)
	}
	buttons := container.NewHBox(run)
	for _, b := range s.exports {
		buttons.Add(b)
	}
	top := container.NewVBox(s.heading, s.about, s.form, buttons, s.problem, s.summary)
	split := container.NewVSplit(s.chart, s.table)
	split.Offset = 0.4
	s.right = container.NewBorder(top, nil, nil, nil, split)
	body := container.NewHSplit(s.tree, s.right)
	body.Offset = 0.26
	s.root = container.NewBorder(
		screenHeader("Reports", "Compliance, diagnostics, remediation status and software bulletin reports; the same reports run from the command line and in a browser."),
		nil, nil, nil, body)
	// The first report is shown without running it: reload runs it when the screen opens.
	if all := reports.All(); len(all) > 0 {
		s.tree.Select(all[0].Name)
		s.prepare(all[0])
	}
	s.tree.OnSelected = func(id widget.TreeNodeID) {
		if r := reports.Find(id); r != nil {
			s.prepare(r)
			s.ui.background(s.reload)
		}
	}
	return s
}

func (s *reportsScreen) title() string              { return "Reports" }
func (s *reportsScreen) icon() fyne.Resource        { return theme.DocumentIcon() }
func (s *reportsScreen) content() fyne.CanvasObject { return s.root }

// The tree holds the categories that have reports, and their reports by name.
func (s *reportsScreen) treeChildren(id widget.TreeNodeID) []widget.TreeNodeID {
	var out []string
	for _, r := range reports.All() {
		switch {
		case id == "" && !slices.Contains(out, string(r.Category)):
			out = append(out, string(r.Category))
		case id == string(r.Category):
			out = append(out, r.Name)
		}
	}
	return out
}

func (s *reportsScreen) treeBranch(id widget.TreeNodeID) bool {
	return id == "" || slices.Contains(reports.Categories, reports.Category(id))
}

// prepare shows a report's parameters with their defaults.
func (s *reportsScreen) prepare(r *reports.Report) {
	s.report, s.result, s.sortBy, s.desc = r, nil, -1, false
	s.heading.SetText(r.Title)
	s.about.SetText(r.Description)
	s.inputs = map[string]func() string{}
	s.form.RemoveAll()
	for _, p := range r.Params {
		if v, ok := s.preset[p.Name]; ok {
			p.Default = v
		}
		s.form.Add(s.paramInput(p))
	}
	s.preset = nil
	s.chart.SetChart(nil)
	s.summary.SetText("")
	s.problem.Hide()
	for _, b := range s.exports {
		b.Disable()
	}
	s.table.Refresh()
	// The form's grid would otherwise lay out its new rows in its old (maybe empty) height.
	s.right.Refresh()
}

// paramInput builds the widget of one parameter; choice lists fill in off the UI thread.
func (s *reportsScreen) paramInput(p reports.Param) fyne.CanvasObject {
	var input fyne.CanvasObject
	switch p.Kind {
	case reports.KindBool:
		c := widget.NewCheck(p.Title, nil)
		c.Checked = p.Default == "true"
		s.inputs[p.Name] = func() string { return fmt.Sprint(c.Checked) }
		return c
	case reports.KindChoice:
		sel := widget.NewSelect(displayChoices(p.Choices), nil)
		sel.Selected = displayChoice(p.Default)
		s.inputs[p.Name] = func() string { return storedChoice(sel.Selected) }
		if p.Lookup != nil {
			report := s.report
			s.ui.background(func() {
				opts, err := p.Options(context.Background(), s.ui.host.Store)
				if err != nil {
					s.ui.host.Log.Error("list report parameter values", "param", p.Name, "err", err)
					return
				}
				fyne.Do(func() {
					if s.report == report {
						sel.SetOptions(displayChoices(opts))
					}
				})
			})
		}
		input = sel
	default:
		e := widget.NewEntry()
		e.SetText(p.Default)
		e.OnSubmitted = func(string) { s.ui.background(s.reload) }
		switch p.Kind {
		case reports.KindDate:
			e.SetPlaceHolder("YYYY-MM-DD")
		case reports.KindInt:
			e.SetPlaceHolder(p.Default)
		}
		s.inputs[p.Name] = func() string { return e.Text }
		input = e
	}
	return container.NewBorder(nil, nil, widget.NewLabel(p.Title), nil, input)
}

func displayChoices(values []string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = displayChoice(v)
	}
	return out
}

func displayChoice(v string) string {
	if v == "" {
		return anyValue
	}
	return v
}

func storedChoice(v string) string {
	if v == anyValue {
		return ""
	}
	return v
}

type reportRun struct {
	generation int
	result     *reports.Result
	err        error
}

// reload runs the chosen report with the parameters on screen, off the UI thread.
func (s *reportsScreen) reload() {
	var rep *reports.Report
	params := reports.Values{}
	var d reportRun
	fyne.DoAndWait(func() {
		s.generation++
		d.generation, rep = s.generation, s.report
		for name, read := range s.inputs {
			params[name] = read()
		}
	})
	if rep == nil {
		return
	}
	d.result, d.err = rep.RunAt(context.Background(), s.ui.host.Store, params, s.ui.host.Now())
	if d.err != nil && !errors.Is(d.err, reports.ErrBadParam) {
		s.ui.host.Log.Error("run report", "report", rep.Name, "err", d.err)
	}
	fyne.Do(func() { s.apply(d) })
}

func (s *reportsScreen) apply(d reportRun) {
	if d.generation != s.generation {
		return
	}
	if d.err != nil {
		s.problem.SetText(d.err.Error())
		s.problem.Show()
		s.right.Refresh()
		return
	}
	s.problem.Hide()
	s.result = d.result
	if s.sortBy >= len(s.result.Columns) {
		s.sortBy = -1
	}
	if s.sortBy >= 0 {
		s.result.Sort(s.sortBy, s.desc)
	}
	var facts []string
	for _, f := range s.result.Summary {
		facts = append(facts, f.Label+": "+f.Value)
	}
	if len(s.result.Rows) == 0 {
		facts = append(facts, "No rows.")
	}
	s.summary.SetText(strings.Join(facts, "   ·   "))
	s.chart.SetChart(s.result.Chart)
	for i, c := range s.result.Columns {
		s.table.SetColumnWidth(i, columnWidth(c))
	}
	s.table.ScrollToTop()
	s.table.Refresh()
	for _, b := range s.exports {
		b.Enable()
	}
	s.right.Refresh() // the summary line may have wrapped
}

func columnWidth(c reports.Column) float32 {
	switch c.Type {
	case reports.TypeInt, reports.TypeFloat, reports.TypeBool:
		return max(90, fyne.MeasureText(c.Title, theme.TextSize(), fyne.TextStyle{Bold: true}).Width+48)
	case reports.TypeDate:
		return 110
	case reports.TypeTime:
		return 190
	}
	if c.Name == "title" || c.Name == "message" || c.Name == "location" {
		return 380
	}
	return 170
}

func (s *reportsScreen) tableSize() (int, int) {
	if s.result == nil {
		return 0, 0
	}
	return len(s.result.Rows), len(s.result.Columns)
}

func (s *reportsScreen) cell(id widget.TableCellID, l *widget.Label) {
	if s.result == nil || id.Row >= len(s.result.Rows) || id.Col >= len(s.result.Columns) {
		l.SetText("")
		return
	}
	switch s.result.Columns[id.Col].Type {
	case reports.TypeInt, reports.TypeFloat:
		l.Alignment = fyne.TextAlignTrailing
	default:
		l.Alignment = fyne.TextAlignLeading
	}
	l.SetText(strings.ReplaceAll(s.result.Cell(id.Row, id.Col), "\n", " "))
}

// header shows a column title with the sort direction; tapping it sorts by that column.
func (s *reportsScreen) header(col int, b *widget.Button) {
	b.Importance = widget.LowImportance
	b.Alignment = widget.ButtonAlignLeading
	b.Icon = nil
	if s.result == nil || col >= len(s.result.Columns) {
		b.SetText("")
		return
	}
	if col == s.sortBy {
		b.Icon = theme.MenuDropUpIcon()
		if s.desc {
			b.Icon = theme.MenuDropDownIcon()
		}
	}
	b.SetText(s.result.Columns[col].Title)
	b.OnTapped = func() { s.sort(col) }
}

// sort orders the rows in memory: a report's rows are all loaded, so no query is needed.
func (s *reportsScreen) sort(col int) {
	if s.result == nil {
		return
	}
	if s.sortBy == col {
		s.desc = !s.desc
	} else {
		s.sortBy, s.desc = col, false
	}
	s.result.Sort(col, s.desc)
	s.table.Refresh()
}

// askExport asks where to save the shown result and writes it there off the UI thread.
func (s *reportsScreen) askExport(f export.Format) {
	res := s.result
	if res == nil {
		return
	}
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			showError(s.ui.win, err)
			return
		}
		if w == nil {
			return // cancelled
		}
		s.ui.background(func() {
			err := writeExport(w, f, res)
			if err != nil {
				fyne.Do(func() { showError(s.ui.win, err) })
			}
		})
	}, s.ui.win)
	d.SetFileName(res.Report + "-" + res.At.Local().Format("20060102") + f.Extension())
	d.Show()
}

// writeExport renders the whole file before writing, so a failed export leaves no half file
// behind the name the administrator chose.
func writeExport(w io.WriteCloser, f export.Format, res *reports.Result) error {
	var buf bytes.Buffer
	if err := export.Write(&buf, f, res); err != nil {
		w.Close()
		return err
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		w.Close()
		return fmt.Errorf("save %s export: %w", f, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("save %s export: %w", f, err)
	}
	return nil
}
