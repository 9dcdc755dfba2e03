// Package export writes a report result as CSV, JSON or one self-contained HTML file, for the
// console's Export buttons, `patchdesk report --format` and the browser's download links.
package export

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"patchdesk/model/reports"
)

// Format is an export format.
type Format string

// The export formats.
const (
	CSV  Format = "csv"
	JSON Format = "json"
	HTML Format = "html"
)

// Formats lists the export formats in the order front ends offer them.
var Formats = []Format{CSV, JSON, HTML}

// Extension is the file name extension of a format, with the dot.
func (f Format) Extension() string { return "." + string(f) }

// ContentType is the MIME type of a format.
func (f Format) ContentType() string {
	switch f {
	case CSV:
		return "text/csv; charset=utf-8"
	case JSON:
		return "application/json"
	}
	return "text/html; charset=utf-8"
}

// Write writes the result in the format.
func Write(w io.Writer, f Format, res *reports.Result) error {
	switch f {
	case CSV:
		return WriteCSV(w, res)
	case JSON:
		return WriteJSON(w, res)
	case HTML:
		return WriteHTML(w, res)
	}
	return fmt.Errorf("export format %q unknown (use csv, json or html)", f)
}

// WriteCSV writes the table as RFC 4180 CSV: a header row of column titles, CRLF line ends,
// UTF-8 with a byte order mark, since spreadsheets (Excel) read a file without one in the
// machine's legacy code page and garble non-ASCII names. Times are UTC, as the header says.
//
// A text cell that starts with = + - @ or a tab gets a leading apostrophe: bulletin titles come
// from vendors' feeds, and a spreadsheet would run such a cell as a formula (CSV injection).
func WriteCSV(w io.Writer, res *reports.Result) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	header := make([]string, len(res.Columns))
	for i, c := range res.Columns {
		header[i] = c.Title
		if c.Type == reports.TypeTime {
			header[i] += " (UTC)"
		}
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	record := make([]string, len(res.Columns))
	for _, row := range res.Rows {
		for i, c := range res.Columns {
			record[i] = csvCell(c.Type, row[i])
		}
		if err := cw.Write(record); err != nil {
			return fmt.Errorf("write CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}

func csvCell(typ reports.ColumnType, v any) string {
	switch x := v.(type) {
	case time.Time:
		if typ == reports.TypeTime && !x.IsZero() {
			return x.UTC().Format(time.DateTime)
		}
	case bool:
		if x {
			return "true"
		}
		return "false"
	case string:
		if x != "" && strings.ContainsRune("=+-@\t\r", rune(x[0])) {
			return "'" + x
		}
		return x
	}
	return reports.FormatValue(typ, v)
}

// Document is the JSON form of a result (docs/reports.md). Its keys are stable: scripts rely on
// them. Cells are JSON strings, numbers, booleans or null; dates are "YYYY-MM-DD" and times
// RFC 3339 in UTC.
type Document struct {
	Report      string           `json:"report"`
	Title       string           `json:"title"`
	Category    reports.Category `json:"category"`
	Params      reports.Values   `json:"params"`
	GeneratedAt time.Time        `json:"generated_at"`
	Summary     []reports.Fact   `json:"summary"`
	Columns     []reports.Column `json:"columns"`
	Rows        [][]any          `json:"rows"`
	Chart       *ChartDocument   `json:"chart"`
}

// ChartDocument is the JSON form of a chart spec, with its data table.
type ChartDocument struct {
	Kind    reports.ChartKind `json:"kind"`
	Title   string            `json:"title"`
	Label   string            `json:"label"`
	Values  []string          `json:"values"`
	Columns []reports.Column  `json:"columns"`
	Rows    [][]any           `json:"rows"`
}

// NewDocument builds the JSON form of a result.
func NewDocument(res *reports.Result) Document {
	d := Document{Report: res.Report, Title: res.Title, Category: res.Category, Params: res.Params,
		GeneratedAt: res.At.UTC(), Summary: res.Summary, Columns: res.Columns, Rows: jsonRows(res.Table)}
	if d.Params == nil {
		d.Params = reports.Values{}
	}
	if d.Summary == nil {
		d.Summary = []reports.Fact{}
	}
	if c := res.Chart; c != nil {
		d.Chart = &ChartDocument{Kind: c.Kind, Title: c.Title, Label: c.Label, Values: c.Values,
			Columns: c.Data.Columns, Rows: jsonRows(c.Data)}
	}
	return d
}

func jsonRows(t reports.Table) [][]any {
	rows := make([][]any, len(t.Rows))
	for r, row := range t.Rows {
		out := make([]any, len(row))
		for c, v := range row {
			if tm, ok := v.(time.Time); ok {
				if t.Columns[c].Type == reports.TypeDate {
					v = tm.UTC().Format(time.DateOnly)
				} else {
					v = tm.UTC().Format(time.RFC3339)
				}
			}
			out[c] = v
		}
		rows[r] = out
	}
	return rows
}

// WriteJSON writes the result as an indented Document.
func WriteJSON(w io.Writer, res *reports.Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(NewDocument(res)); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}
