package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/gofrs/flock"
	"github.com/jonboulle/clockwork"

	"patchdesk/agentsvc/wire"
	"patchdesk/model/inventory"
	"patchdesk/model/rules"
)

// The agent install cycle (DESIGN.md "The loop", step 7): fetch the computer's assignments when
// the policy revision changes, re-check each update's rules on the live machine, download and
// verify its package, install it in the allowed time with retries and Terminate after, verify,
// restart as configured, and report every status change of Table 4-1 to the host.

// ErrUserRunNotAllowed means the plug-in policy does not let users start a cycle.
var ErrUserRunNotAllowed = errors.New(`the host's plug-in policy does not allow users to start a software update cycle ("Allow user to run" is off)`)

// ErrCycleBusy means another cycle (the service's or a user's) is installing right now.
var ErrCycleBusy = errors.New("a software update cycle is already running on this computer")

// InstallConfig is what the install cycle needs from the agent.
type InstallConfig struct {
	Client   *Client
	StateDir string
	// Scan produces the live inventory the rules are evaluated on.
	Scan  func(ctx context.Context) (inventory.Inventory, error)
	Clock clockwork.Clock
	Log   *slog.Logger
	// Restart restarts the computer (DefaultRestart in production; tests record the call).
	Restart func(ctx context.Context) error
	// UserLoggedOn answers the Program can run condition (the OS's sessions unless set).
	UserLoggedOn func() (bool, error)
	// OnStatus, when set, hears every status change as it is reported (tests wait on it).
	OnStatus func(wire.Delivery)
	// OnCycleDone, when set, hears the end of every cycle, after its events were posted.
	OnCycleDone func(error)
	// Location is the time zone maintenance windows are evaluated in (the computer's own,
	// time.Local, unless set; tests pin one).
	Location *time.Location
	// TerminateAfter, when set, replaces the host's Terminate after, whose setting cannot go
	// below a minute: tests kill a hanging installer in milliseconds.
	TerminateAfter time.Duration
	// Notifier tells the logged-on user before installations and restarts (notify.go); unset,
	// nobody is told and nothing waits (cmd/patchagent wires the platform's).
	Notifier Notifier
	// BootTime is when the computer started (the OS's unless set): a restart the user made
	// ends the restart reminders.
	BootTime func() (time.Time, error)
	// RetryDelay is the least time between a failed try and the next one. Without it an
	// as-soon-as-possible policy retries at once and spends every reinstallation attempt
	// within a second (cmd/patchagent sets DefaultRetryDelay; tests on a fake clock leave it 0).
	RetryDelay time.Duration
}

// DefaultRetryDelay spaces the service's retries: long enough for what made an installer fail
// (a file in use, a busy Windows Installer) to pass, short enough to finish the same day.
const DefaultRetryDelay = 5 * time.Minute

// Installer runs install cycles; Run is the service's loop, RunCycle one cycle.
type Installer struct {
	cfg InstallConfig
	log *slog.Logger

	mu     sync.Mutex // one cycle at a time in this process; the lock file covers others
	pol    *wire.PoliciesResponse
	st     installState
	events []wire.Event
	notify chan struct{}
	// noticeGiven: this cycle already told the user that updates install.
	noticeGiven bool

	// revMu guards the revisions apart from mu, so that a check-in's Notify never waits for an
	// installation that may run for hours.
	revMu    sync.Mutex
	revision string // the latest check-in's
	held     string // the one of the assignments in pol
}

// tree is an installer's process tree, killed as a whole.
type tree interface {
	kill()
	close()
}

// runAs is the Run with rights setting.
type runAs struct{ Rights, User, Password string }

const (
	rightsLoggedOnUser  = "logged_on_user"
	rightsSpecifiedUser = "specified_user"
)

// NewInstaller prepares the install cycle.
func NewInstaller(cfg InstallConfig) *Installer {
	if cfg.Clock == nil {
		cfg.Clock = clockwork.NewRealClock()
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.UserLoggedOn == nil {
		cfg.UserLoggedOn = osUserLoggedOn
	}
	if cfg.Restart == nil {
		cfg.Restart = DefaultRestart
	}
	if cfg.Notifier == nil {
		cfg.Notifier = noUserNotifier{}
	}
	if cfg.BootTime == nil {
		cfg.BootTime = osBootTime
	}
	return &Installer{cfg: cfg, log: cfg.Log.With("component", "install"), notify: make(chan struct{}, 1)}
}

// Notify tells the installer the policy revision of the latest check-in; a change starts a cycle.
func (in *Installer) Notify(revision string) {
	in.revMu.Lock()
	changed := revision != "" && revision != in.held
	in.revision = revision
	in.revMu.Unlock()
	if changed {
		in.wake()
	}
}

func (in *Installer) wake() {
	select {
	case in.notify <- struct{}{}:
	default:
	}
}

// Run cycles until ctx ends: when the revision changes, and when an update or restart is due.
func (in *Installer) Run(ctx context.Context) {
	for {
		var timer <-chan time.Time
		if due, ok := in.nextDue(); ok {
			timer = in.cfg.Clock.After(max(due.Sub(in.cfg.Clock.Now()), 0))
		}
		select {
		case <-ctx.Done():
			return
		case <-in.notify:
		case <-timer:
		}
		err := in.RunCycle(ctx, false)
		if in.cfg.OnCycleDone != nil {
			in.cfg.OnCycleDone(err)
		}
		if err != nil && ctx.Err() == nil {
			in.log.Warn("software update cycle", "err", err)
			if !errors.Is(err, ErrCycleBusy) {
				// Host away: try again on the next check-in's notice rather than spin.
				in.mu.Lock()
				in.pol = nil
				in.mu.Unlock()
				in.revMu.Lock()
				in.held = ""
				in.revMu.Unlock()
				select {
				case <-ctx.Done():
					return
				case <-in.notify:
					in.wake()
				}
			}
		}
	}
}

// nextDue is the earliest time an update or a scheduled restart waits for.
func (in *Installer) nextDue() (time.Time, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	var due time.Time
	for _, r := range in.st.Updates {
		if r.DueAt.IsZero() || !waiting(r.Status) {
			continue
		}
		if due.IsZero() || r.DueAt.Before(due) {
			due = r.DueAt
		}
	}
	for _, t := range []time.Time{in.st.RestartDue, in.st.RestartDeferredUntil, in.st.ReminderDue} {
		if in.st.RestartNeeded && !t.IsZero() && (due.IsZero() || t.Before(due)) {
			due = t
		}
	}
	return due, !due.IsZero()
}

// waiting statuses are those a later cycle acts on.
func waiting(status string) bool {
	switch status {
	case wire.StatusScheduled, wire.StatusFailedRescheduled, wire.StatusRetry, wire.StatusDownloadRequired:
		return true
	}
	return false
}

// RunCycle runs one cycle now. byUser is `patchagent cycle`: it needs "Allow user to run" and
// installs whatever is applicable without waiting for the schedule.
func (in *Installer) RunCycle(ctx context.Context, byUser bool) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if err := os.MkdirAll(in.cfg.StateDir, 0o700); err != nil {
		return fmt.Errorf("create state dir: %w", err)
	}
	lock := flock.New(filepath.Join(in.cfg.StateDir, "install.lock"))
	locked, err := lock.TryLock()
	if err != nil {
		return fmt.Errorf("lock install state: %w", err)
	}
	if !locked {
		return ErrCycleBusy
	}
	defer lock.Unlock()
	if in.st, err = loadInstallState(in.cfg.StateDir); err != nil {
		return err
	}
	defer in.flush(context.WithoutCancel(ctx))
	in.noticeGiven = false
	in.restartedSince()
	in.revMu.Lock()
	latest := in.revision
	in.revMu.Unlock()
	if in.pol == nil || (latest != "" && latest != in.pol.Revision) {
		pol, err := in.cfg.Client.Policies(ctx, wire.PoliciesRequest{Revision: latest})
		if err != nil {
			return fmt.Errorf("fetch policies: %w", err)
		}
		in.pol = &pol
		// A new revision may add, change or remove windows or schedules: updates still waiting
		// for their first installation time are scheduled afresh.
		for _, r := range in.st.Updates {
			if r.Status == wire.StatusScheduled {
				r.DueAt = time.Time{}
			}
		}
		in.revMu.Lock()
		in.held = pol.Revision
		in.revMu.Unlock()
	}
	if byUser && !in.pol.Plugin.AllowUserRun {
		return ErrUserRunNotAllowed
	}
	if ok, why := in.programCanRun(); !ok {
		in.log.Info("update programs may not run now", "reason", why)
		in.info("install", "software update cycle postponed: "+why)
		in.remindRestart(ctx)
		return saveInstallState(in.cfg.StateDir, in.st)
	}
	inv, err := in.cfg.Scan(ctx)
	if err != nil {
		return fmt.Errorf("inventory scan for the update cycle: %w", err)
	}
	assigned := map[string]bool{}
	for _, a := range in.pol.Assignments {
		for _, u := range a.Updates {
			assigned[u.ID] = true
		}
	}
	done := map[string]bool{}
	var ready []readyInstall
	for _, a := range in.pol.Assignments {
		for _, u := range a.Updates {
			if done[u.ID] {
				continue // the first policy that holds an update installs it
			}
			done[u.ID] = true
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if r, ok := in.update(ctx, a, u, &inv, assigned, byUser); ok {
				ready = append(ready, r)
			}
			in.flush(ctx)
		}
	}
	// Installing after every download and check lets the progress notice count the cycle's
	// installations ("Installing 2 of 5").
	if err := in.installReady(ctx, ready, byUser); err != nil {
		return err
	}
	in.restartIfDue(ctx, false)
	in.remindRestart(ctx)
	return saveInstallState(in.cfg.StateDir, in.st)
}

// readyInstall is an update of this cycle whose package is downloaded and whose time has come.
type readyInstall struct {
	a    wire.Assignment
	u    wire.AssignedUpdate
	rec  *updateRecord
	file string
}

// installReady installs the cycle's ready updates in order, after the notice to the user.
func (in *Installer) installReady(ctx context.Context, ready []readyInstall, byUser bool) error {
	if len(ready) == 0 {
		return nil
	}
	// A user who started the cycle needs no notice.
	if !byUser && !in.noticeBeforeInstall(ctx) {
		return nil
	}
	for i, r := range ready {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		in.showProgress(ctx, fmt.Sprintf("Installing %d of %d: %s", i+1, len(ready), updateName(r.u)))
		in.install(ctx, r.a, r.u, r.rec, r.file)
		in.flush(ctx)
	}
	in.showProgress(ctx, in.cycleSummary(ready))
	return nil
}

// programCanRun applies the Program can run setting.
func (in *Installer) programCanRun() (bool, string) {
	cond := in.pol.Plugin.ProgramCanRun
	if cond == "" || cond == "always" {
		return true, ""
	}
	on, err := in.cfg.UserLoggedOn()
	if err != nil {
		return false, fmt.Sprintf("cannot tell whether a user is logged on (%v)", err)
	}
	switch {
	case cond == "user_logged_on" && !on:
		return false, "programs run only while a user is logged on, and nobody is"
	case cond == "no_user_logged_on" && on:
		return false, "programs run only while nobody is logged on, and a user is"
	}
	return true, ""
}

// update takes one update as far as it can go in this cycle before installation; ok: it is
// downloaded and due, ready to install.
func (in *Installer) update(ctx context.Context, a wire.Assignment, u wire.AssignedUpdate, inv *inventory.Inventory, assigned map[string]bool, byUser bool) (r readyInstall, ok bool) {
	rec := in.st.Updates[u.ID]
	if rec == nil {
		rec = &updateRecord{}
		in.st.Updates[u.ID] = rec
	}
	rec.PolicyID = a.PolicyID
	now := in.cfg.Clock.Now()
	if u.SupersededBy != "" && assigned[u.SupersededBy] {
		in.set(u, rec, wire.StatusSuperseded, nil, "", "replaced by "+u.SupersededBy+", which this computer installs instead")
		return r, false
	}
	switch evalRule(u.ApplicableRule, inv) {
	case rules.False:
		in.set(u, rec, wire.StatusNotApplicable, nil, "", "")
		return r, false
	case rules.Unknown:
		in.set(u, rec, wire.StatusPending, nil, "", "the applicable rule cannot be decided on this computer's inventory")
		return r, false
	}
	if len(u.InstalledRule) > 0 && evalRule(u.InstalledRule, inv) == rules.True {
		if rec.Attempts == 0 && rec.LastApplied.IsZero() {
			in.set(u, rec, wire.StatusInstalledByUser, nil, "", "installed before the policy arrived")
		} else {
			in.set(u, rec, wire.StatusInstalled, nil, "", "")
		}
		return r, false
	}
	if rec.Status == wire.StatusFailed {
		return r, false // reinstallation attempts used up; a policy revision does not reset them
	}
	if u.SHA256 == "" {
		in.set(u, rec, wire.StatusPending, nil, "", "the host has no verified package for this update yet")
		return r, false
	}
	if rec.DueAt.IsZero() || !waiting(rec.Status) {
		due, ok, why, err := in.allowedTime(a, now)
		if err != nil {
			in.set(u, rec, wire.StatusPending, nil, "", err.Error())
			return r, false
		}
		rec.DueAt = due
		msg := "at " + in.local(due).Format("2006-01-02 15:04 MST") + why
		if !ok {
			msg = "when a user starts a software update cycle (the schedule is manual)"
		}
		in.set(u, rec, wire.StatusScheduled, nil, "", msg)
		if !ok && !byUser {
			return r, false
		}
	}
	if !byUser && now.Before(rec.DueAt) {
		return r, false
	}
	if next, closed := in.outsideWindow(a, now); closed && !byUser {
		// Missed or closed window: catch up at the next one.
		rec.DueAt = next
		in.info("install", u.ID+": the maintenance window is closed; installation waits for the next window at "+
			in.local(next).Format("2006-01-02 15:04 MST"))
		return r, false
	}
	file, ok := in.download(ctx, a, u, rec)
	if !ok {
		return r, false
	}
	return readyInstall{a: a, u: u, rec: rec, file: file}, true
}

// download fetches the package into the client download location (or the state dir).
func (in *Installer) download(ctx context.Context, a wire.Assignment, u wire.AssignedUpdate, rec *updateRecord) (string, bool) {
	dir := in.pol.Plugin.ClientDownloadLocation
	if dir == "" {
		dir = filepath.Join(in.cfg.StateDir, "packages")
	}
	dir = filepath.Join(dir, u.SHA256)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		in.set(u, rec, wire.StatusRetry, nil, "", fmt.Sprintf("create download folder: %v", err))
		return "", false
	}
	name := u.FileName
	if name == "" || name != filepath.Base(name) {
		name = "package"
	}
	file := filepath.Join(dir, name)
	if ok, _ := fileHasHash(file, u.SHA256); ok {
		return file, true
	}
	in.set(u, rec, wire.StatusDownloadRequired, nil, "", fmt.Sprintf("%s, %d bytes", name, u.Size))
	err := in.cfg.Client.DownloadPackage(ctx, u.SHA256, u.Size, file)
	if err == nil {
		rec.Downloads = 0
		return file, true
	}
	var se *StatusError
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		// The host has no servable package now (it refused a corrupt file and fetches it again):
		// not this computer's failure. Pending until a policy revision brings the package back.
		rec.DueAt = time.Time{}
		in.set(u, rec, wire.StatusPending, nil, "", "the host has no verified package for this update now: "+se.Message)
		return "", false
	}
	rec.Downloads++
	msg := err.Error()
	if errors.Is(err, ErrPackageTampered) {
		msg = "package refused: " + msg
	}
	if rec.Downloads > in.pol.Plugin.ReinstallAttempts {
		in.set(u, rec, wire.StatusFailed, nil, "", fmt.Sprintf("download failed %d times; last: %s", rec.Downloads, msg))
		return "", false
	}
	rec.DueAt = in.retryTime(a)
	in.set(u, rec, wire.StatusRetry, nil, "", msg)
	return "", false
}

// retryTime is when a failed update is reapplied: at the first installation time from the retry
// delay on (for an as-soon-as-possible policy, the delay itself), in an open window while
// windows apply.
func (in *Installer) retryTime(a wire.Assignment) time.Time {
	now := in.cfg.Clock.Now()
	earliest := now.Add(in.cfg.RetryDelay)
	t, ok, _, err := in.allowedTime(a, earliest)
	if err != nil || !ok {
		return earliest
	}
	return t
}

// install runs the command line, then verifies with a fresh scan.
func (in *Installer) install(ctx context.Context, a wire.Assignment, u wire.AssignedUpdate, rec *updateRecord, file string) {
	rec.Attempts++
	in.set(u, rec, wire.StatusInstalling, nil, "", u.CommandLine)
	// Posted before the program starts, so the host shows "Installation is in Progress" while a
	// long installer runs rather than only afterwards.
	in.flush(ctx)
	p := in.pol.Plugin
	timeout := time.Duration(p.TerminateAfterS) * time.Second
	if in.cfg.TerminateAfter > 0 {
		timeout = in.cfg.TerminateAfter
	}
	if timeout <= 0 {
		timeout = 4 * time.Hour
	}
	res := runProgram(ctx, filepath.Dir(file), filepath.Base(file), u.CommandLine, timeout, runAs{Rights: p.RunWithRights, User: p.RunAsUser, Password: p.RunAsPassword})
	rec.LastApplied = in.cfg.Clock.Now().UTC()
	var msg string
	switch {
	case res.Err != nil:
		msg = res.Err.Error()
	case res.Killed:
		msg = fmt.Sprintf("still running after Terminate after (%s): the process tree was killed", timeout)
	case !slices.Contains(u.SuccessCodes, res.Exit):
		msg = fmt.Sprintf("exit code %d is not a success code", res.Exit)
	}
	code := &res.Exit
	if msg == "" {
		restart := slices.Contains(u.RebootCodes, res.Exit) || u.Restart == "always"
		in.set(u, rec, wire.StatusVerification, code, res.LogTail, "")
		inv, err := in.cfg.Scan(ctx)
		switch {
		case err != nil:
			msg = fmt.Sprintf("verification scan: %v", err)
		case len(u.InstalledRule) == 0 || evalRule(u.InstalledRule, &inv) == rules.True:
			in.set(u, rec, wire.StatusInstalled, code, "", "")
			if restart {
				in.needRestart(ctx, a, u)
			}
			return
		case restart:
			// The update completes at the restart; the next cycle's rules say whether it did.
			in.needRestart(ctx, a, u)
			return
		default:
			msg = "the installed rule is still false after a successful exit"
		}
	}
	if rec.Attempts > p.ReinstallAttempts {
		in.set(u, rec, wire.StatusFailed, code, res.LogTail, fmt.Sprintf("attempt %d of %d: %s", rec.Attempts, p.ReinstallAttempts+1, msg))
		return
	}
	rec.DueAt = in.retryTime(a)
	in.set(u, rec, wire.StatusFailedRescheduled, code, res.LogTail, fmt.Sprintf("attempt %d of %d: %s", rec.Attempts, p.ReinstallAttempts+1, msg))
}

// set records a status change and queues its event; an unchanged status is not reported again.
func (in *Installer) set(u wire.AssignedUpdate, rec *updateRecord, status string, exit *int, logTail, detail string) {
	if rec.Status == status && status != wire.StatusInstalling && status != wire.StatusRetry && status != wire.StatusFailedRescheduled {
		return
	}
	rec.Status = status
	d := wire.Delivery{UpdateID: u.ID, PolicyID: rec.PolicyID, Status: status, Attempt: rec.Attempts, ExitCode: exit, LogTail: logTail}
	msg := u.ID + ": " + wire.StatusText[status]
	if detail != "" {
		msg += ": " + detail
	}
	if len(msg) > 4000 {
		msg = msg[:4000]
	}
	sev := "info"
	switch status {
	case wire.StatusFailed:
		sev = "error"
	case wire.StatusFailedRescheduled, wire.StatusRetry:
		sev = "warning"
	}
	in.log.Info("update status", "update", u.ID, "status", status, "attempt", rec.Attempts, "detail", detail)
	in.events = append(in.events, wire.Event{At: in.cfg.Clock.Now().UTC(), Severity: sev, Kind: wire.KindDelivery, Message: sanitize(msg), Delivery: &d})
	if in.cfg.OnStatus != nil {
		in.cfg.OnStatus(d)
	}
}

func (in *Installer) info(kind, msg string) {
	in.events = append(in.events, wire.Event{At: in.cfg.Clock.Now().UTC(), Severity: "info", Kind: kind, Message: sanitize(msg)})
}

// sanitize keeps an event message on one printable line, as the host requires.
func sanitize(s string) string {
	b := []rune(s)
	for i, r := range b {
		if r < 0x20 || r == 0x7f {
			b[i] = ' '
		}
	}
	return string(b)
}

// flush posts the queued events; the host being away keeps them for the next cycle.
func (in *Installer) flush(ctx context.Context) {
	for len(in.events) > 0 {
		n := min(len(in.events), wire.MaxEventsPerPost)
		if _, err := in.cfg.Client.PostEvents(ctx, in.events[:n]); err != nil {
			in.log.Debug("post delivery events", "err", err)
			if len(in.events) > 1000 {
				in.events = in.events[len(in.events)-1000:]
			}
			return
		}
		in.events = in.events[n:]
	}
}

func evalRule(raw []byte, inv *inventory.Inventory) rules.Tri {
	if len(raw) == 0 {
		return rules.True // no rule: applies everywhere
	}
	r, err := rules.Parse(raw)
	if err != nil {
		return rules.Unknown
	}
	return r.Eval(inv)
}
