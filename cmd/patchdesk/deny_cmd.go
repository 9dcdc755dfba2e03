package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"
)

// updateCmd denies and allows single updates: `patchdesk update deny|allow|denied`. A denied
// update is never sent to an agent, whatever policy holds it.
func updateCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "update", Short: "Deny an update everywhere, allow it again, or list the denied updates"}
	var reason string
	deny := &cobra.Command{
		Use:   "deny UPDATE_ID [--reason TEXT]",
		Short: "Never install this update anywhere, even where a policy includes it",
		Args:  cobra.ExactArgs(1),
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			d, err := e.store.DenyUpdate(cmd.Context(), e.actor(), args[0], reason)
			if err != nil {
				return err
			}
			if g.format == "json" {
				return emit(cmd.OutOrStdout(), g, d, nil)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "update %s denied: agents no longer receive it\n", d.UpdateID)
			return nil
		}),
	}
	deny.Flags().StringVar(&reason, "reason", "", "why (kept in the list and the audit trail)")
	allow := &cobra.Command{
		Use:   "allow UPDATE_ID",
		Short: "Lift the denial of an update",
		Args:  cobra.ExactArgs(1),
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			if err := e.store.AllowUpdate(cmd.Context(), e.actor(), args[0]); err != nil {
				return err
			}
			return reportDone(cmd, g, "update %s allowed again", args[0])
		}),
	}
	denied := &cobra.Command{
		Use:   "denied",
		Short: "List the denied updates",
		Args:  cobra.NoArgs,
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			ds, err := e.store.DeniedUpdates(cmd.Context())
			if err != nil {
				return err
			}
			t := &table{header: []string{"UPDATE", "DENIED", "BY", "REASON"}}
			for _, d := range ds {
				t.add(d.UpdateID, d.DeniedAt.Local().Format(time.DateTime), d.DeniedBy, d.Reason)
			}
			return emit(cmd.OutOrStdout(), g, ds, t)
		}),
	}
	cmd.AddCommand(deny, allow, denied)
	return cmd
}

// targetDelayCmd sets a target's deployment delay (rings): `patchdesk target delay NAME DAYS`,
// and lists the delays without arguments. It is a subcommand of `target`, so targetCmd adds it.
func targetDelayCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "delay [NAME DAYS]",
		Short: "Hold updates back from a target's computers until N days after release (0 removes the delay); without arguments, list the delays",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 0 && len(args) != 2 {
				return fmt.Errorf("want NAME DAYS, or nothing to list the delays")
			}
			return nil
		},
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				ds, err := e.store.TargetDelays(cmd.Context())
				if err != nil {
					return err
				}
				t := &table{header: []string{"TARGET", "DAYS AFTER RELEASE"}}
				for _, d := range ds {
					t.add(d.Target, d.Days)
				}
				return emit(cmd.OutOrStdout(), g, ds, t)
			}
			days, err := strconv.Atoi(args[1])
			if err != nil {
				return fmt.Errorf("days %q: want a whole number", args[1])
			}
			d, err := e.store.SetTargetDelay(cmd.Context(), e.actor(), args[0], days)
			if err != nil {
				return err
			}
			if g.format == "json" {
				return emit(cmd.OutOrStdout(), g, d, nil)
			}
			if days == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "target %q: no deployment delay\n", args[0])
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "target %q: updates reach its computers %d days after release\n", d.Target, d.Days)
			return nil
		}),
	}
}
