//go:build !windows

package agentsvc

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"patchdesk/agentsvc/agent"
	"patchdesk/agentsvc/wire"
	"patchdesk/jobs"
	"patchdesk/model"
	"patchdesk/model/inventory"
	"patchdesk/model/settings"
)

// TestInstallCycleEndToEnd takes five updates from a catalog to the agent on 127.0.0.1: the
// host downloads their installer scripts from a vendor server, a policy distributes them, and a
// real agent loop installs them. One fails twice then succeeds, one fails every attempt, one
// hangs and is killed by Terminate after, one asks for a restart, and one's package was
// tampered with on the host and is refused.
func TestInstallCycleEndToEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	marks := t.TempDir() // the scripts' effects: KB marker files the scanner reports
	scripts := map[string]string{
		"flaky.sh":  `n=$(cat "$M/flaky.n" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$M/flaky.n"; echo "flaky run $n"; [ $n -ge 3 ] || exit 1; touch "$M/KB900001"`,
		"broken.sh": `echo "broken: disk full" >&2; exit 2`,
		"hang.sh":   `sleep 60 & sleep 60; touch "$M/KB900003"`,
		// 3010 cannot be an exit status on Linux or macOS (8 bits): 194 is 3010 mod 256, and the
		// catalog declares it as this update's reboot code.
		"reboot.sh": `touch "$M/KB900004"; exit 194`,
		"tamper.sh": `touch "$M/KB900005"`,
	}
	var updates []e2eUpdate
	for i, name := range []string{"flaky", "broken", "hang", "reboot", "tamper"} {
		u := e2eUpdate{name: name, file: name + ".sh", commandLine: `sh "` + name + `.sh"`, kb: "KB90000" + string(rune('1'+i)),
			installer: []byte("M=" + marks + "\n" + scripts[name+".sh"] + "\n")}
		if name == "reboot" {
			u.successCodes, u.rebootCodes = []int{0, 194}, []int{194}
		}
		updates = append(updates, u)
	}
	h, _ := startE2EHost(t, ctx, "linux", updates,
		map[string]string{settings.KeyReinstallAttempts: "2", settings.KeyRestart: "end_of_cycle"}, Options{})
	store := h.store
	tok := h.token(t, 1, time.Hour)

	scan := func(context.Context) (inventory.Inventory, error) {
		inv := inventory.Inventory{Hostname: "pc-e2e", OS: inventory.OS{Family: "linux", Name: "Test Linux"}, KBs: []string{"KB100000"}}
		entries, _ := os.ReadDir(marks)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "KB") {
				inv.KBs = append(inv.KBs, e.Name())
			}
		}
		return inv, nil
	}
	state := t.TempDir()
	clock := clockwork.NewFakeClock()

	// Enrol first, so the computer is in the target when the policy is fetched.
	enrolled := make(chan agent.Cycle, 1)
	actx, acancel := context.WithCancel(ctx)
	a, err := agent.New(agent.Config{Token: tok.String(), StateDir: state, Version: "test", Scan: scan, Clock: clock, Log: quiet,
		OnCycle: func(c agent.Cycle) { enrolled <- c; acancel() }})
	if err != nil {
		t.Fatal(err)
	}
	a.Run(actx)
	if c := <-enrolled; c.Err != nil || !c.Enrolled {
		t.Fatalf("enrol: %+v", c)
	}
	if _, err := store.RecomputeTargets(ctx); err != nil {
		t.Fatal(err)
	}

	restarted := make(chan struct{}, 1)
	statuses := map[string][]string{}
	statusCh := make(chan wire.Delivery, 100)
	cycles := make(chan error, 100)
	a, err = agent.New(agent.Config{StateDir: state, Version: "test", Scan: scan, Clock: clock, Log: quiet,
		Install: &agent.InstallConfig{TerminateAfter: 300 * time.Millisecond,
			Restart:     func(context.Context) error { restarted <- struct{}{}; return nil },
			OnStatus:    func(d wire.Delivery) { statusCh <- d },
			OnCycleDone: func(err error) { cycles <- err }}})
	if err != nil {
		t.Fatal(err)
	}
	go a.Run(ctx)
	// Wait for a cycle that ends with every update in a final status; its events are posted by
	// then. The restart must have happened on the way.
	// The tampered package ends Pending: the host refused to serve it, quarantined it and
	// withdrew it until it is downloaded again.
	final := func() bool {
		for _, id := range []string{"U-flaky", "U-broken", "U-hang", "U-reboot", "U-tamper"} {
			s := statuses[id]
			if len(s) == 0 || (s[len(s)-1] != "installed" && s[len(s)-1] != "failed" && !(id == "U-tamper" && s[len(s)-1] == "pending")) {
				return false
			}
		}
		return true
	}
	restarts := 0
	// collect takes status changes until done holds after a cycle; tick, when set, runs every
	// 50 ms meanwhile (to move the fake clock on to the next check-in).
	collect := func(done func() bool, tick func()) {
		t.Helper()
		ticker := time.NewTicker(50 * time.Millisecond)
		defer ticker.Stop()
		deadline := time.After(time.Minute)
		for {
			select {
			case d := <-statusCh:
				statuses[d.UpdateID] = append(statuses[d.UpdateID], d.Status)
			case <-restarted:
				restarts++
			case err := <-cycles:
				if err != nil {
					t.Fatalf("cycle: %v", err)
				}
				for len(statusCh) > 0 {
					d := <-statusCh
					statuses[d.UpdateID] = append(statuses[d.UpdateID], d.Status)
				}
				if done() {
					return
				}
			case <-ticker.C:
				if tick != nil {
					tick()
				}
			case <-deadline:
				t.Fatalf("updates not final; statuses so far: %v", statuses)
			}
		}
	}
	collect(final, nil)
	if restarts != 1 {
		t.Errorf("restarted %d times, want 1 (end of the cycle that installed U-reboot)", restarts)
	}

	want := map[string][]string{
		"U-flaky": {"installation_scheduled", "download_required", "installing", "failed_rescheduled", "installing", "failed_rescheduled",
			"installing", "verification", "installed"},
		"U-broken": {"installation_scheduled", "download_required", "installing", "failed_rescheduled", "installing", "failed_rescheduled",
			"installing", "failed"},
		"U-hang": {"installation_scheduled", "download_required", "installing", "failed_rescheduled", "installing", "failed_rescheduled",
			"installing", "failed"},
		"U-reboot": {"installation_scheduled", "download_required", "installing", "verification", "installed"},
	}
	for id, w := range want {
		if got := strings.Join(statuses[id], " "); got != strings.Join(w, " ") {
			t.Errorf("%s statuses:\n got %s\nwant %s", id, got, strings.Join(w, " "))
		}
	}
	// The host answered 404 for the tampered package: the agent waits for it, it has not failed.
	if got := strings.Join(statuses["U-tamper"], " "); got != "installation_scheduled download_required pending" {
		t.Errorf("U-tamper statuses: %s", got)
	}
	if ps, _ := store.Packages(ctx, "B-tamper"); len(ps) != 1 || ps[0].State != model.PackageWanted {
		t.Errorf("the tampered package on the host: %+v, want it queued for download again", ps)
	}
	if _, err := os.Stat(filepath.Join(marks, "KB900003")); err == nil {
		t.Error("the hanging installer's tree survived Terminate after")
	}
	if _, err := os.Stat(filepath.Join(marks, "KB900005")); err == nil {
		t.Error("the tampered package ran")
	}

	// The host downloads the genuine package again; at a later check-in the agent installs it.
	if sum, err := (&jobs.Downloader{Store: store, Settings: h.src, Log: quiet}).Run(ctx, nil); err != nil || sum.Downloaded != 1 {
		t.Fatalf("download again: %+v, %v", sum, err)
	}
	collect(func() bool {
		s := statuses["U-tamper"]
		return s[len(s)-1] == "installed"
	}, func() { clock.Advance(11 * time.Minute) })
	if _, err := os.Stat(filepath.Join(marks, "KB900005")); err != nil {
		t.Errorf("the genuine package did not run: %v", err)
	}

	// The host stored every status change, per computer × update × attempt.
	comp, err := store.FindComputer(ctx, "pc-e2e")
	if err != nil {
		t.Fatal(err)
	}
	evs, err := store.DeliveryEvents(ctx, comp.ID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for _, e := range evs {
		stored[e.UpdateID]++
		if e.UpdateID == "U-hang" && e.Status == "failed" && (e.Attempt != 3 || e.ExitCode == nil || *e.ExitCode != -1) {
			t.Errorf("hang's final event: attempt %d exit %v", e.Attempt, e.ExitCode)
		}
		if e.UpdateID == "U-broken" && e.Status == "failed" && !strings.Contains(e.LogTail, "disk full") {
			t.Errorf("broken's log tail %q lacks the installer's output", e.LogTail)
		}
		if e.BulletinID == "" {
			t.Errorf("event %d has no bulletin", e.ID)
		}
	}
	want["U-tamper"] = statuses["U-tamper"]
	for id, w := range want {
		if stored[id] != len(w) {
			t.Errorf("host stored %d events of %s, want %d", stored[id], id, len(w))
		}
	}
}
