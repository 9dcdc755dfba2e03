package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// windowCmd manages maintenance windows: `patchdesk window add|list|remove|assign|unassign|on|off`.
func windowCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "window", Short: "Add, list, remove and assign maintenance windows"}
	var description string
	add := &cobra.Command{
		Use:   "add NAME WHEN",
		Short: "Add a maintenance window",
		Long: "WHEN is DAYS START-END in the computer's own time zone, e.g.\n" +
			"  \"sat 22:00-04:00\"          Saturday night (an end before the start is the next day)\n" +
			"  \"mon,wed,fri 20:00-23:00\"  \"sat-sun 00:00-00:00\" (whole days)  \"daily 01:00-03:00\"\n" +
			"  \"2nd tue +3 01:00-05:00\"   Patch Tuesday + 3 days (1st..4th or last WEEKDAY, +/-N days)",
		Args: cobra.ExactArgs(2),
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			w, err := e.store.AddWindow(cmd.Context(), e.actor(), args[0], args[1], description)
			if err != nil {
				return err
			}
			if g.format == "json" {
				return emit(cmd.OutOrStdout(), g, w, nil)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "maintenance window %q added: %s\n", w.Name, w.Describe)
			return nil
		}),
	}
	add.Flags().StringVar(&description, "description", "", "what the window is for")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the maintenance windows and their targets",
		Args:  cobra.NoArgs,
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			ws, err := e.store.Windows(cmd.Context())
			if err != nil {
				return err
			}
			t := &table{header: []string{"WINDOW", "WHEN", "ON", "TARGETS", "DESCRIBE"}}
			for _, w := range ws {
				on := "yes"
				if !w.Enabled {
					on = "no"
				}
				t.add(w.Name, w.Spec, on, strings.Join(w.Targets, ", "), w.Describe)
			}
			return emit(cmd.OutOrStdout(), g, ws, t)
		}),
	}
	remove := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a maintenance window and its assignments",
		Args:  cobra.ExactArgs(1),
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			if err := e.store.RemoveWindow(cmd.Context(), e.actor(), args[0]); err != nil {
				return err
			}
			return reportDone(cmd, g, "maintenance window %q removed", args[0])
		}),
	}
	assign := func(use, short string, on bool) *cobra.Command {
		return &cobra.Command{
			Use: use + " NAME TARGET", Short: short, Args: cobra.ExactArgs(2),
			RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
				if err := e.store.AssignWindow(cmd.Context(), e.actor(), args[0], args[1], on); err != nil {
					return err
				}
				return reportDone(cmd, g, "maintenance window %q %sassigned to target %q", args[0], map[bool]string{true: "", false: "un"}[on], args[1])
			}),
		}
	}
	toggle := func(use string, on bool) *cobra.Command {
		return &cobra.Command{
			Use: use + " NAME", Short: "Turn a maintenance window " + use, Args: cobra.ExactArgs(1),
			RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
				w, err := e.store.Window(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if w, err = e.store.UpdateWindow(cmd.Context(), e.actor(), w.Name, "", w.Description, on); err != nil {
					return err
				}
				return reportDone(cmd, g, "maintenance window %q turned %s", w.Name, use)
			}),
		}
	}
	cmd.AddCommand(add, list, remove,
		assign("assign", "Apply a maintenance window to the computers of a target", true),
		assign("unassign", "Stop applying a maintenance window to a target", false),
		toggle("on", true), toggle("off", false))
	return cmd
}

// reportDone prints a one-line result, or {"ok": true, "message": …} with --format json.
func reportDone(cmd *cobra.Command, g *globals, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if g.format == "json" {
		return emit(cmd.OutOrStdout(), g, map[string]any{"ok": true, "message": msg}, nil)
	}
	_, err := fmt.Fprintln(cmd.OutOrStdout(), msg)
	return err
}
