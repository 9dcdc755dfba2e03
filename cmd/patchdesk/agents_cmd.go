package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"patchdesk/agentsvc"
	"patchdesk/model"
	"patchdesk/model/schedule"
)

func tokenCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Enrolment tokens that let patchagent join this host"}
	var expires string
	var uses int
	create := &cobra.Command{
		Use:   "create [--expires D] [--uses N]",
		Short: "Create an enrolment token and print the command to run on a PC",
		Args:  cobra.NoArgs,
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			d, err := schedule.ParseDuration(expires)
			if err != nil {
				return fmt.Errorf("--expires: %w", err)
			}
			info, err := agentsvc.CreateToken(cmd.Context(), e.store, e.settings, e.dataDir,
				agentsvc.TokenRequest{Expires: d, Uses: uses, Actor: e.actor()})
			if err != nil {
				return err
			}
			if g.format == "json" {
				return emit(cmd.OutOrStdout(), g, info, nil)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Token (shown once; valid until %s for %d enrolment(s)):\n\n  %s\n\nOn each PC, run:\n\n  %s\n\nCA fingerprint: %s\n",
				info.ExpiresAt.Local().Format(time.DateTime), info.Uses, info.Token, info.Command, info.CAFingerprint)
			return nil
		}),
	}
	create.Flags().StringVar(&expires, "expires", "7d", "how long the token works (e.g. 12h, 7d, 2w)")
	create.Flags().IntVar(&uses, "uses", 1, "how many computers may enrol with it")
	cmd.AddCommand(create)
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List enrolment tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			toks, err := e.store.EnrolTokens(cmd.Context())
			if err != nil {
				return err
			}
			t := &table{header: []string{"ID", "CREATED", "BY", "EXPIRES", "USES LEFT"}}
			for _, k := range toks {
				t.add(k.ID, k.CreatedAt.Local().Format(time.DateTime), k.CreatedBy, k.ExpiresAt.Local().Format(time.DateTime), fmt.Sprintf("%d of %d", k.UsesLeft, k.Uses))
			}
			if toks == nil {
				toks = []model.EnrolToken{}
			}
			return emit(cmd.OutOrStdout(), g, toks, t)
		}),
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "delete ID",
		Short: "Delete an enrolment token: it enrols no more computers",
		Args:  cobra.ExactArgs(1),
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			return e.store.DeleteEnrolToken(cmd.Context(), e.actor(), args[0])
		}),
	})
	return cmd
}

func computersCmd(g *globals) *cobra.Command {
	var q model.ComputerQuery
	cmd := &cobra.Command{
		Use:   "computers [--name TEXT] [--inventory]",
		Short: "List the computers whose agents enrolled",
		Args:  cobra.NoArgs,
		RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
			cs, err := e.store.Computers(cmd.Context(), q)
			if err != nil {
				return err
			}
			t := &table{header: []string{"ID", "NAME", "OS", "BUILD", "IP", "LAST CHECK-IN", "AGENT", "STATE"}}
			now := time.Now()
			for _, c := range cs {
				last := "never"
				if c.LastCheckinAt != nil {
					last = c.LastCheckinAt.Local().Format(time.DateTime)
				}
				state := "enrolled"
				if c.Revoked {
					state = "revoked"
				} else if c.LastCheckinAt != nil && now.Sub(*c.LastCheckinAt) > time.Hour {
					state = "offline"
				}
				build := ""
				if c.OSBuild > 0 {
					build = fmt.Sprintf("%d.%d", c.OSBuild, c.OSUBR)
				}
				t.add(c.ID, c.Name, c.OSName, build, c.LastAddress, last, c.AgentVersion, state)
			}
			if cs == nil {
				cs = []model.ComputerView{}
			}
			return emit(cmd.OutOrStdout(), g, cs, t)
		}),
	}
	cmd.Flags().StringVar(&q.Name, "name", "", "only computers whose name contains this")
	cmd.Flags().BoolVar(&q.WithInventory, "inventory", false, "include each computer's inventory (JSON)")
	return cmd
}

// computerCmd acts on one computer; a running host applies the change within a second.
func computerCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "computer", Short: "Revoke, delete or scan one computer"}
	for _, a := range []struct {
		use, short string
		act        func(s *model.Store, e *env, cmd *cobra.Command, id uint) error
	}{
		{"revoke", "Revoke a computer: its agent's calls are refused from now on",
			func(s *model.Store, e *env, cmd *cobra.Command, id uint) error {
				return s.RevokeComputer(cmd.Context(), e.actor(), id)
			}},
		{"delete", "Delete a computer and its inventory; its agent must enrol again",
			func(s *model.Store, e *env, cmd *cobra.Command, id uint) error {
				return s.DeleteComputer(cmd.Context(), e.actor(), id)
			}},
		{"scan", "Ask the computer's agent to run its system assessment scan at its next check-in",
			func(s *model.Store, e *env, cmd *cobra.Command, id uint) error {
				return s.RequestScan(cmd.Context(), e.actor(), id)
			}},
	} {
		cmd.AddCommand(&cobra.Command{
			Use:   a.use + " NAME|ID",
			Short: a.short,
			Args:  cobra.ExactArgs(1),
			RunE: withEnv(g, func(e *env, cmd *cobra.Command, args []string) error {
				c, err := e.store.FindComputer(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if err := a.act(e.store, e, cmd, c.ID); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %s done\n", c.Name, a.use)
				return nil
			}),
		})
	}
	return cmd
}
