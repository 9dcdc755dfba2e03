package agent

import (
	"time"

	"patchdesk/agentsvc/wire"
	"patchdesk/model/windows"
)

// Maintenance windows on the agent (guide chapter 5, "About software update policies and
// maintenance windows"): when the host sends windows for this computer, updates install as soon
// as the first window opens and the installation schedule is ignored; a restart that falls
// outside every window waits for the next one. A policy's "Override maintenance windows" (or the
// plug-in policy's) puts its schedule and restart options back in charge. Windows are evaluated
// in the computer's own time zone.

// local is t in the time zone windows are evaluated in.
func (in *Installer) local(t time.Time) time.Time {
	if in.cfg.Location != nil {
		return t.In(in.cfg.Location)
	}
	return t.Local()
}

// computerWindows parses the host's windows. A text this agent cannot read (a newer host's) is
// reported and left out rather than blocking every installation.
func (in *Installer) computerWindows() windows.Set {
	if in.pol == nil {
		return nil
	}
	var set windows.Set
	for _, w := range in.pol.MaintenanceWindows {
		sp, err := windows.Parse(w.Spec)
		if err != nil {
			in.log.Warn("maintenance window ignored", "window", w.Name, "err", err)
			continue
		}
		set = append(set, sp)
	}
	return set
}

// overrides reports whether the assignment installs and restarts regardless of windows.
func (in *Installer) overrides(a wire.Assignment) bool {
	return a.OverrideMaintenanceWindows || in.pol.Plugin.OverrideMaintenanceWindows
}

// windowsFor is the set that limits the assignment: empty when it overrides or none apply.
func (in *Installer) windowsFor(a wire.Assignment) windows.Set {
	if in.overrides(a) {
		return nil
	}
	return in.computerWindows()
}

// allowedTime is when an update of the assignment may next install: the start of the next
// window (now when one is open) while windows apply, else the policy's schedule (installTime).
func (in *Installer) allowedTime(a wire.Assignment, now time.Time) (time.Time, bool, string, error) {
	ws := in.windowsFor(a)
	if len(ws) == 0 {
		t, ok, err := installTime(a, in.pol.Plugin, now)
		return t, ok, "", err
	}
	t, ok := ws.NextOpen(in.local(now))
	if !ok {
		return time.Time{}, false, "", nil
	}
	return t, true, " (maintenance window)", nil
}

// outsideWindow checks, right before an installation, that a window is still open: a computer
// that was off or busy through its window, or whose window closed during earlier installations
// of the cycle, waits for the next window instead of installing now. It returns the time to wait
// for.
func (in *Installer) outsideWindow(a wire.Assignment, now time.Time) (time.Time, bool) {
	ws := in.windowsFor(a)
	if len(ws) == 0 || ws.Open(in.local(now)) {
		return time.Time{}, false
	}
	next, ok := ws.NextOpen(in.local(now))
	if !ok {
		return time.Time{}, true
	}
	return next, true
}

// restartWaitsForWindow postpones a restart that falls outside every window to the next one.
// It reports true when the restart must wait.
func (in *Installer) restartWaitsForWindow() bool {
	if !in.st.RestartWindowed || (in.pol.Plugin.Restart == wire.RestartNever && !in.st.RestartImmediate) {
		return false // "never" leaves the restart to the user, inside a window or not
	}
	ws := in.computerWindows()
	now := in.cfg.Clock.Now()
	if len(ws) == 0 || in.pol.Plugin.OverrideMaintenanceWindows || ws.Open(in.local(now)) {
		return false
	}
	next, ok := ws.NextOpen(in.local(now))
	if ok && !next.Equal(in.st.RestartDue) {
		in.st.RestartDue = next
		in.info("restart", "a restart is required; the maintenance window is closed, so it is postponed to the next window at "+
			next.Format("2006-01-02 15:04 MST"))
	}
	return true
}
