package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// severityCmd manages custom severity levels (Core Services > Custom Severity).
func severityCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "severity", Short: "Manage custom severity levels"}
	// each wraps a store operation with the data dir opened and the list printed afterwards.
	op := func(use, short string, args cobra.PositionalArgs, fn func(e *env, cmd *cobra.Command, args []string) error) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: args, RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			if fn != nil {
				if err := fn(e, cmd, args); err != nil {
					return err
				}
			}
			levels, err := e.store.SeverityLevels(cmd.Context())
			if err != nil {
				return err
			}
			type level struct {
				ID       uint   `json:"id"`
				Name     string `json:"name"`
				Position int    `json:"position"`
			}
			out := []level{}
			t := &table{header: []string{"#", "NAME"}}
			for i, l := range levels {
				out = append(out, level{l.ID, l.Name, i + 1})
				t.add(i+1, l.Name)
			}
			return emit(cmd.OutOrStdout(), g, out, t)
		})}
	}
	cmd.AddCommand(
		op("list", "List custom severity levels in order", cobra.NoArgs, nil),
		op("add NAME", "Add a custom severity level at the end", cobra.ExactArgs(1), func(e *env, cmd *cobra.Command, args []string) error {
			_, err := e.store.AddSeverityLevel(cmd.Context(), e.actor(), args[0])
			return err
		}),
		op("rename NAME NEW-NAME", "Rename a custom severity level", cobra.ExactArgs(2), func(e *env, cmd *cobra.Command, args []string) error {
			l, err := e.store.FindSeverityLevel(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return e.store.RenameSeverityLevel(cmd.Context(), e.actor(), l.ID, args[1])
		}),
		op("remove NAME", "Remove a custom severity level", cobra.ExactArgs(1), func(e *env, cmd *cobra.Command, args []string) error {
			l, err := e.store.FindSeverityLevel(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return e.store.RemoveSeverityLevel(cmd.Context(), e.actor(), l.ID)
		}),
		op("move NAME up|down", "Move a custom severity level up or down the list", cobra.ExactArgs(2), func(e *env, cmd *cobra.Command, args []string) error {
			l, err := e.store.FindSeverityLevel(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			switch args[1] {
			case "up":
				return e.store.MoveSeverityLevel(cmd.Context(), e.actor(), l.ID, -1)
			case "down":
				return e.store.MoveSeverityLevel(cmd.Context(), e.actor(), l.ID, 1)
			}
			return fmt.Errorf("move %s %q: say up or down", args[0], args[1])
		}),
	)
	return cmd
}
