//go:build !windows

package agent

import (
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"patchdesk/agentsvc/wire"
	"patchdesk/model/rules"
)

// silentNotifier is a platform that shows notices but takes no answer (Linux, macOS).
type silentNotifier struct{ *fakeNotifier }

func (s silentNotifier) Notify(ctx context.Context, n Notice) (<-chan Answer, error) {
	_, err := s.fakeNotifier.Notify(ctx, n)
	return nil, err
}

// fakeBoot is the computer's boot time; restart moves it to the clock's now.
type fakeBoot struct {
	mu sync.Mutex
	at time.Time
}

func (b *fakeBoot) time() (time.Time, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.at, nil
}

func (b *fakeBoot) restart(at time.Time) {
	b.mu.Lock()
	b.at = at
	b.mu.Unlock()
}

// addFailingUpdate assigns a second update, "Second update", whose installer always fails.
func addFailingUpdate(r *noticeRig) {
	installed, _ := json.Marshal(rules.HasKB("KB2"))
	r.host.mu.Lock()
	defer r.host.mu.Unlock()
	a := &r.host.pol.Assignments[0]
	u := a.Updates[0]
	u.ID, u.BulletinID, u.Name, u.InstalledRule, u.CommandLine, u.RebootCodes = "U2", "B2", "Second update", installed, "exit 3", nil
	a.Updates = append(a.Updates, u)
}

func TestShowProgress(t *testing.T) {
	tests := []struct {
		name string
		on   bool
		want []string
	}{
		{name: "on", on: true, want: []string{"Installing 1 of 2: U1", "Installing 2 of 2: Second update", "1 installed, 1 failed"}},
		{name: "off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := wire.PluginSettings{ShowProgress: tt.on, Restart: wire.RestartNever}
			r := newNoticeRig(t, p, false, func(Notice) (Answer, error) { return AnswerNone, nil })
			addFailingUpdate(r)
			r.cycle(t)
			var got []string
			for _, n := range r.notifier.shown() {
				if n.Now != "" || n.Later != "" || n.Timeout != progressTimeout {
					t.Errorf("progress notice %+v offers a choice or has no %s timeout", n, progressTimeout)
				}
				got = append(got, n.Message)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("progress notices = %q, want %q\nevents:\n%s", got, tt.want, r.host.events())
			}
		})
	}
}

// TestRestartReminder: an installed update needs a restart that waits; the user is reminded at
// once, then on the reminder schedule, until the computer restarts or the user restarts it.
func TestRestartReminder(t *testing.T) {
	type step struct {
		at        time.Duration // since start, before the cycle
		reboot    bool          // the computer restarted (by the user) before the cycle
		waits     bool          // the cycle waits the reminder's minutes for an answer
		reminders int           // reminders shown so far
		restarts  int
		needed    bool // a restart is still needed afterwards
	}
	never := wire.PluginSettings{Restart: wire.RestartNever, ReminderMessage: true, ReminderSchedule: "every 2h"}
	tests := []struct {
		name   string
		plugin wire.PluginSettings
		answer Answer
		silent bool // the platform takes no answer
		steps  []step
	}{
		{name: "never: reminded every 2h until the user restarts", plugin: never, silent: true, steps: []step{
			{at: 0, reminders: 1, needed: true},
			{at: time.Hour, reminders: 1, needed: true},
			{at: 2 * time.Hour, reminders: 2, needed: true},
			{at: 3 * time.Hour, reboot: true, reminders: 2},
			{at: 5 * time.Hour, reminders: 2},
		}},
		{name: "no answer waits the reminder's minutes", plugin: never, steps: []step{
			{at: 0, waits: true, reminders: 1, needed: true},
			{at: 2*time.Hour + reminderTimeout, waits: true, reminders: 2, needed: true},
		}},
		{name: "restart now restarts", plugin: never, answer: AnswerNow, steps: []step{
			{at: 0, reminders: 1, restarts: 1},
			{at: 2 * time.Hour, reminders: 1, restarts: 1},
		}},
		{name: "scheduled restart: reminded until it", silent: true,
			plugin: wire.PluginSettings{Restart: wire.RestartScheduled, RestartSchedule: "every 3h", ReminderMessage: true, ReminderSchedule: "every 2h"},
			steps: []step{
				{at: 0, reminders: 1, needed: true},
				{at: 2 * time.Hour, reminders: 2, needed: true},
				{at: 3 * time.Hour, reminders: 2, restarts: 1},
				{at: 5 * time.Hour, reminders: 2, restarts: 1},
			}},
		{name: "reminder off", silent: true, plugin: wire.PluginSettings{Restart: wire.RestartNever, ReminderSchedule: "every 2h"}, steps: []step{
			{at: 0, needed: true},
			{at: 2 * time.Hour, needed: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newNoticeRig(t, tt.plugin, true, func(Notice) (Answer, error) { return tt.answer, nil })
			if tt.silent {
				r.in.cfg.Notifier = silentNotifier{r.notifier}
			}
			start := r.clock.Now()
			boot := &fakeBoot{at: start.Add(-24 * time.Hour)}
			r.in.cfg.BootTime = boot.time
			for i, s := range tt.steps {
				r.clock.Advance(start.Add(s.at).Sub(r.clock.Now()))
				if s.reboot {
					boot.restart(r.clock.Now())
				}
				if s.waits {
					r.cycleWaiting(t, reminderTimeout)
				} else {
					r.cycle(t)
				}
				restarts, _ := r.counts()
				shown := r.notifier.shown()
				if restarts != s.restarts || len(shown) != s.reminders || r.in.st.RestartNeeded != s.needed {
					t.Fatalf("step %d (+%s): restarts %d, reminders %d, needed %v; want %d, %d, %v\nevents:\n%s",
						i, s.at, restarts, len(shown), r.in.st.RestartNeeded, s.restarts, s.reminders, s.needed, r.host.events())
				}
				due, ok := r.in.nextDue()
				if s.needed && tt.plugin.ReminderMessage && (!ok || due.After(r.clock.Now().Add(2*time.Hour))) {
					t.Errorf("step %d: next due %s (%v), want within the reminder's 2h", i, due, ok)
				}
				if !s.needed && ok {
					t.Errorf("step %d: next due %s, want nothing once no restart is needed", i, due)
				}
			}
			for _, n := range r.notifier.shown() {
				if n.Now != "Restart now" || n.Later != "" || n.Timeout != reminderTimeout || !strings.Contains(n.Message, "must restart") {
					t.Errorf("reminder = %+v, want Restart now, %s, must restart", n, reminderTimeout)
				}
				if tt.plugin.Restart == wire.RestartScheduled && !strings.Contains(n.Message, "Otherwise it restarts at") {
					t.Errorf("reminder %q does not say when the scheduled restart comes", n.Message)
				}
			}
		})
	}
}

// TestRestartReminderAfterDeferral: a user who has just deferred the restart warning is not
// reminded in the same cycle, but one reminder period later.
func TestRestartReminderAfterDeferral(t *testing.T) {
	p := wire.PluginSettings{PendingRestartMessage: true, PendingRestartMinutes: 15, AllowDefer: true, MaxDeferralS: 4 * 3600,
		ReminderMessage: true, ReminderSchedule: "every 30m"}
	r := newNoticeRig(t, p, true, func(n Notice) (Answer, error) {
		if n.Later != "" {
			return AnswerLater, nil
		}
		return AnswerNone, nil
	})
	start := r.clock.Now()
	r.cycle(t)
	if shown := r.notifier.shown(); len(shown) != 1 || shown[0].Later == "" {
		t.Fatalf("notices %+v, want the restart warning alone", shown)
	}
	if due, ok := r.in.nextDue(); !ok || !due.Equal(start.Add(30*time.Minute)) {
		t.Errorf("next due %s, want the reminder at +30m", due)
	}
	r.clock.Advance(30 * time.Minute)
	r.cycleWaiting(t, reminderTimeout)
	shown := r.notifier.shown()
	if len(shown) != 2 || !strings.Contains(shown[1].Message, "Otherwise it restarts after") {
		t.Fatalf("notices %+v, want the reminder second, saying when the deferral ends", shown)
	}
}

func TestOSBootTime(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("no boot time on", runtime.GOOS)
	}
	boot, err := osBootTime()
	if err != nil {
		t.Fatal(err)
	}
	if !boot.Before(time.Now()) || time.Since(boot) > 10*365*24*time.Hour {
		t.Errorf("boot time %s is not in the past decade", boot)
	}
}
