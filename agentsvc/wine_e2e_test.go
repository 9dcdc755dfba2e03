//go:build wine && linux

package agentsvc

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"patchdesk/model"
	"patchdesk/model/inventory"
	"patchdesk/model/settings"
)

// The Windows agent is cross-built and run under Wine (`make wine-test`): the real registry
// scanner, cmd.exe command lines, exit codes such as 3010, the Job object that kills a hung
// installer's tree and the desktop notifier, against a listener on 127.0.0.1. Wine is not
// Windows: this finds crashes and API misuse in the Windows code, not Windows' own behaviour.
// Not covered: run as a specified user (Wine 8's LogonUserW hands back a placeholder token, which
// CreateProcessAsUser then refuses: "Invalid handle"), and the named pipe users ask for a cycle on
// (go-winio's Accept never returns under Wine 8, although the client's dial succeeds).

// cbsKey is where Windows records an installed update package, which the scanner reads as the
// update's KB; the test installers write it the way a real update's servicing would.
func cbsKey(kb string) string {
	return `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\Packages\Package_for_` + kb +
		`~31bf3856ad364e35~amd64~~10.0.1.0`
}

type winePrefix struct {
	t   *testing.T
	env []string
}

// newWinePrefix makes a fresh Wine prefix with the Go runtime's missing DLL in place.
func newWinePrefix(t *testing.T) *winePrefix {
	shim := os.Getenv("PATCHDESK_WINE_SHIM")
	if shim == "" {
		t.Fatal("PATCHDESK_WINE_SHIM must name the bcryptprimitives.dll that `make wine-test` builds")
	}
	if _, err := exec.LookPath("wine"); err != nil {
		t.Fatal("wine is not installed (make wine-test installs it)")
	}
	dir := t.TempDir()
	w := &winePrefix{t: t, env: append(os.Environ(), "WINEPREFIX="+dir, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml=")}
	t.Cleanup(func() {
		// wineserver outlives the programs; it must go before the prefix is removed.
		kill := exec.Command("wineserver", "-k")
		kill.Env = w.env
		kill.Run()
		wait := exec.Command("wineserver", "-w")
		wait.Env = w.env
		wait.Run()
	})
	w.run("cmd", "/c", "ver")
	dll, err := os.ReadFile(shim)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "drive_c", "windows", "system32", "bcryptprimitives.dll"), dll, 0o644); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *winePrefix) command(args ...string) *exec.Cmd {
	cmd := exec.Command("wine", args...)
	cmd.Env = w.env
	return cmd
}

func (w *winePrefix) run(args ...string) string {
	w.t.Helper()
	out, err := w.command(args...).CombinedOutput()
	if err != nil {
		w.t.Fatalf("wine %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// hasKey says whether a registry key exists in the prefix.
func (w *winePrefix) hasKey(key string) bool {
	return w.command("reg", "query", key).Run() == nil
}

// winPath is a Linux path as Wine's Z: drive shows it.
func winPath(p string) string { return `Z:` + strings.ReplaceAll(p, "/", `\`) }

func TestWindowsAgentUnderWine(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bin := filepath.Join(t.TempDir(), "patchagent.exe")
	build := exec.Command("go", "build", "-o", bin, "patchdesk/cmd/patchagent")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the Windows agent: %v\n%s", err, out)
	}
	w := newWinePrefix(t)
	app := `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\7-Zip`
	w.run("reg", "add", app, "/v", "DisplayName", "/d", "7-Zip 23.01 (x64)", "/f")
	w.run("reg", "add", app, "/v", "DisplayVersion", "/d", "23.01", "/f")
	// A per-user install, as Zoom or VS Code make them: it is in the user's hive only.
	userApp := `HKCU\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\PerUserTool`
	w.run("reg", "add", userApp, "/v", "DisplayName", "/d", "Per-user Tool", "/f")
	w.run("reg", "add", userApp, "/v", "DisplayVersion", "/d", "1.2.3", "/f")

	cmdScript := func(lines ...string) []byte { return []byte("@echo off\r\n" + strings.Join(lines, "\r\n") + "\r\n") }
	addKB := func(kb string) string {
		return `reg add "` + cbsKey(kb) + `" /v CurrentState /t REG_DWORD /d 112 /f >nul`
	}
	updates := []e2eUpdate{
		{name: "ok", kb: "KB900001", installer: cmdScript("echo installing ok", addKB("KB900001"))},
		{name: "broken", kb: "KB900002", installer: cmdScript("echo broken: disk full 1>&2", "exit /b 2")},
		// The hung installer and the helper it starts both outlive Terminate after (1 minute, the
		// least the setting takes); neither may get to write its KB.
		{name: "hang", kb: "KB900003", installer: cmdScript(
			`start "" /b cmd /d /c "ping -n 75 127.0.0.1 >nul & `+addKB("KB900003")+`"`,
			"ping -n 70 127.0.0.1 >nul", addKB("KB900003"))},
		{name: "reboot", kb: "KB900004", installer: cmdScript(addKB("KB900004"), "exit /b 3010"), successCodes: []int{0, 3010}, rebootCodes: []int{3010}},
		{name: "tamper", kb: "KB900005", installer: cmdScript(addKB("KB900005"))},
	}
	for i := range updates {
		updates[i].file = updates[i].name + ".cmd"
		updates[i].commandLine = updates[i].file
	}
	h, _ := startE2EHost(t, ctx, "windows", updates, map[string]string{
		settings.KeyReinstallAttempts: "0", settings.KeyTerminateAfter: "1m", settings.KeyRestart: "never",
		settings.KeyNotifyUser: "false", settings.KeyShowProgress: "true",
	}, Options{CheckinInterval: time.Second})

	var agentLog bytes.Buffer
	agent := w.command(bin, "run", "--token", h.token(t, 1, time.Hour).String(), "--state", winPath(t.TempDir()), "-v")
	agent.Stdout, agent.Stderr = &agentLog, &agentLog
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		agent.Process.Kill()
		agent.Wait()
		t.Logf("agent log:\n%s", agentLog.String())
	}()

	// Enrolment puts the computer in the policy's target at the next target update.
	var comp model.Computer
	deadline := time.Now().Add(2 * time.Minute)
	for {
		c, err := h.store.Computers(ctx, model.ComputerQuery{})
		if err == nil && len(c) == 1 && c[0].LastInventoryAt != nil {
			if comp, err = h.store.FindComputer(ctx, c[0].Name); err != nil {
				t.Fatal(err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the agent did not enrol and send its inventory within 2 minutes")
		}
		time.Sleep(200 * time.Millisecond)
	}
	inv, ok, err := comp.DecodeInventory()
	if err != nil || !ok {
		t.Fatalf("inventory: %v %v", ok, err)
	}
	machine := slices.ContainsFunc(inv.Software, func(s inventory.Software) bool {
		return s.Name == "7-Zip 23.01 (x64)" && s.Version == "23.01" && s.Scope == "machine"
	})
	user := slices.ContainsFunc(inv.Software, func(s inventory.Software) bool {
		return s.Name == "Per-user Tool" && s.Version == "1.2.3" && s.Scope == "user"
	})
	if inv.OS.Family != "windows" || !machine || !user {
		t.Fatalf("the registry scan reported OS %+v and software %+v", inv.OS, inv.Software)
	}
	if _, err := h.store.RecomputeTargets(ctx); err != nil {
		t.Fatal(err)
	}

	// Every update reaches a final status; the hung one after Terminate after.
	last := map[string]model.DeliveryEvent{}
	var hangStarted time.Time
	deadline = time.Now().Add(4 * time.Minute)
	for {
		evs, err := h.store.DeliveryEvents(ctx, comp.ID, 1000)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(evs, func(a, b model.DeliveryEvent) int { return int(a.ID) - int(b.ID) })
		for _, e := range evs {
			last[e.UpdateID] = e
			if e.UpdateID == "U-hang" && e.Status == "installing" && hangStarted.IsZero() {
				hangStarted = time.Now()
			}
		}
		final := 0
		for id, e := range last {
			// The host refuses the tampered package and withdraws it: the agent may wait (Pending).
			if e.Status == "installed" || e.Status == "failed" || (id == "U-tamper" && e.Status == "pending") {
				final++
			}
		}
		if final == len(updates) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not every update is final after 4 minutes: %v", statusesOf(last))
		}
		time.Sleep(500 * time.Millisecond)
	}
	want := map[string]string{"U-ok": "installed", "U-broken": "failed", "U-hang": "failed", "U-reboot": "installed"}
	for id, status := range want {
		if last[id].Status != status {
			t.Errorf("%s ended %s, want %s", id, last[id].Status, status)
		}
	}
	if e := last["U-broken"]; e.ExitCode == nil || *e.ExitCode != 2 || !strings.Contains(e.LogTail, "disk full") {
		t.Errorf("broken's last event: exit %s, log %q", exitOf(e), e.LogTail)
	}
	if e := last["U-hang"]; e.ExitCode == nil || *e.ExitCode != -1 {
		t.Errorf("hang's last event: exit %s, want -1 (killed)", exitOf(e))
	}
	if e := last["U-reboot"]; e.ExitCode == nil || *e.ExitCode != 3010 {
		t.Errorf("reboot's last event: exit %s, want 3010", exitOf(e))
	}
	// The host refuses the tampered file (404): with no reinstallation attempts the agent gives up
	// at once (Failed), or it already heard that the host withdrew the package (Pending).
	if e := last["U-tamper"]; (e.Status != "failed" && e.Status != "pending") || w.hasKey(cbsKey("KB900005")) {
		t.Errorf("the tampered package: %s %q, or it ran", e.Status, e.Message)
	}
	// Past the point where the hung installer and its helper would have written their KB.
	time.Sleep(time.Until(hangStarted.Add(90 * time.Second)))
	if w.hasKey(cbsKey("KB900003")) {
		t.Error("the hung installer's process tree survived Terminate after")
	}
	t.Logf("final statuses: %v", statusesOf(last))
}

func exitOf(e model.DeliveryEvent) string {
	if e.ExitCode == nil {
		return "none"
	}
	return strconv.Itoa(*e.ExitCode)
}

func statusesOf(last map[string]model.DeliveryEvent) map[string]string {
	out := map[string]string{}
	for id, e := range last {
		out[id] = e.Status
	}
	return out
}
