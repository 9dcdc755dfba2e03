package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"patchdesk/model"
)

// targetsCmd lists the targets with their member counts.
func targetsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "targets",
		Short: "List the targets (saved computer queries) with their member counts",
		Args:  cobra.NoArgs,
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			ts, err := e.store.Targets(cmd.Context())
			if err != nil {
				return err
			}
			t := &table{header: []string{"TARGET", "MEMBERS", "UPDATED", "BUILT-IN", "SELECTS"}}
			for _, tg := range ts {
				updated, builtin := "never", ""
				if tg.EvaluatedAt != nil {
					updated = tg.EvaluatedAt.Local().Format(time.DateTime)
				}
				if tg.Builtin {
					builtin = "yes"
				}
				t.add(tg.Name, tg.Members, updated, builtin, tg.Query.Describe())
			}
			return emit(cmd.OutOrStdout(), g, ts, t)
		}),
	}
}

// targetCmd adds, removes, updates and scans one target.
func targetCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "target", Short: "Add, remove, update, list the members of, or scan a target"}
	var q model.TargetQuery
	var description string
	add := &cobra.Command{
		Use:   "add NAME [--os windows|linux|macos] [--os-name PATTERN] [--name-pattern PATTERN] [--build-min N] [--build-max N] [--bulletin ID --bulletin-state S]",
		Short: "Save a computer query as a target and compute its members",
		Long: "Criteria combine with AND. Patterns take * and ? and ignore case; without a wildcard they\n" +
			"match anywhere in the text. --bulletin-state is applicable, not_installed or installed.",
		Args: cobra.ExactArgs(1),
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			tg, err := e.store.AddTarget(cmd.Context(), e.actor(), args[0], description, q)
			if err != nil {
				return err
			}
			if g.format == "json" {
				return emit(cmd.OutOrStdout(), g, tg, nil)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "target %q added: %d members (%s)\n", tg.Name, tg.Members, tg.Query.Describe())
			return nil
		}),
	}
	fl := add.Flags()
	fl.StringVar(&q.OSFamily, "os", "", "OS family: windows, linux or macos")
	fl.StringVar(&q.OSName, "os-name", "", "OS name pattern, e.g. \"Windows 10*\"")
	fl.StringVar(&q.NamePattern, "name-pattern", "", "computer name pattern, e.g. \"PC-*\"")
	fl.BoolVar(&q.Agent, "agent", true, "only computers whose agent is enrolled and not revoked")
	fl.IntVar(&q.BuildMin, "build-min", 0, "lowest OS build (Windows CurrentBuild), inclusive")
	fl.IntVar(&q.BuildMax, "build-max", 0, "highest OS build, inclusive")
	fl.StringVar(&q.Bulletin, "bulletin", "", "bulletin the computers must have in --bulletin-state")
	fl.StringVar(&q.BulletinState, "bulletin-state", "", "applicable, not_installed or installed")
	fl.StringVar(&description, "description", "", "what the target is for")
	cmd.AddCommand(add)

	cmd.AddCommand(&cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a target (not a built-in one, nor one a policy uses)",
		Args:  cobra.ExactArgs(1),
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			if err := e.store.RemoveTarget(cmd.Context(), e.actor(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "target %q removed\n", args[0])
			return nil
		}),
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "update [NAME...]",
		Short: "Recompute the members of the named targets, or of all, now",
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			ts, err := e.store.RecomputeTargets(cmd.Context(), args...)
			if err != nil {
				return err
			}
			t := &table{header: []string{"TARGET", "MEMBERS"}}
			for _, tg := range ts {
				t.add(tg.Name, tg.Members)
			}
			return emit(cmd.OutOrStdout(), g, ts, t)
		}),
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "members NAME",
		Short: "List a target's computers as last computed",
		Args:  cobra.ExactArgs(1),
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			ids, err := e.store.TargetMemberIDs(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			in := make(map[uint]bool, len(ids))
			for _, id := range ids {
				in[id] = true
			}
			cs, err := e.store.Computers(cmd.Context(), model.ComputerQuery{})
			if err != nil {
				return err
			}
			out := []model.ComputerView{}
			t := &table{header: []string{"ID", "NAME", "OS", "BUILD"}}
			for _, c := range cs {
				if in[c.ID] {
					out = append(out, c)
					t.add(c.ID, c.Name, c.OSName, c.OSBuild)
				}
			}
			return emit(cmd.OutOrStdout(), g, out, t)
		}),
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "scan NAME",
		Short: "Run System Assessment Scan now: every member scans at its next check-in",
		Args:  cobra.ExactArgs(1),
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			n, err := e.store.ScanTarget(cmd.Context(), e.actor(), args[0])
			if err != nil {
				return err
			}
			if g.format == "json" {
				return emit(cmd.OutOrStdout(), g, map[string]any{"target": args[0], "computers": n}, nil)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "scan requested on %d computers of %q; they scan at their next check-in\n", n, args[0])
			return nil
		}),
	})
	cmd.AddCommand(targetDelayCmd(g))
	return cmd
}
