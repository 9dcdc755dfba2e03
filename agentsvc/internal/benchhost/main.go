// Command benchhost runs the agent listener alone on a data dir, the way `patchdesk serve` hosts
// it, so that `patchagent simulate` can be measured against a real listener in another process
// (docs/benchmarks.md). It writes a token with --uses uses to --token-out and, on SIGTERM or
// SIGINT, prints the listener's totals and its peak RSS.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"patchdesk/agentsvc"
	"patchdesk/model"
	"patchdesk/model/settings"
)

func main() {
	data := flag.String("data", "", "data dir")
	addr := flag.String("addr", "127.0.0.1:8443", "listen address")
	uses := flag.Int("uses", 1000, "uses of the token written to --token-out")
	tokenOut := flag.String("token-out", "", "file to write a new enrolment token to")
	interval := flag.Duration("checkin-interval", 10*time.Minute, "check-in interval told to agents")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run here")
	verify := flag.String("verify-acked", "", "do not serve: check the database against `patchagent simulate --acked` output")
	flag.Parse()
	if *verify != "" {
		if err := verifyAcked(*data, *verify); err != nil {
			fmt.Fprintln(os.Stderr, "benchhost:", err)
			os.Exit(1)
		}
		return
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	if err := run(*data, *addr, *uses, *tokenOut, *interval); err != nil {
		fmt.Fprintln(os.Stderr, "benchhost:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(data, addr string, uses int, tokenOut string, interval time.Duration) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store, err := model.Open(ctx, data, log)
	if err != nil {
		return err
	}
	defer store.Close()
	host, _ := os.Hostname()
	src := settings.Source{DB: store.DB, Env: settings.Env{DataDir: data, Hostname: host}}
	srv, err := agentsvc.New(store, src, data, log, agentsvc.Options{Addr: addr, CheckinInterval: interval})
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	if tokenOut != "" {
		info, err := agentsvc.CreateToken(ctx, store, src, data, agentsvc.TokenRequest{Uses: uses, Expires: 24 * time.Hour,
			URLs: []string{"https://" + srv.Addr().String()}, Actor: "benchhost"})
		if err != nil {
			return err
		}
		if err := os.WriteFile(tokenOut, []byte(info.Token), 0o600); err != nil {
			return err
		}
	}
	fmt.Fprintln(os.Stderr, "listening on", srv.Addr())
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	out := map[string]any{"stats": srv.Stats(), "peak_rss_mb": peakRSS()}
	return json.NewEncoder(os.Stdout).Encode(out)
}

// peakRSS reads VmHWM from /proc (Linux only; 0 elsewhere).
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(v), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}

// verifyAcked proves a crash lost nothing: the database passes SQLite's integrity check and holds,
// for every computer, the inventory the simulator last saw acknowledged.
func verifyAcked(data, ackedFile string) error {
	ctx := context.Background()
	b, err := os.ReadFile(ackedFile)
	if err != nil {
		return err
	}
	var acked map[string]string
	if err := json.Unmarshal(b, &acked); err != nil {
		return err
	}
	store, err := model.Open(ctx, data, slog.Default())
	if err != nil {
		return err
	}
	defer store.Close()
	check, err := store.IntegrityCheck(ctx)
	if err != nil {
		return err
	}
	cs, err := store.Computers(ctx, model.ComputerQuery{})
	if err != nil {
		return err
	}
	stored := make(map[string]string, len(cs))
	for _, c := range cs {
		stored[c.Name] = c.InventoryDigest
	}
	lost := 0
	for name, d := range acked {
		if stored[name] != d {
			lost++
		}
	}
	fmt.Printf("integrity_check=%v computers=%d acknowledged=%d lost=%d\n", check, len(cs), len(acked), lost)
	if lost > 0 || len(check) != 1 || check[0] != "ok" {
		return fmt.Errorf("verification failed")
	}
	return nil
}
