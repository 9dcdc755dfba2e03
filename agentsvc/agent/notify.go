package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jonboulle/clockwork"

	"patchdesk/agentsvc/wire"
)

// What the logged-on user is told (guide, Table 5-6, the Notification tab): a notice before
// updates install, which the user may answer with "Install now"; the progress of the
// installations; a warning before a restart, which the user may answer with "Restart now" or,
// while the policy allows, "Restart later"; and, on the reminder schedule, a reminder that a
// restart waits, which the user may answer with "Restart now".
// The waits run on the installer's clock, so tests need neither a desktop nor real minutes.

// Notifier tells the user logged on at the console. Notify returns at once: when the platform
// can take an answer it arrives on the channel (at most one value; a nil channel means the user
// cannot answer). ErrNoUser, possibly wrapped, means nobody could be told.
type Notifier interface {
	Notify(ctx context.Context, n Notice) (<-chan Answer, error)
}

// Notice is one message to the user.
type Notice struct {
	Title   string
	Message string
	// Now is the choice that acts at once ("Install now"); Later, when set, postpones the
	// restart. Platforms that cannot take an answer only show Message.
	Now, Later string
	// Timeout is how long the notice may stay open: the agent acts when it ends.
	Timeout time.Duration
}

// Answer is the user's choice.
type Answer int

const (
	AnswerNone  Answer = iota // closed, timed out, or no choice offered
	AnswerNow                 // install or restart now
	AnswerLater               // defer the restart
)

// ErrNoUser means no user is logged on who could be told.
var ErrNoUser = errors.New("no user is logged on to be told")

// noUserNotifier is the installer's default: the service wires the platform's notifier
// (cmd/patchagent), while tests and embedders that set none never wait on a notice.
type noUserNotifier struct{}

func (noUserNotifier) Notify(context.Context, Notice) (<-chan Answer, error) { return nil, ErrNoUser }

const (
	noticeTitle = "PatchDesk software updates"
	// Defaults when the host sends no minutes (its settings allow 1 to 240).
	defaultNotifyMinutes  = 10
	defaultPendingMinutes = 15
	// deferStep is how long one "Restart later" postpones the restart, within Maximum deferral.
	deferStep = time.Hour
	// progressTimeout is how long a progress notice stays open; nothing waits for it.
	progressTimeout = time.Minute
	// reminderTimeout is how long a restart reminder stays open for a "Restart now".
	reminderTimeout = 5 * time.Minute
	// defaultReminderSchedule is the setting's default, for a schedule the agent cannot parse.
	defaultReminderSchedule = "every 2h"
)

func minutesOr(n, def int) time.Duration {
	if n <= 0 {
		n = def
	}
	return time.Duration(n) * time.Minute
}

// installNoticeText is the notice before installation: the host's text or the agent's own.
func installNoticeText(p wire.PluginSettings) string {
	if p.NotifyMessage != "" {
		return p.NotifyMessage
	}
	m := int(minutesOr(p.NotifyMinutes, defaultNotifyMinutes) / time.Minute)
	return fmt.Sprintf("Software updates will install on your computer in %d minutes. Please ensure that all work is saved.", m)
}

// noticeBeforeInstall tells the user once per cycle, before the first installation, and waits
// Minutes before installation unless the user chooses to install now. Nobody logged on: nobody
// to wait for, so the installation goes ahead. false: ctx ended while waiting.
func (in *Installer) noticeBeforeInstall(ctx context.Context) bool {
	p := in.pol.Plugin
	if !p.NotifyUser || in.noticeGiven {
		return true
	}
	in.noticeGiven = true
	wait := minutesOr(p.NotifyMinutes, defaultNotifyMinutes)
	answers, err := in.cfg.Notifier.Notify(ctx, Notice{Title: noticeTitle, Message: installNoticeText(p), Now: "Install now", Timeout: wait})
	if err != nil {
		in.untold("installation", err)
		return true
	}
	in.info("notify", fmt.Sprintf("the user was told that software updates install in %s", wait))
	in.flush(ctx)
	switch a, ok := in.await(ctx, wait, answers); {
	case !ok:
		return false
	case a == AnswerNow:
		in.info("notify", "the user chose to install now")
	}
	return true
}

// warnRestart warns the user Minutes before restart (when the pending restart message or
// deferral is on) and waits. true: restart now. false: the user deferred (the restart is due
// again at RestartDeferredUntil) or ctx ended.
func (in *Installer) warnRestart(ctx context.Context) bool {
	p := in.pol.Plugin
	if !p.PendingRestartMessage && !p.AllowDefer {
		return true
	}
	wait := minutesOr(p.PendingRestartMinutes, defaultPendingMinutes)
	left := time.Duration(p.MaxDeferralS-in.st.RestartDeferredS) * time.Second
	n := Notice{Title: noticeTitle, Now: "Restart now", Timeout: wait,
		Message: fmt.Sprintf("Your computer will restart in %d minutes to complete software updates. Please ensure that all work is saved.", int(wait/time.Minute))}
	canDefer := p.AllowDefer && left > 0
	if canDefer {
		n.Later = "Restart later"
		n.Message += fmt.Sprintf(" You may postpone the restart by %s at a time, for %s in all.", min(deferStep, left), left)
	}
	answers, err := in.cfg.Notifier.Notify(ctx, n)
	if err != nil {
		in.untold("restart", err)
		return true
	}
	in.info("notify", fmt.Sprintf("the user was told that the computer restarts in %s", wait))
	in.flush(ctx)
	a, ok := in.await(ctx, wait, answers)
	switch {
	case !ok:
		return false
	case a == AnswerNow:
		in.info("notify", "the user chose to restart now")
	case a == AnswerLater && canDefer:
		step := min(deferStep, left)
		in.st.RestartDeferredS += int(step / time.Second)
		in.st.RestartDeferredUntil = in.cfg.Clock.Now().Add(step)
		in.info("restart", fmt.Sprintf("the user deferred the restart to %s (%s of the %s allowed deferral used)",
			in.local(in.st.RestartDeferredUntil).Format("2006-01-02 15:04 MST"),
			time.Duration(in.st.RestartDeferredS)*time.Second, time.Duration(p.MaxDeferralS)*time.Second))
		return false
	}
	return true
}

// await waits on the installer's clock until wait passed or the user chose to act now; a
// "Restart later" ends the wait too. ok is false when ctx ended first.
func (in *Installer) await(ctx context.Context, wait time.Duration, answers <-chan Answer) (Answer, bool) {
	timer := in.cfg.Clock.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return AnswerNone, false
		case <-timer.Chan():
			return AnswerNone, true
		case a, open := <-answers:
			if !open || a == AnswerNone {
				answers = nil // closed without a choice: the time still counts down
				continue
			}
			return a, true
		}
	}
}

// untold reports that nobody could be told; the cycle goes on as if nobody answered.
func (in *Installer) untold(what string, err error) {
	lvl := slog.LevelWarn
	if errors.Is(err, ErrNoUser) {
		lvl = slog.LevelInfo
	}
	in.log.Log(context.Background(), lvl, "could not tell the user", "before", what, "err", err)
	in.info("notify", fmt.Sprintf("nobody could be told before the %s (%v): it goes ahead", what, err))
}

// showProgress tells the user how the cycle's installations go (Show progress); the notice takes
// no answer and nothing waits for it.
func (in *Installer) showProgress(ctx context.Context, msg string) {
	if !in.pol.Plugin.ShowProgress {
		return
	}
	if _, err := in.cfg.Notifier.Notify(ctx, Notice{Title: noticeTitle, Message: msg, Timeout: progressTimeout}); err != nil {
		in.log.Debug("could not show the installation progress", "err", err)
	}
}

// updateName is how the progress notice names an update.
func updateName(u wire.AssignedUpdate) string {
	if u.Name != "" {
		return u.Name
	}
	return u.ID
}

// cycleSummary is the progress notice at the end of the cycle's installations: an update waiting
// for its restart to verify counts as installed.
func (in *Installer) cycleSummary(ready []readyInstall) string {
	installed, failed := 0, 0
	for _, r := range ready {
		switch r.rec.Status {
		case wire.StatusInstalled, wire.StatusVerification:
			installed++
		case wire.StatusFailed, wire.StatusFailedRescheduled:
			failed++
		}
	}
	msg := fmt.Sprintf("%d installed, %d failed", installed, failed)
	if in.st.RestartNeeded {
		msg += ". A restart is required to complete the installation."
	}
	return msg
}

// remindRestart reminds the user, on the reminder schedule, that the computer must restart to
// complete updates while that restart waits: the restart option is never, the scheduled restart
// is later, the user deferred it, or it waits for a maintenance window. It runs at the end of a
// cycle, after any restart, so the first reminder comes with the cycle that left the restart
// waiting (or one reminder period after a warning the user deferred). The reminder offers
// "Restart now"; the platforms that take no answer only show it.
func (in *Installer) remindRestart(ctx context.Context) {
	p := in.pol.Plugin
	if !in.st.RestartNeeded || !p.ReminderMessage {
		in.st.Reminded, in.st.ReminderDue = false, time.Time{}
		return
	}
	now := in.cfg.Clock.Now()
	deferred := now.Before(in.st.RestartDeferredUntil)
	switch {
	case in.st.Reminded && (in.st.ReminderDue.IsZero() || now.Before(in.st.ReminderDue)):
		return
	case !in.st.Reminded && deferred:
		in.st.Reminded, in.st.ReminderDue = true, in.nextReminder(now)
		return
	}
	in.st.Reminded, in.st.ReminderDue = true, in.nextReminder(now)
	answers, err := in.cfg.Notifier.Notify(ctx, Notice{Title: noticeTitle, Message: in.reminderText(now, deferred),
		Now: "Restart now", Timeout: reminderTimeout})
	if err != nil {
		lvl := slog.LevelWarn
		if errors.Is(err, ErrNoUser) {
			lvl = slog.LevelInfo
		}
		in.log.Log(ctx, lvl, "could not remind the user of the restart", "err", err)
		in.info("notify", fmt.Sprintf("nobody could be reminded that a restart is required (%v)", err))
		return
	}
	in.info("notify", "the user was reminded that a restart is required")
	in.flush(ctx)
	if answers == nil {
		return
	}
	if awaitAnswer(ctx, in.cfg.Clock.NewTimer(reminderTimeout), answers) == AnswerNow {
		in.info("notify", "the user chose to restart now from the reminder")
		in.restartNow(ctx, "the user chose Restart now in the restart reminder")
	}
}

// nextReminder is the reminder schedule's next time after now; zero for a manual schedule.
func (in *Installer) nextReminder(now time.Time) time.Time {
	t, ok, err := nextTime(in.pol.Plugin.ReminderSchedule, now)
	if err != nil {
		in.log.Warn("reminder schedule", "err", err, "instead", defaultReminderSchedule)
		t, ok, _ = nextTime(defaultReminderSchedule, now)
	}
	if !ok {
		return time.Time{}
	}
	return t
}

func (in *Installer) reminderText(now time.Time, deferred bool) string {
	msg := "Your computer must restart to complete software updates. Please save your work and restart it."
	switch {
	case deferred:
		msg += " Otherwise it restarts after " + in.local(in.st.RestartDeferredUntil).Format("2006-01-02 15:04 MST") + "."
	case in.pol.Plugin.Restart == wire.RestartScheduled && now.Before(in.st.RestartDue):
		msg += " Otherwise it restarts at " + in.local(in.st.RestartDue).Format("2006-01-02 15:04 MST") + "."
	}
	return msg
}

// awaitAnswer waits for the user's answer until the timer fires; closing the notice without a
// choice ends the wait too.
func awaitAnswer(ctx context.Context, timer clockwork.Timer, answers <-chan Answer) Answer {
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return AnswerNone
	case <-timer.Chan():
		return AnswerNone
	case a := <-answers:
		return a
	}
}
