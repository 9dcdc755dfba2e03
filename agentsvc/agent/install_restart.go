package agent

import (
	"context"
	"fmt"
	"os/exec"
	"runtime"
	"time"

	"patchdesk/agentsvc/wire"
)

const restartNotice = "PatchDesk: restarting to complete software updates"

// DefaultRestart asks the OS to restart in one minute, so that the agent can still report that
// it did. Tests inject their own restart instead.
func DefaultRestart(ctx context.Context) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "windows":
		cmd = exec.CommandContext(ctx, "shutdown.exe", "/r", "/t", "60", "/c", restartNotice)
	default:
		cmd = exec.CommandContext(ctx, "shutdown", "-r", "+1", restartNotice)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("restart the computer: %w: %s", err, out)
	}
	return nil
}

// needRestart records that an update wants a restart: at once when its policy allows an
// immediate restart, otherwise as the plug-in policy's restart option says.
func (in *Installer) needRestart(ctx context.Context, a wire.Assignment, u wire.AssignedUpdate) {
	if !in.st.RestartNeeded {
		if boot, err := in.cfg.BootTime(); err == nil {
			in.st.RestartBoot = boot
		} else {
			in.log.Debug("boot time", "err", err)
		}
	}
	in.st.RestartNeeded = true
	in.info("restart", u.ID+" needs a restart to complete")
	if len(in.windowsFor(a)) > 0 {
		in.st.RestartWindowed = true
		in.st.RestartImmediate = in.st.RestartImmediate || a.AllowImmediateRestart
	}
	if a.AllowImmediateRestart {
		if in.restartWaitsForWindow() {
			return
		}
		in.restart(ctx, "the policy "+a.PolicyName+" allows an immediate restart")
		return
	}
	if in.pol.Plugin.Restart == wire.RestartScheduled && in.st.RestartDue.IsZero() {
		if t, ok, err := nextTime(in.pol.Plugin.RestartSchedule, in.cfg.Clock.Now()); err == nil && ok {
			in.st.RestartDue = t
		}
	}
}

// restartIfDue restarts at the end of a cycle, or at the restart schedule's time.
func (in *Installer) restartIfDue(ctx context.Context, _ bool) {
	if !in.st.RestartNeeded || in.restartWaitsForWindow() {
		return
	}
	if in.st.RestartWindowed && in.st.RestartImmediate {
		in.restart(ctx, "the maintenance window is open and the policy allows an immediate restart")
		return
	}
	switch in.pol.Plugin.Restart {
	case wire.RestartEndOfCycle:
		in.restart(ctx, "end of the software update cycle")
	case wire.RestartScheduled:
		if !in.st.RestartDue.IsZero() && !in.cfg.Clock.Now().Before(in.st.RestartDue) {
			in.restart(ctx, "restart schedule")
		}
	default:
		in.info("restart", "a restart is required; the plug-in policy never restarts, so it waits for the user")
	}
}

// restart clears the request and saves the state before restarting, so the agent that comes back
// does not restart again; the events go first, while the network is up.
func (in *Installer) restart(ctx context.Context, why string) {
	if in.cfg.Clock.Now().Before(in.st.RestartDeferredUntil) {
		in.log.Debug("restart deferred by the user", "until", in.st.RestartDeferredUntil)
		return
	}
	if !in.warnRestart(ctx) {
		return
	}
	in.restartNow(ctx, why)
}

// restartNow restarts without a warning: after it, or when the user asked for it.
func (in *Installer) restartNow(ctx context.Context, why string) {
	in.st.RestartNeeded, in.st.RestartDue = false, time.Time{}
	in.st.Reminded, in.st.ReminderDue, in.st.RestartBoot = false, time.Time{}, time.Time{}
	in.st.RestartWindowed, in.st.RestartImmediate = false, false
	in.st.RestartDeferredUntil, in.st.RestartDeferredS = time.Time{}, 0
	in.info("restart", "restarting the computer: "+why)
	in.flush(ctx)
	if err := saveInstallState(in.cfg.StateDir, in.st); err != nil {
		in.log.Warn("save install state before restart", "err", err)
	}
	if err := in.cfg.Restart(ctx); err != nil {
		in.st.RestartNeeded = true
		in.log.Error("restart", "err", err)
		in.events = append(in.events, wire.Event{At: in.cfg.Clock.Now().UTC(), Severity: "error", Kind: "restart", Message: sanitize(err.Error())})
	}
}

// bootSlack absorbs the drift of a boot time computed from the wall clock and the uptime.
const bootSlack = 2 * time.Minute

// restartedSince clears a needed restart once the computer has restarted since it became needed
// (the user restarted it, as the restart option "never" expects), which ends the reminders.
func (in *Installer) restartedSince() {
	if !in.st.RestartNeeded || in.st.RestartBoot.IsZero() {
		return
	}
	boot, err := in.cfg.BootTime()
	if err != nil {
		in.log.Debug("boot time", "err", err)
		return
	}
	if d := boot.Sub(in.st.RestartBoot); d < bootSlack && d > -bootSlack {
		return
	}
	in.st.RestartNeeded, in.st.RestartDue = false, time.Time{}
	in.st.RestartWindowed, in.st.RestartImmediate = false, false
	in.st.RestartDeferredUntil, in.st.RestartDeferredS = time.Time{}, 0
	in.st.Reminded, in.st.ReminderDue, in.st.RestartBoot = false, time.Time{}, time.Time{}
	in.info("restart", "the computer restarted since an update asked for a restart: the restart is no longer needed")
}
