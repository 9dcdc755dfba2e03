package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"patchdesk/model"
)

// complianceCmd lists what compliance stored: rows per (computer, update), or counts per
// bulletin (the Remediation Center's) or per computer (the Computers screen's).
func complianceCmd(g *globals) *cobra.Command {
	var bulletin, computer, by string
	var stateNames []string
	var all bool
	var limit int
	cmd := &cobra.Command{
		Use:   "compliance [--bulletin ID] [--computer NAME|ID] [--state S]... [--all] [--by bulletin|computer]",
		Short: "Which updates are installed, missing or not applicable on which computers",
		Long: "Lists each update's state on each computer as last evaluated: installed, not_installed,\n" +
			"unknown (the inventory cannot decide) and, for one computer or with --all, not_applicable.\n" +
			"--by bulletin prints the Remediation Center's counts, --by computer the Computers screen's.\n" +
			"Compliance is recomputed when an inventory arrives and after an import; `patchdesk job run\n" +
			"compliance-recompute` recomputes everything.",
		Args: cobra.NoArgs,
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			f := model.ComplianceFilter{Bulletin: bulletin, NotApplicable: all, Limit: limit}
			if computer != "" {
				c, err := e.store.FindComputer(ctx, computer)
				if err != nil {
					return err
				}
				f.ComputerID, f.NotApplicable = c.ID, true
			}
			for _, n := range stateNames {
				st, err := model.ParseComplianceState(n)
				if err != nil {
					return fmt.Errorf("--state: %w", err)
				}
				f.States = append(f.States, st)
			}
			switch by {
			case "":
				return printComplianceRows(cmd, g, e, f)
			case "bulletin", "bulletins":
				return printBulletinCompliance(cmd, g, e, bulletin)
			case "computer", "computers":
				return printComputerCompliance(cmd, g, e, f.ComputerID)
			}
			return fmt.Errorf("--by %q: use bulletin or computer", by)
		}),
	}
	fl := cmd.Flags()
	fl.StringVar(&bulletin, "bulletin", "", "only this bulletin")
	fl.StringVar(&computer, "computer", "", "only this computer (name or id); also lists not-applicable updates")
	fl.StringArrayVar(&stateNames, "state", nil, "only this state: installed, not_installed (or missing), unknown, not_applicable (repeatable)")
	fl.BoolVar(&all, "all", false, "also list not-applicable updates (every computer times every update without --computer or --bulletin)")
	fl.StringVar(&by, "by", "", "print counts by bulletin or by computer instead of rows")
	fl.IntVar(&limit, "limit", 0, "at most this many rows (0: all)")
	return cmd
}

func printComplianceRows(cmd *cobra.Command, g *globals, e *env, f model.ComplianceFilter) error {
	if slices.Contains(f.States, model.StateNotApplicable) {
		f.NotApplicable = true
	}
	rows, err := e.store.Compliance(cmd.Context(), f)
	if err != nil {
		return err
	}
	t := &table{header: []string{"COMPUTER", "BULLETIN", "UPDATE", "STATE", "SUPERSEDED"}}
	for _, r := range rows {
		sup := ""
		if r.Superseded {
			sup = "yes"
		}
		t.add(r.Computer, r.Bulletin, r.Update, r.State, sup)
	}
	return emit(cmd.OutOrStdout(), g, rows, t)
}

// bulletinComplianceRow is one line of `compliance --by bulletin`.
type bulletinComplianceRow struct {
	Bulletin string `json:"bulletin"`
	model.BulletinCompliance
}

func printBulletinCompliance(cmd *cobra.Command, g *globals, e *env, bulletin string) error {
	var ids []string
	if bulletin != "" {
		ids = []string{bulletin}
	}
	counts, err := e.store.BulletinComplianceCounts(cmd.Context(), ids...)
	if err != nil {
		return err
	}
	out := make([]bulletinComplianceRow, 0, len(counts))
	for id, c := range counts {
		out = append(out, bulletinComplianceRow{id, c})
	}
	slices.SortFunc(out, func(a, b bulletinComplianceRow) int {
		if a.NotInstalled != b.NotInstalled {
			return b.NotInstalled - a.NotInstalled
		}
		return strings.Compare(a.Bulletin, b.Bulletin)
	})
	t := &table{header: []string{"BULLETIN", "APPLICABLE", "INSTALLED", "NOT INSTALLED", "UNKNOWN"}}
	for _, r := range out {
		t.add(r.Bulletin, r.Applicable, r.Installed, r.NotInstalled, r.Unknown)
	}
	return emit(cmd.OutOrStdout(), g, out, t)
}

// computerComplianceRow is one line of `compliance --by computer`.
type computerComplianceRow struct {
	ComputerID uint   `json:"computer_id"`
	Computer   string `json:"computer"`
	model.ComplianceCounts
}

func printComputerCompliance(cmd *cobra.Command, g *globals, e *env, id uint) error {
	cs, err := e.store.Computers(cmd.Context(), model.ComputerQuery{})
	if err != nil {
		return err
	}
	var ids []uint
	if id != 0 {
		ids = []uint{id}
	}
	counts, err := e.store.ComputerCompliance(cmd.Context(), ids...)
	if err != nil {
		return err
	}
	out := []computerComplianceRow{}
	t := &table{header: []string{"COMPUTER", "APPLICABLE", "INSTALLED", "MISSING", "UNKNOWN", "MISSING (SUPERSEDED)"}}
	for _, c := range cs {
		if id != 0 && c.ID != id {
			continue
		}
		r := computerComplianceRow{ComputerID: c.ID, Computer: c.Name, ComplianceCounts: counts[c.ID]}
		out = append(out, r)
		if !r.Evaluated {
			t.add(r.Computer, "—", "—", "—", "—", "no inventory yet")
			continue
		}
		t.add(r.Computer, r.Applicable, r.Installed, r.Missing, r.Unknown, r.MissingSuperseded)
	}
	return emit(cmd.OutOrStdout(), g, out, t)
}
