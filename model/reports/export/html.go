package export

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"regexp"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"patchdesk/assets/echarts"
	"patchdesk/model/reports"
)

// ChartOption builds the ECharts option of a result's chart with go-echarts; nil when the
// result has no chart or nothing to draw.
//
// The option goes into pages as data: html/template encodes it with <, > and & escaped. go-echarts'
// own renderer writes it unescaped (JSONNotEscaped), and a bulletin title from a vendor feed
// could then close the script element.
func ChartOption(res *reports.Result) (map[string]any, error) {
	if res.Chart == nil || len(res.Chart.Data.Rows) == 0 {
		return nil, nil
	}
	labels, series, err := res.Chart.Resolve()
	if err != nil {
		return nil, err
	}
	title := charts.WithTitleOpts(opts.Title{Title: res.Chart.Title, Left: "center"})
	legend := charts.WithLegendOpts(opts.Legend{Show: opts.Bool(len(series) > 1 || res.Chart.Kind == reports.ChartPie), Type: "scroll", Top: "bottom"})
	axisTooltip := charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"})
	grid := charts.WithGridOpts(opts.Grid{Left: "3%", Right: "4%", Top: "48", Bottom: "48", ContainLabel: opts.Bool(true)})
	yAxis := charts.WithYAxisOpts(opts.YAxis{})
	if countsOnly(res.Chart) {
		yAxis = charts.WithYAxisOpts(opts.YAxis{MinInterval: 1}) // no "0.5 bulletins" ticks
	}
	switch res.Chart.Kind {
	case reports.ChartPie:
		pie := charts.NewPie()
		pie.SetGlobalOptions(title, legend, charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}))
		data := make([]opts.PieData, len(labels))
		for i, l := range labels {
			data[i] = opts.PieData{Name: l, Value: series[0].Values[i]}
			if i < len(res.Chart.SliceColors) {
				if c, ok := colors[res.Chart.SliceColors[i]]; ok {
					data[i].ItemStyle = &opts.ItemStyle{Color: c}
				}
			}
		}
		pie.AddSeries(series[0].Name, data, charts.WithPieChartOpts(opts.PieChart{Radius: []string{"35%", "65%"}}))
		pie.Validate()
		return pie.JSON(), nil
	case reports.ChartLine:
		line := charts.NewLine()
		line.SetGlobalOptions(title, legend, axisTooltip, grid, yAxis)
		line.SetXAxis(labels)
		for _, s := range series {
			data := make([]opts.LineData, len(s.Values))
			for i, v := range s.Values {
				data[i] = opts.LineData{Value: v}
			}
			line.AddSeries(s.Name, data, seriesColor(s.Color))
		}
		line.Validate()
		return line.JSON(), nil
	case reports.ChartBar:
		bar := charts.NewBar()
		bar.SetGlobalOptions(title, legend, axisTooltip, grid, yAxis)
		bar.SetXAxis(labels)
		for _, s := range series {
			data := make([]opts.BarData, len(s.Values))
			for i, v := range s.Values {
				data[i] = opts.BarData{Value: v}
			}
			bar.AddSeries(s.Name, data, charts.WithBarChartOpts(opts.BarChart{Stack: "total"}), seriesColor(s.Color))
		}
		bar.Validate()
		return bar.JSON(), nil
	}
	return nil, fmt.Errorf("chart kind %q unknown", res.Chart.Kind)
}

func countsOnly(c *reports.Chart) bool {
	for _, v := range c.Values {
		if i := c.Data.Col(v); i < 0 || c.Data.Columns[i].Type != reports.TypeInt {
			return false
		}
	}
	return true
}

// colors are the HTML colours of the chart spec's colour names (Material palette, readable on white).
var colors = map[string]string{reports.ColorSuccess: "#2e7d32", reports.ColorError: "#c62828",
	reports.ColorWarning: "#ef6c00", reports.ColorNeutral: "#757575", reports.ColorPrimary: "#1565c0"}

// seriesColor sets a series' colour when the chart spec names one.
func seriesColor(name string) charts.SeriesOpts {
	return func(s *charts.SingleSeries) {
		if c, ok := colors[name]; ok {
			s.ItemStyle = &opts.ItemStyle{Color: c}
		}
	}
}

// Page is what a report page template gets: the result, its cells formatted, and its chart.
type Page struct {
	*reports.Result
	Cells  [][]string
	Option map[string]any
	// Script is echarts.min.js itself (self-contained file) …
	Script template.JS
}

// NewPage prepares a result for a page template.
func NewPage(res *reports.Result) (Page, error) {
	p := Page{Result: res, Cells: make([][]string, len(res.Rows))}
	for r := range res.Rows {
		p.Cells[r] = make([]string, len(res.Columns))
		for c := range res.Columns {
			p.Cells[r][c] = res.Cell(r, c)
		}
	}
	var err error
	if p.Option, err = ChartOption(res); err != nil {
		return p, fmt.Errorf("chart of report %s: %w", res.Report, err)
	}
	return p, nil
}

// scriptEnd finds what would end an inline script element early.
var scriptEnd = regexp.MustCompile(`(?i)</(script)`)

// WriteHTML writes one self-contained HTML file: the summary, the chart and the table, with
// the ECharts script inlined so that the file opens offline and can be mailed.
func WriteHTML(w io.Writer, res *reports.Result) error {
	p, err := NewPage(res)
	if err != nil {
		return err
	}
	if p.Option != nil {
		script, err := echarts.Script()
		if err != nil {
			return fmt.Errorf("HTML export of %s: %w", res.Report, err)
		}
		p.Script = template.JS(scriptEnd.ReplaceAll(script, []byte(`<\/$1`)))
	}
	var buf bytes.Buffer
	if err := fileTemplate.Execute(&buf, p); err != nil {
		return fmt.Errorf("HTML export of %s: %w", res.Report, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("HTML export of %s: %w", res.Report, err)
	}
	return nil
}

// Style is the CSS of report pages, shared with the browser pages.
const Style = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1d1d1f;background:#fff}
h1{font-size:1.5em;margin:0 0 4px}
.meta{color:#555;margin:0 0 16px}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:4px 16px;margin:0 0 16px}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
#chart,.chart{width:100%;height:420px;margin:0 0 16px}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f5;position:sticky;top:0}
td.int,td.float{text-align:right;font-variant-numeric:tabular-nums}
td.date,td.time{white-space:nowrap}
tr:nth-child(even) td{background:#fafafa}`

var fileTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="PatchDesk">
<title>{{.Title}}</title>
<style>` + Style + `</style>
{{- if .Option}}
<script>{{.Script}}</script>
{{- end}}
</head>
<body>
<h1>{{.Title}}</h1>
<p class="meta">{{.Category}} report <code>{{.Report}}</code>, generated {{.At.Format "2006-01-02 15:04:05Z07:00"}} by PatchDesk.
{{- range $k, $v := .Params}}{{if $v}} {{$k}}={{$v}}{{end}}{{end}}</p>
{{- if .Summary}}
<dl class="facts">{{range .Summary}}<dt>{{.Label}}</dt><dd>{{.Value}}</dd>{{end}}</dl>
{{- end}}
{{- if .Option}}
<div id="chart"></div>
<script>
"use strict";
(function () {
  var chart = echarts.init(document.getElementById("chart"));
  chart.setOption({{.Option}});
  window.addEventListener("resize", function () { chart.resize(); });
})();
</script>
{{- end}}
<table>
<thead><tr>{{range .Columns}}<th>{{.Title}}</th>{{end}}</tr></thead>
<tbody>
{{- $cols := .Columns}}
{{- range .Cells}}
<tr>{{range $i, $c := .}}<td class="{{(index $cols $i).Type}}">{{$c}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table>
{{- if not .Rows}}<p>No rows.</p>{{end}}
</body>
</html>
`))
