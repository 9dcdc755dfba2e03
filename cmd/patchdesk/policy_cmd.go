package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"patchdesk/model"
	"patchdesk/model/settings"
)

// distributeCmd is `patchdesk distribute` (constructor for main.go's AddCommand list): the
// Distribute Software Updates wizard in one command.
func distributeCmd(g *globals) *cobra.Command {
	var in model.PolicyInput
	var asap, off, noDownload bool
	cmd := &cobra.Command{
		Use:   "distribute --name NAME [--target T]... [--asap | --schedule S] [--off] BULLETIN...",
		Short: "Create a software update policy for bulletins and download their packages",
		Long: "Creates a policy holding every update of the bulletins (less those given with --disable-update)\n" +
			"for the targets (default: the Remediation Settings' default target), turned on unless --off,\n" +
			"then downloads the packages that are not stored yet, as the wizard does. Prints the policy;\n" +
			"each update's package_state says whether its package is stored.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if asap && in.Schedule != "" {
				return fmt.Errorf("--asap and --schedule exclude each other")
			}
			switch {
			case asap:
				in.Run = model.PolicyRunASAP
			case in.Schedule != "":
				in.Run = model.PolicyRunSchedule
			}
			in.Enabled, in.Bulletins = !off, args
			e, err := openEnv(cmd.Context(), g, "cli")
			if err != nil {
				return err
			}
			defer e.Close()
			ctx := cmd.Context()
			if len(in.Targets) == 0 {
				v, err := e.settings.Load(ctx)
				if err != nil {
					return err
				}
				in.Targets = []string{v.Text(settings.KeyDefaultTarget)}
			}
			p, err := e.store.CreatePolicy(ctx, e.actor(), in)
			if err != nil {
				return err
			}
			if !noDownload {
				if _, err := downloadBulletins(ctx, e, g, cmd.ErrOrStderr(), args, false); err != nil {
					return fmt.Errorf("policy %q created; downloading its packages: %w", p.Name, err)
				}
				if p, err = e.store.FindPolicy(ctx, fmt.Sprint(p.ID)); err != nil {
					return err
				}
			}
			return emit(cmd.OutOrStdout(), g, p, policyUpdatesTable(p))
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Name, "name", "", "the policy's name (required)")
	f.StringVar(&in.Description, "description", "", "the policy's description")
	f.StringArrayVar(&in.Targets, "target", nil, "target the policy applies to (repeatable; default: the default target setting)")
	f.BoolVar(&asap, "asap", false, "install as soon as the policy reaches the computer")
	f.StringVar(&in.Schedule, "schedule", "", "install on this schedule instead of the agent's default (daily HH:MM, weekly mon HH:MM, …)")
	f.BoolVar(&off, "off", false, "create the policy turned off")
	f.BoolVar(&in.AllowImmediateRestart, "restart", false, "allow an immediate restart if an update requires it")
	f.BoolVar(&in.WakeOnLAN, "wake", false, "power computers on (Wake on LAN) before installing")
	f.BoolVar(&in.OverrideMaintenanceWindows, "override-windows", false, "install outside maintenance windows")
	f.StringArrayVar(&in.DisabledUpdates, "disable-update", nil, "update id the policy does not install (repeatable)")
	f.BoolVar(&noDownload, "no-download", false, "create the policy without downloading its packages now")
	cmd.MarkFlagRequired("name")
	return cmd
}

// policiesCmd is `patchdesk policies` (constructor for main.go's AddCommand list).
func policiesCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "policies",
		Short: "List software update policies",
		Args:  cobra.NoArgs,
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			ps, err := e.store.Policies(cmd.Context())
			if err != nil {
				return err
			}
			t := &table{header: []string{"ID", "POLICY", "ON", "RUN", "BULLETINS", "UPDATES", "TARGETS"}}
			for _, p := range ps {
				t.add(p.ID, p.Name, policyOnOff(p.Enabled), model.RunText(p.Run, p.Schedule), strings.Join(p.Bulletins, ", "),
					fmt.Sprintf("%d of %d", p.UpdatesEnabled, len(p.Updates)), strings.Join(p.Targets, ", "))
			}
			return emit(cmd.OutOrStdout(), g, ps, t)
		}),
	}
}

// policyCmd is `patchdesk policy show|on|off|delete|update` (constructor for main.go's
// AddCommand list).
func policyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "policy", Short: "Show, turn on or off, change or delete a software update policy"}
	act := func(use, short string, nargs int, run func(cmd *cobra.Command, e *env, p model.PolicyView, args []string) error) *cobra.Command {
		return &cobra.Command{
			Use: use, Short: short, Args: cobra.ExactArgs(nargs),
			RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
				p, err := e.store.FindPolicy(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if err := run(cmd, e, p, args[1:]); err != nil {
					return err
				}
				if p, err = e.store.FindPolicy(cmd.Context(), fmt.Sprint(p.ID)); err != nil {
					if strings.HasPrefix(cmd.Use, "delete") {
						fmt.Fprintf(cmd.OutOrStdout(), "policy %q deleted\n", args[0])
						return nil
					}
					return err
				}
				return emit(cmd.OutOrStdout(), g, p, policyUpdatesTable(p))
			}),
		}
	}
	nothing := func(*cobra.Command, *env, model.PolicyView, []string) error { return nil }
	cmd.AddCommand(
		act("show POLICY", "Show a policy and its updates", 1, nothing),
		act("on POLICY", "Turn a policy on", 1, func(cmd *cobra.Command, e *env, p model.PolicyView, _ []string) error {
			return e.store.SetPolicyEnabled(cmd.Context(), e.actor(), p.ID, true)
		}),
		act("off POLICY", "Turn a policy off", 1, func(cmd *cobra.Command, e *env, p model.PolicyView, _ []string) error {
			return e.store.SetPolicyEnabled(cmd.Context(), e.actor(), p.ID, false)
		}),
		act("update POLICY UPDATE on|off", "Turn one update of a policy on or off", 3, func(cmd *cobra.Command, e *env, p model.PolicyView, args []string) error {
			on, err := settings.Normalize(settings.Def{Kind: settings.Bool}, args[1])
			if err != nil {
				return fmt.Errorf("%q: use on or off", args[1])
			}
			return e.store.SetPolicyUpdates(cmd.Context(), e.actor(), p.ID, map[string]bool{args[0]: on == "true"})
		}),
		act("delete POLICY", "Delete a policy", 1, func(cmd *cobra.Command, e *env, p model.PolicyView, _ []string) error {
			return e.store.DeletePolicy(cmd.Context(), e.actor(), p.ID)
		}),
	)
	return cmd
}

func policyUpdatesTable(p model.PolicyView) *table {
	t := &table{header: []string{"BULLETIN", "UPDATE", "ON", "PACKAGE", "COMMAND LINE"}}
	for _, u := range p.Updates {
		pkg := u.Package
		if pkg == "" {
			pkg = "(" + policyOrText(u.PackageState, "not downloaded") + ")"
		}
		t.add(u.Bulletin, u.ID, policyOnOff(u.Enabled), pkg, u.CommandLine)
	}
	return t
}

func policyOnOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func policyOrText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
