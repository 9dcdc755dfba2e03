// Command patchagent is the PatchDesk agent: it enrols with a host, reports this computer's
// inventory and (later) installs updates. This package holds flags and wiring only; the work is
// done in agentsvc/agent and its subpackages.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"patchdesk/agentsvc/agent"
	"patchdesk/agentsvc/agent/scan"
	"patchdesk/agentsvc/agent/simulate"
	"patchdesk/model/inventory"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "0.1.0-dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "patchagent: "+err.Error())
		os.Exit(1)
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "patchagent",
		Short:         "PatchDesk agent: reports this computer's inventory to a PatchDesk host",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(runCmd(), cycleCmd(), scanCmd(), versionCmd(), simulateCmd())
	return root
}

// logger logs at level, or at debug with --verbose.
func logger(verbose bool, level slog.Level) *slog.Logger {
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// source is where an agent command reaches the host (the token's URLs unless --server is given)
// and where its inventory comes from (the live machine unless --inventory names a file).
func source(server, invFile string) ([]string, func(context.Context) (inventory.Inventory, error)) {
	scanner := func(ctx context.Context) (inventory.Inventory, error) { return scan.Scan(ctx, version) }
	if invFile != "" {
		scanner = agent.FileScanner(invFile)
	}
	var servers []string
	if server != "" {
		servers = []string{server}
	}
	return servers, scanner
}

func runCmd() *cobra.Command {
	var server, token, invFile, stateDir, endpoint string
	var verbose bool
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Enrol (first time) and keep checking in with the host",
		Long: "Enrols with the token the first time (pinning the host's CA from it), then checks in on the\n" +
			"host's interval, runs the inventory scan on the host's schedule and sends it when it changed.\n" +
			"Later runs need no token: the credential is kept in the state dir.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			servers, scanner := source(server, invFile)
			log := logger(verbose, slog.LevelInfo)
			a, err := agent.New(agent.Config{Token: token, Servers: servers, StateDir: stateDir, Version: version, Scan: scanner, Log: log,
				Install: &agent.InstallConfig{Notifier: agent.NewDesktopNotifier(log), RetryDelay: agent.DefaultRetryDelay}, UserEndpoint: endpoint})
			if err != nil {
				return err
			}
			return a.Run(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&server, "server", "", "host URL, e.g. https://patchhost:8443 (default: the URLs in the token)")
	cmd.Flags().StringVar(&token, "token", "", "enrolment token from `patchdesk token create` (needed the first time)")
	cmd.Flags().StringVar(&invFile, "inventory", "", "use this inventory (as `patchagent scan --format json` prints) instead of scanning")
	cmd.Flags().StringVar(&stateDir, "state", agent.DefaultStateDir(), "state dir holding the credential")
	cmd.Flags().StringVar(&endpoint, "user-endpoint", agent.DefaultUserEndpoint(), "where users' `patchagent cycle` reaches this agent (socket path or named pipe; empty: nowhere)")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "log debug messages")
	return cmd
}

// cycleCmd is the guide's Start Software Update Cycle: install what is applicable now, if the
// host's plug-in policy allows users to.
func cycleCmd() *cobra.Command {
	var server, invFile, stateDir, endpoint string
	var verbose bool
	cmd := &cobra.Command{
		Use:   "cycle",
		Short: "Start a software update cycle now (needs \"Allow user to run\" on the host)",
		Long: "Fetches this computer's policies from the host and installs every applicable update now,\n" +
			"without waiting for the installation schedule, with the same retries, Terminate after and\n" +
			"restart option as the agent's own cycles. It asks the running agent service, which installs\n" +
			"with its own rights; with no service running it runs the cycle itself, which needs the rights\n" +
			"to read the state dir (root or an administrator).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log := logger(verbose, slog.LevelInfo)
			if endpoint != "" {
				log.Info("asking the agent service for a software update cycle; this waits until the cycle ends", "endpoint", endpoint)
				err := agent.RequestUserCycle(cmd.Context(), endpoint)
				if err == nil {
					log.Info("software update cycle finished")
					return nil
				}
				if !errors.Is(err, agent.ErrNoService) {
					return err
				}
				log.Debug("no agent service answers; running the cycle here", "err", err)
			}
			servers, scanner := source(server, invFile)
			return agent.RunUserCycle(cmd.Context(), agent.Config{Servers: servers, StateDir: stateDir, Version: version,
				Scan: scanner, Log: log, Install: &agent.InstallConfig{Notifier: agent.NewDesktopNotifier(log), RetryDelay: agent.DefaultRetryDelay}})
		},
	}
	cmd.Flags().StringVar(&server, "server", "", "host URL (default: the URLs the agent enrolled with)")
	cmd.Flags().StringVar(&invFile, "inventory", "", "use this inventory instead of scanning")
	cmd.Flags().StringVar(&stateDir, "state", agent.DefaultStateDir(), "state dir holding the credential")
	cmd.Flags().StringVar(&endpoint, "user-endpoint", agent.DefaultUserEndpoint(), "the agent service's endpoint for users (empty: run the cycle here)")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "log debug messages")
	return cmd
}

func scanCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Run the inventory scan and print the result",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			inv, err := scan.Scan(cmd.Context(), version)
			if err != nil {
				return err
			}
			switch format {
			case "json":
				return writeJSON(cmd.OutOrStdout(), inv)
			case "table":
				writeInventory(cmd.OutOrStdout(), inv)
				return nil
			}
			return fmt.Errorf("unknown format %q: use table or json", format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json (the format --inventory reads)")
	return cmd
}

func writeInventory(w io.Writer, inv inventory.Inventory) {
	fmt.Fprintf(w, "Host:      %s %s\n", inv.Hostname, inv.Domain)
	fmt.Fprintf(w, "OS:        %s %s %s build %s (%s, %s)\n", inv.OS.Name, inv.OS.Version, inv.OS.DisplayVersion, inv.OS.FullBuild(), inv.OS.Arch, inv.OS.Edition)
	fmt.Fprintf(w, "IPs:       %v\nMACs:      %v\nLanguages: %v\n", inv.IPs, inv.MACs, inv.Languages)
	fmt.Fprintf(w, "Last boot: %s   reboot pending: %v\n", inv.LastBoot.Local().Format(time.DateTime), inv.RebootNeeded)
	fmt.Fprintf(w, "Updates:   %d installed\n", len(inv.KBs))
	fmt.Fprintf(w, "Software:  %d installed\n", len(inv.Software))
	for _, s := range inv.Software {
		fmt.Fprintf(w, "  %-60s %-20s %s\n", s.Name, s.Version, s.Publisher)
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the agent's version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, args []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "patchagent %s (%s/%s, %s)\n", version, runtime.GOOS, runtime.GOARCH, runtime.Version())
		},
	}
}

func simulateCmd() *cobra.Command {
	var cfg simulate.Config
	var server, format, acked, catalog string
	var verbose bool
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Run many synthetic agents against a host (demos and load tests)",
		Long: "Enrols --count synthetic Windows agents with the token (it needs that many uses), each\n" +
			"sending a realistic inventory, then checks them in for --duration and prints throughput,\n" +
			"latency percentiles and errors. An --interval of 0 checks in back to back.\n" +
			"The inventories are modelled on a PatchDesk-format catalog (the built-in snapshot unless\n" +
			"--catalog names another): Windows releases at builds before and at its fixed builds, and its\n" +
			"applications at older and newer versions, so compliance shows both installed and missing.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return fmt.Errorf("unknown format %q: use table or json", format)
			}
			if server != "" {
				cfg.Servers = []string{server}
			}
			if catalog != "" {
				fsys, err := simulate.OpenCatalog(catalog)
				if err != nil {
					return err
				}
				cfg.Catalog = fsys
			}
			cfg.Version = version
			cfg.Log = logger(verbose, slog.LevelWarn) // the report is the output
			res, err := simulate.Run(cmd.Context(), cfg)
			if err != nil && !errors.Is(err, context.Canceled) {
				return err
			}
			if acked != "" {
				b, _ := json.Marshal(res.Acked)
				if err := os.WriteFile(acked, b, 0o600); err != nil {
					return err
				}
			}
			if format == "json" {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			res.Write(cmd.OutOrStdout())
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Count, "count", 100, "number of agents")
	f.StringVar(&server, "server", "", "host URL (default: the URLs in the token)")
	f.StringVar(&cfg.Token, "token", "", "enrolment token with at least --count uses")
	f.DurationVar(&cfg.Interval, "interval", time.Minute, "time between one agent's check-ins (0: back to back)")
	f.DurationVar(&cfg.Duration, "duration", 30*time.Second, "length of the check-in phase after enrolment")
	f.Float64Var(&cfg.ChangeRate, "change-rate", 0.01, "chance that an agent's inventory changed before a check-in")
	f.IntVar(&cfg.Conns, "conns", 200, "HTTPS connections the agents share")
	f.StringVar(&cfg.Prefix, "prefix", "SIM", "computer name prefix")
	f.StringVar(&catalog, "catalog", "", "PatchDesk-format catalog folder or its index.json to model inventories on (default: the built-in snapshot)")
	f.StringVar(&format, "format", "table", "output format: table or json")
	f.BoolVarP(&verbose, "verbose", "v", false, "log progress")
	f.StringVar(&acked, "acked", "", "write each computer's last acknowledged inventory digest to this JSON file (crash tests)")
	cmd.MarkFlagRequired("token")
	return cmd
}
