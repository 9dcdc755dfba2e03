package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"patchdesk/model/atomicfile"
	"patchdesk/model/reports"
	"patchdesk/model/reports/export"
)

// reportCmd runs the reports of model/reports: `report list` and `report NAME`.
func reportCmd(g *globals) *cobra.Command {
	var params []string
	var out string
	cmd := &cobra.Command{
		Use:   "report NAME [--param k=v]... [--format table|json|csv|html] [--out FILE]",
		Short: "Run a report (see `report list`) and print or save it",
		Long: "Run a report with its parameters and print it as a table, or write it as JSON, CSV or\n" +
			"one self-contained HTML file (chart included, opens offline). --out writes the file\n" +
			"atomically; without it the report goes to standard output.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := reports.Lookup(args[0])
			if err != nil {
				return err
			}
			given, err := reports.ParseAssignments(params)
			if err != nil {
				return err
			}
			if _, err := reports.Validate(rep.Params, given); err != nil {
				return err // before opening the data dir: a typo needs no database
			}
			e, err := openEnv(cmd.Context(), g, "cli")
			if err != nil {
				return err
			}
			defer e.Close()
			res, err := rep.Run(cmd.Context(), e.store, given)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if g.format == "table" {
				err = writeReportTable(&buf, res)
			} else {
				err = export.Write(&buf, export.Format(g.format), res)
			}
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err := cmd.OutOrStdout().Write(buf.Bytes())
				return err
			}
			return atomicfile.Write(out, buf.Bytes(), 0o644)
		},
	}
	cmd.Flags().StringArrayVar(&params, "param", nil, "a report parameter as name=value (repeat for more; values may hold commas)")
	cmd.Flags().StringVar(&out, "out", "", "write to this file instead of standard output")
	cmd.AddCommand(reportListCmd(g))
	return cmd
}

// writeReportTable prints the summary lines, then the table.
func writeReportTable(w io.Writer, res *reports.Result) error {
	fmt.Fprintf(w, "%s\n", res.Title)
	for _, f := range res.Summary {
		fmt.Fprintf(w, "%s: %s\n", f.Label, f.Value)
	}
	fmt.Fprintln(w)
	t := &table{}
	for _, c := range res.Columns {
		t.header = append(t.header, strings.ToUpper(c.Title))
	}
	for r := range res.Rows {
		cells := make([]any, len(res.Columns))
		for c := range res.Columns {
			cells[c] = res.Cell(r, c)
		}
		t.add(cells...)
	}
	return t.write(w)
}

// reportInfo is one report of `report list --format json`.
type reportInfo struct {
	Name        string           `json:"name"`
	Title       string           `json:"title"`
	Category    reports.Category `json:"category"`
	Description string           `json:"description"`
	Params      []paramInfo      `json:"params"`
}

type paramInfo struct {
	Name    string            `json:"name"`
	Title   string            `json:"title"`
	Kind    reports.ParamKind `json:"kind"`
	Default string            `json:"default"`
	Choices []string          `json:"choices,omitempty"`
	Help    string            `json:"help,omitempty"`
}

func reportListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the reports with their parameters",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			infos := []reportInfo{}
			t := &table{header: []string{"NAME", "CATEGORY", "TITLE", "PARAMETERS"}}
			for _, r := range reports.All() {
				info := reportInfo{Name: r.Name, Title: r.Title, Category: r.Category, Description: r.Description, Params: []paramInfo{}}
				var ps []string
				for _, p := range r.Params {
					info.Params = append(info.Params, paramInfo{Name: p.Name, Title: p.Title, Kind: p.Kind, Default: p.Default,
						Choices: p.Choices, Help: p.Help})
					ps = append(ps, fmt.Sprintf("%s=%s", p.Name, p.Default))
				}
				infos = append(infos, info)
				t.add(r.Name, r.Category, r.Title, strings.Join(ps, " "))
			}
			return emit(cmd.OutOrStdout(), g, infos, t)
		},
	}
}
