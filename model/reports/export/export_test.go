package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"patchdesk/assets/echarts"
	"patchdesk/model/reports"
	"patchdesk/model/reports/export"
	"patchdesk/model/reports/reportstest"
)

func runReport(t *testing.T, name string) *reports.Result {
	t.Helper()
	store := reportstest.OpenStore(t)
	reportstest.Seed(t, store)
	r, err := reports.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.RunAt(context.Background(), store, nil, reportstest.Now)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestCSV(t *testing.T) {
	res := runReport(t, "bulletins-all")
	var buf bytes.Buffer
	if err := export.WriteCSV(&buf, res); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	if !bytes.HasPrefix(raw, []byte("\uFEFF")) || !bytes.Contains(raw, []byte("\r\n")) {
		t.Fatalf("CSV lacks the BOM or CRLF line ends: %q", raw[:40])
	}
	records, err := csv.NewReader(bytes.NewReader(raw[3:])).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, raw)
	}
	if len(records) != len(res.Rows)+1 || records[0][0] != "Bulletin" || records[0][4] != "Custom Severity" {
		t.Fatalf("CSV has %d records, header %q", len(records), records[0])
	}
	byID := map[string][]string{}
	for _, rec := range records[1:] {
		byID[rec[0]] = rec
	}
	cases := []struct {
		bulletin string
		col      int
		want     string
	}{
		{"KB5066791", 11, `2026-11 Cumulative Update, "Patch Tuesday"`}, // comma and quotes survive
		{"Zürich.Tool 2.1", 1, "Zürich Software, AG"},                   // non-ASCII and a comma
		{"Zürich.Tool 2.1", 4, "Urgent"},
		{"Acme.Legacy 1.0", 11, `'=HYPERLINK("x")`}, // no formula runs in a spreadsheet
		{"KB5066791", 5, "2026-11-17"},
		{"Acme.Legacy 1.0", 9, "true"},
		{"KB5066791", 10, "CVE-2026-1001 CVE-2026-1002"},
	}
	for _, c := range cases {
		if got := byID[c.bulletin][c.col]; got != c.want {
			t.Errorf("%s column %s = %q, want %q", c.bulletin, records[0][c.col], got, c.want)
		}
	}
}

func TestJSON(t *testing.T) {
	res := runReport(t, "diagnostics-job-history")
	var buf bytes.Buffer
	if err := export.WriteJSON(&buf, res); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Report  string            `json:"report"`
		Title   string            `json:"title"`
		Params  map[string]string `json:"params"`
		Columns []struct{ Name, Title, Type string }
		Rows    [][]any `json:"rows"`
		Chart   struct {
			Kind   string   `json:"kind"`
			Values []string `json:"values"`
		} `json:"chart"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Report != "diagnostics-job-history" || doc.Title != "Server job history" || doc.Params["days"] != "30" {
		t.Fatalf("header = %q %q %v", doc.Report, doc.Title, doc.Params)
	}
	if len(doc.Rows) != 3 || doc.Columns[0].Name != "started" || doc.Columns[0].Type != "time" {
		t.Fatalf("rows %d, columns %+v", len(doc.Rows), doc.Columns)
	}
	if started, _ := doc.Rows[0][0].(string); started != "2026-11-27T08:00:00Z" {
		t.Errorf("first run started %v, want RFC 3339 UTC", doc.Rows[0][0])
	}
	if secs, _ := doc.Rows[0][4].(float64); secs != 90 {
		t.Errorf("duration = %v, want the number 90", doc.Rows[0][4])
	}
	if doc.Chart.Kind != "bar" || !slices.Equal(doc.Chart.Values, []string{"succeeded", "failed"}) {
		t.Errorf("chart = %+v", doc.Chart)
	}
	// Stable: the same result encodes to the same bytes.
	var again bytes.Buffer
	export.WriteJSON(&again, res)
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("JSON output differs between two encodings of one result")
	}
}

// scripts lists the script elements of a page: their src attribute and their text.
func scripts(t *testing.T, page []byte) (srcs []string, bodies []string) {
	t.Helper()
	z := html.NewTokenizer(bytes.NewReader(page))
	inScript := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			return srcs, bodies
		case html.StartTagToken:
			tok := z.Token()
			if tok.Data == "script" {
				inScript = true
				for _, a := range tok.Attr {
					if a.Key == "src" {
						srcs = append(srcs, a.Val)
					}
				}
			}
			for _, a := range tok.Attr {
				if (a.Key == "src" || a.Key == "href") && (strings.Contains(a.Val, "http://") || strings.Contains(a.Val, "https://")) {
					t.Errorf("<%s %s=%q> loads from the network", tok.Data, a.Key, a.Val)
				}
			}
		case html.TextToken:
			if inScript {
				bodies = append(bodies, string(z.Text()))
			}
		case html.EndTagToken:
			inScript = false
		}
	}
}

func TestHTMLIsSelfContained(t *testing.T) {
	for _, name := range []string{"bulletins-all", "bulletins-new-30-days", "bulletins-superseded", "diagnostics-catalog"} {
		t.Run(name, func(t *testing.T) {
			res := runReport(t, name)
			var buf bytes.Buffer
			if err := export.WriteHTML(&buf, res); err != nil {
				t.Fatal(err)
			}
			page := buf.Bytes()
			srcs, bodies := scripts(t, page)
			if len(srcs) != 0 {
				t.Errorf("script elements with src: %q", srcs)
			}
			script, _ := echarts.Script()
			if len(bodies) != 2 || len(bodies[0]) != len(script) {
				t.Fatalf("want the inlined ECharts script (%d bytes) and the chart's script, got %d scripts", len(script), len(bodies))
			}
			if !strings.Contains(bodies[1], `echarts.init(document.getElementById("chart"))`) || !strings.Contains(bodies[1], res.Chart.Title) {
				t.Errorf("chart script = %.300s", bodies[1])
			}
			if got := bytes.Count(page, []byte("<tr>")); got != len(res.Rows)+1 {
				t.Errorf("table has %d rows, want %d and a header", got-1, len(res.Rows))
			}
			if dir := os.Getenv("PATCHDESK_EXPORT_DIR"); dir != "" {
				os.WriteFile(dir+"/"+name+".html", page, 0o644)
			}
		})
	}
}

func TestHTMLEscapesData(t *testing.T) {
	evil := `</script><script>alert(1)</script>`
	res := &reports.Result{Report: "x", Title: "T " + evil, Category: reports.Diagnostics, At: time.Now(), Params: reports.Values{"p": evil},
		Summary: []reports.Fact{{Label: evil, Value: evil}},
		Table:   reports.Table{Columns: []reports.Column{{Name: "n", Title: evil, Type: reports.TypeString}, {Name: "v", Title: "V", Type: reports.TypeInt}}, Rows: [][]any{{evil, int64(1)}}},
	}
	res.Chart = &reports.Chart{Kind: reports.ChartBar, Title: evil, Label: "n", Values: []string{"v"}, Data: res.Table}
	var buf bytes.Buffer
	if err := export.WriteHTML(&buf, res); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "<script>alert(1)"); n != 0 {
		t.Fatalf("report data injected %d script elements", n)
	}
	if _, bodies := scripts(t, buf.Bytes()); len(bodies) != 2 {
		t.Fatalf("page has %d scripts, want 2", len(bodies))
	}
}

func TestHTMLWithoutChart(t *testing.T) {
	res := runReport(t, "bulletins-superseded")
	res.Chart = nil
	var buf bytes.Buffer
	if err := export.WriteHTML(&buf, res); err != nil {
		t.Fatal(err)
	}
	if _, bodies := scripts(t, buf.Bytes()); len(bodies) != 0 {
		t.Errorf("a report without a chart carries %d scripts", len(bodies))
	}
}
