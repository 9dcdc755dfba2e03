package main

import (
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func serveCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the host headless: the server jobs (and the agent listener) without a window",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			h, err := startHost(ctx, g, "serve")
			if err != nil {
				return err
			}
			defer h.Close()
			<-ctx.Done()
			return nil
		},
	}
}
