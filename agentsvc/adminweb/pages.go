package adminweb

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"time"

	"patchdesk/assets/echarts"
	"patchdesk/model/reports"
	"patchdesk/model/reports/export"
)

//go:embed templates/*.html
var templateFiles embed.FS

// pages holds one template set per page, each with the layout and the chart script.
var pages = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range []string{"signin", "dashboard", "reports", "report", "error"} {
		out[name] = template.Must(template.ParseFS(templateFiles, "templates/layout.html", "templates/charts.html", "templates/"+name+".html"))
	}
	return out
}()

// view is what every page template gets besides its own data.
type view struct {
	Title      string
	Admin      string
	CSRF       string
	Nonce      string
	Charts     []chartView
	ChartError string
}

type chartView struct {
	ID     string         `json:"id"`
	Option map[string]any `json:"option"`
}

func (h *Handler) baseView(r *http.Request, title string) view {
	v := view{Title: title, Nonce: nonceOf(r.Context())}
	if s := sessionOf(r.Context()); s != nil {
		v.Admin, v.CSRF = s.admin.Name, s.session.CSRFToken
	}
	return v
}

// addChart adds a chart to draw, or says why charts cannot be drawn.
func (v *view) addChart(id string, option map[string]any) {
	if option == nil {
		return
	}
	if _, err := echarts.Script(); err != nil {
		v.ChartError = err.Error()
	}
	v.Charts = append(v.Charts, chartView{ID: id, Option: option})
}

// render executes a page into a buffer first, so a template error becomes a 500, not half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	var buf bytes.Buffer
	if err := pages[page].ExecuteTemplate(&buf, "layout", data); err != nil {
		h.log.Error("render page", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type errorView struct {
	view
	Message string
}

// fail answers with an error page; server errors are logged and not shown in detail.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	msg := err.Error()
	if status >= 500 {
		h.log.Error("admin page", "path", r.URL.Path, "err", err)
		msg = "Something went wrong on the host; its log has the details."
	}
	h.render(w, r, status, "error", errorView{view: h.baseView(r, http.StatusText(status)), Message: msg})
}

func (h *Handler) echartsScript(w http.ResponseWriter, r *http.Request) {
	script, err := echarts.Script()
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.ServeContent(w, r, echarts.File, time.Time{}, bytes.NewReader(script))
}

func (h *Handler) stylesheet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write([]byte(export.Style + "\n" + pageStyle))
}

const pageStyle = `header.top{display:flex;justify-content:space-between;align-items:center;border-bottom:1px solid #ddd;padding:0 0 8px;margin:0 0 16px}
header.top nav a{margin-left:16px}
form.signout span{margin-right:8px;color:#555}
form.signin{display:grid;gap:8px;max-width:320px}
form.signin label{display:grid;gap:2px}
form.params{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:end;margin:0 0 16px}
form.params label{display:grid;gap:2px;font-size:.9em}
form.export{margin:0 0 8px}
.error{color:#b00020;font-weight:600}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}
.card{border:1px solid #ddd;border-radius:8px;padding:12px 16px}
.card h2{font-size:1.1em;margin:0 0 8px}
.chart.small{height:280px}
ul.reports li{margin:4px 0}`

// run runs a report, turning a parameter error into a message for the page.
func (h *Handler) run(ctx context.Context, rep *reports.Report, params reports.Values) (*reports.Result, error) {
	return rep.RunAt(ctx, h.store, params, h.now())
}

type card struct {
	Title, Report, ChartID, Note string
	Facts                        []reports.Fact
}

type dashboardView struct {
	view
	At    string
	Cards []card
}

// dashboard shows the parts of the guide's Windows Compliance page (Table 8-1) whose data
// exist, each linking to its report.
func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := dashboardView{view: h.baseView(r, "Dashboard"), At: h.now().UTC().Format("2006-01-02 15:04Z")}
	board, err := reports.LoadDashboard(ctx, h.store, h.now())
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	counts := map[string]string{}
	for _, name := range []string{"bulletins-new-30-days", "bulletins-superseded", "bulletins-disabled"} {
		res, err := h.run(ctx, reports.Find(name), nil)
		if err != nil {
			h.fail(w, r, http.StatusInternalServerError, err)
			return
		}
		counts[name] = fmt.Sprint(len(res.Rows))
	}
	parts := []struct {
		report, title string
		params        reports.Values
		facts         func(*reports.Result) []reports.Fact
	}{
		{"bulletins-all", "Software bulletin summary", nil, func(res *reports.Result) []reports.Fact {
			return []reports.Fact{{Label: "Available", Value: fmt.Sprint(len(res.Rows))},
				{Label: "New in the last 30 days", Value: counts["bulletins-new-30-days"]},
				{Label: "Staged", Value: fmt.Sprint(board.Bulletins.Staged)},
				{Label: "With policies", Value: fmt.Sprint(board.Bulletins.WithPolicies)},
				{Label: "Superseded", Value: counts["bulletins-superseded"]},
				{Label: "Disabled", Value: counts["bulletins-disabled"]}}
		}},
		{"delivery-summary", "Software update delivery, last 30 days", nil, func(res *reports.Result) []reports.Fact { return res.Summary }},
		{"diagnostics-catalog", "Catalog version and last import", nil, func(res *reports.Result) []reports.Fact { return res.Summary }},
		{"diagnostics-job-history", "Server jobs, last 7 days", reports.Values{"days": "7"}, func(res *reports.Result) []reports.Fact { return res.Summary[:2] }},
	}
	for i, p := range parts {
		res, err := h.run(ctx, reports.Find(p.report), p.params)
		if err != nil {
			h.fail(w, r, http.StatusInternalServerError, err)
			return
		}
		c := card{Title: p.title, Report: p.report, Facts: p.facts(res)}
		option, err := export.ChartOption(res)
		if err != nil {
			h.fail(w, r, http.StatusInternalServerError, err)
			return
		}
		if option != nil {
			c.ChartID = fmt.Sprintf("chart-%d", i)
			v.addChart(c.ChartID, option)
		}
		v.Cards = append(v.Cards, c)
	}
	if err := h.complianceCards(board, &v); err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	h.render(w, r, http.StatusOK, "dashboard", v)
}

type reportGroup struct {
	Category reports.Category
	Reports  []*reports.Report
	Empty    string
}

type reportsView struct {
	view
	Groups []reportGroup
}

func (h *Handler) reportList(w http.ResponseWriter, r *http.Request) {
	v := reportsView{view: h.baseView(r, "Reports")}
	all := reports.All()
	for _, c := range reports.Categories {
		g := reportGroup{Category: c}
		for _, rep := range all {
			if rep.Category == c {
				g.Reports = append(g.Reports, rep)
			}
		}
		if len(g.Reports) == 0 {
			g.Empty = "These reports arrive with the data they need (agents' compliance results, policy executions, downloads)."
		}
		v.Groups = append(v.Groups, g)
	}
	h.render(w, r, http.StatusOK, "reports", v)
}

type field struct {
	Name, Title, Help, Value string
	Kind                     reports.ParamKind
	Options                  []string
}

type reportView struct {
	view
	Report  *reports.Report
	Fields  []field
	Page    *export.Page
	Error   string
	Formats []export.Format
}

// formParams reads a report's parameters from a posted form. A check box posts a hidden
// "false" before its "true", so the last value wins.
func formParams(rep *reports.Report, form url.Values) reports.Values {
	p := reports.Values{}
	for _, param := range rep.Params {
		if vs := form[param.Name]; len(vs) > 0 {
			p[param.Name] = vs[len(vs)-1]
		}
	}
	return p
}

func (h *Handler) report(w http.ResponseWriter, r *http.Request) {
	rep := reports.Find(r.PathValue("name"))
	if rep == nil {
		h.fail(w, r, http.StatusNotFound, fmt.Errorf("no report %q", r.PathValue("name")))
		return
	}
	ctx := r.Context()
	v := reportView{view: h.baseView(r, rep.Title), Report: rep, Formats: export.Formats}
	given := reports.Values{}
	if r.Method == http.MethodPost {
		given = formParams(rep, r.PostForm)
	}
	status := http.StatusOK
	res, err := h.run(ctx, rep, given)
	switch {
	case errors.Is(err, reports.ErrBadParam):
		v.Error, status = err.Error(), http.StatusBadRequest
	case err != nil:
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	default:
		page, err := export.NewPage(res)
		if err != nil {
			h.fail(w, r, http.StatusInternalServerError, err)
			return
		}
		v.Page = &page
		v.addChart("chart-0", page.Option)
	}
	for _, p := range rep.Params {
		f := field{Name: p.Name, Title: p.Title, Help: p.Help, Kind: p.Kind, Value: p.Default}
		if res != nil {
			f.Value = res.Params[p.Name]
		} else if val, ok := given[p.Name]; ok {
			f.Value = val
		}
		if p.Kind == reports.KindChoice {
			if f.Options, err = p.Options(ctx, h.store); err != nil {
				h.fail(w, r, http.StatusInternalServerError, err)
				return
			}
			if !slices.Contains(f.Options, f.Value) {
				f.Options = append(f.Options, f.Value)
			}
		}
		v.Fields = append(v.Fields, f)
	}
	h.render(w, r, status, "report", v)
}

// export sends a report as a file download, in the format the pressed button names.
func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	rep := reports.Find(r.PathValue("name"))
	if rep == nil {
		h.fail(w, r, http.StatusNotFound, fmt.Errorf("no report %q", r.PathValue("name")))
		return
	}
	format := export.Format(r.PostForm.Get("format"))
	if !slices.Contains(export.Formats, format) {
		h.fail(w, r, http.StatusBadRequest, fmt.Errorf("export format %q unknown", format))
		return
	}
	res, err := h.run(r.Context(), rep, formParams(rep, r.PostForm))
	if errors.Is(err, reports.ErrBadParam) {
		h.fail(w, r, http.StatusBadRequest, err)
		return
	}
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	var buf bytes.Buffer
	if err := export.Write(&buf, format, res); err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, echarts.ErrMissing) {
			status = http.StatusServiceUnavailable
		}
		h.fail(w, r, status, err)
		return
	}
	name := rep.Name + "-" + res.At.Format("20060102-1504") + format.Extension()
	w.Header().Set("Content-Type", format.ContentType())
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write(buf.Bytes())
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
