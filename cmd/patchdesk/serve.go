package main

import (
	"fmt"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func serveCmd(g *globals) *cobra.Command {
	var opts hostOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the host headless: the agent listener, the browser pages and the server jobs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			h, err := startHost(ctx, g, "serve", opts)
			if err != nil {
				return err
			}
			defer h.Close()
			fmt.Fprintf(cmd.ErrOrStderr(), "PatchDesk host serving agents on %s (CA %s); stop with Ctrl+C\n", h.listener.Addr(), h.listener.CAFingerprint())
			<-ctx.Done()
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.listen, "listen", "", "listen on this address instead of the listener.address setting, for this run")
	return cmd
}
