//go:build !windows

package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"patchdesk/agentsvc/wire"
	"patchdesk/model/inventory"
	"patchdesk/model/rules"
)

// fakeNotifier records the notices and answers each as answer says; AnswerNone leaves the
// notice open without a choice.
type fakeNotifier struct {
	mu      sync.Mutex
	notices []Notice
	answer  func(Notice) (Answer, error)
}

func (f *fakeNotifier) Notify(_ context.Context, n Notice) (<-chan Answer, error) {
	f.mu.Lock()
	f.notices = append(f.notices, n)
	f.mu.Unlock()
	a, err := f.answer(n)
	if err != nil {
		return nil, err
	}
	ch := make(chan Answer, 1)
	if a != AnswerNone {
		ch <- a
	}
	return ch, nil
}

func (f *fakeNotifier) shown() []Notice {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.notices)
}

// noticeRig is one update U1 assigned as soon as possible, installed by a shell script on a fake
// clock; rebootCode makes it ask for a restart.
type noticeRig struct {
	in       *Installer
	host     *windowHost
	clock    *clockwork.FakeClock
	notifier *fakeNotifier
	marker   string

	mu           sync.Mutex
	restarts     int
	installingAt time.Time
}

func newNoticeRig(t *testing.T, p wire.PluginSettings, rebootCode bool, answer func(Notice) (Answer, error)) *noticeRig {
	t.Helper()
	r := &noticeRig{marker: filepath.Join(t.TempDir(), "KB1"), notifier: &fakeNotifier{answer: answer},
		clock: clockwork.NewFakeClockAt(time.Date(2025, 7, 9, 12, 0, 0, 0, time.UTC))}
	pkg := []byte("installer")
	sum := sha256.Sum256(pkg)
	installed, _ := json.Marshal(rules.HasKB("KB1"))
	code := 0
	if rebootCode {
		code = 194
	}
	p.InstallSchedule, p.ReinstallAttempts, p.TerminateAfterS = "daily 02:00", 1, 60
	p.AllowUserRun, p.RunWithRights, p.ProgramCanRun = true, "system", "always"
	if p.Restart == "" {
		p.Restart = wire.RestartEndOfCycle
	}
	r.host = &windowHost{pkg: pkg, pol: wire.PoliciesResponse{Revision: "r1", Plugin: p,
		Assignments: []wire.Assignment{{PolicyID: 1, PolicyName: "P", PolicyRevision: 1, Run: wire.RunASAP,
			Updates: []wire.AssignedUpdate{{ID: "U1", BulletinID: "B1", Name: "U1", InstalledRule: installed, SHA256: hex.EncodeToString(sum[:]),
				Size: int64(len(pkg)), FileName: "setup.sh", CommandLine: "touch '" + r.marker + "'; exit " + itoa(code),
				SuccessCodes: []int{0, 194}, RebootCodes: []int{194}}}}}}}
	srv := httptest.NewServer(r.host)
	t.Cleanup(srv.Close)
	r.in = NewInstaller(InstallConfig{Client: NewClient([]string{srv.URL}, "", srv.Client()), StateDir: t.TempDir(), Clock: r.clock,
		Location: time.UTC, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Notifier: r.notifier,
		UserLoggedOn: func() (bool, error) { return true, nil },
		Restart: func(context.Context) error {
			r.mu.Lock()
			r.restarts++
			r.mu.Unlock()
			return nil
		},
		OnStatus: func(d wire.Delivery) {
			if d.Status == wire.StatusInstalling {
				r.mu.Lock()
				r.installingAt = r.clock.Now()
				r.mu.Unlock()
			}
		},
		Scan: func(context.Context) (inventory.Inventory, error) {
			inv := inventory.Inventory{Hostname: "pc", OS: inventory.OS{Family: "linux"}}
			if _, err := os.Stat(r.marker); err == nil {
				inv.KBs = []string{"KB1"}
			}
			return inv, nil
		}})
	return r
}

func (r *noticeRig) counts() (restarts int, installingAt time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.restarts, r.installingAt
}

// cycle runs one cycle that must end without the clock moving.
func (r *noticeRig) cycle(t *testing.T) {
	t.Helper()
	if err := r.in.RunCycle(context.Background(), false); err != nil {
		t.Fatalf("cycle at %s: %v\nevents:\n%s", r.clock.Now(), err, r.host.events())
	}
}

// cycleWaiting runs one cycle that waits on the clock: once the cycle's timer is set, the
// clock moves by wait, and the cycle must then end.
func (r *noticeRig) cycleWaiting(t *testing.T, wait time.Duration) {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- r.in.RunCycle(context.Background(), false) }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.clock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatalf("the cycle never waited on the clock: %v\nevents:\n%s", err, r.host.events())
	}
	if wait > time.Minute {
		r.clock.Advance(wait - time.Minute)
		select {
		case err := <-errc:
			t.Fatalf("the cycle ended %s early (err %v)\nevents:\n%s", time.Minute, err, r.host.events())
		default:
		}
		r.clock.Advance(time.Minute)
	} else {
		r.clock.Advance(wait)
	}
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("cycle: %v", err)
		}
	case <-ctx.Done():
		t.Fatalf("the cycle did not end after %s on the clock\nevents:\n%s", wait, r.host.events())
	}
}

func TestNoticeBeforeInstall(t *testing.T) {
	notify := wire.PluginSettings{NotifyUser: true, NotifyMinutes: 10, Restart: wire.RestartNever}
	tests := []struct {
		name    string
		plugin  wire.PluginSettings
		answer  Answer
		err     error
		wait    time.Duration // the clock moves this much while the cycle waits; 0: no wait
		want    string        // the notice's text
		notices int
	}{
		{name: "notice shown and wait honoured", plugin: notify, wait: 10 * time.Minute, notices: 1,
			want: "Software updates will install on your computer in 10 minutes. Please ensure that all work is saved."},
		{name: "install now skips the wait", answer: AnswerNow, notices: 1, want: "Save your work: updates are coming",
			plugin: wire.PluginSettings{NotifyUser: true, NotifyMinutes: 10, NotifyMessage: "Save your work: updates are coming", Restart: wire.RestartNever}},
		{name: "no user logged on proceeds", plugin: notify, err: ErrNoUser, notices: 1},
		{name: "notify user off", plugin: wire.PluginSettings{NotifyMinutes: 10, Restart: wire.RestartNever}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newNoticeRig(t, tt.plugin, false, func(Notice) (Answer, error) { return tt.answer, tt.err })
			start := r.clock.Now()
			if tt.wait > 0 {
				r.cycleWaiting(t, tt.wait)
			} else {
				r.cycle(t)
			}
			if _, err := os.Stat(r.marker); err != nil {
				t.Fatalf("not installed: %v\nevents:\n%s", err, r.host.events())
			}
			_, at := r.counts()
			if got := at.Sub(start); got != tt.wait {
				t.Errorf("installation started %s after the cycle, want %s", got, tt.wait)
			}
			shown := r.notifier.shown()
			if len(shown) != tt.notices {
				t.Fatalf("notices = %+v, want %d", shown, tt.notices)
			}
			if tt.notices > 0 && tt.want != "" {
				if n := shown[0]; n.Message != tt.want || n.Now != "Install now" || n.Timeout != 10*time.Minute {
					t.Errorf("notice = %+v, want message %q, Install now, 10m", n, tt.want)
				}
			}
		})
	}
}

// TestRestartDeferral: the user defers the restart an hour, then the half hour left of the
// maximum; then the warning offers no deferral and the restart follows its minutes.
func TestRestartDeferral(t *testing.T) {
	p := wire.PluginSettings{PendingRestartMessage: true, PendingRestartMinutes: 15, AllowDefer: true, MaxDeferralS: 5400}
	r := newNoticeRig(t, p, true, func(n Notice) (Answer, error) {
		if n.Later != "" {
			return AnswerLater, nil
		}
		return AnswerNone, nil
	})
	start := r.clock.Now()
	steps := []struct {
		at       time.Duration // since start, before the cycle
		waits    bool          // the cycle waits the 15 minutes
		restarts int
		notices  int
		deferred time.Duration // RestartDeferredUntil - start afterwards; 0: none
	}{
		{at: 0, notices: 1, deferred: time.Hour},                     // installed; "Restart later"
		{at: 30 * time.Minute, notices: 1, deferred: time.Hour},      // still deferred: no notice
		{at: time.Hour, notices: 2, deferred: 90 * time.Minute},      // the 30 minutes left
		{at: 90 * time.Minute, waits: true, restarts: 1, notices: 3}, // nothing left: restart
	}
	for i, s := range steps {
		r.clock.Advance(start.Add(s.at).Sub(r.clock.Now()))
		if s.waits {
			r.cycleWaiting(t, 15*time.Minute)
		} else {
			r.cycle(t)
		}
		restarts, _ := r.counts()
		shown := r.notifier.shown()
		if restarts != s.restarts || len(shown) != s.notices {
			t.Fatalf("step %d (+%s): restarts %d, notices %d; want %d, %d\nevents:\n%s", i, s.at, restarts, len(shown), s.restarts, s.notices, r.host.events())
		}
		var want time.Time
		if s.deferred > 0 {
			want = start.Add(s.deferred)
			if due, ok := r.in.nextDue(); !ok || !due.Equal(want) {
				t.Errorf("step %d: next due %s, want the end of the deferral %s", i, due, want)
			}
		}
		if got := r.in.st.RestartDeferredUntil; !got.Equal(want) {
			t.Errorf("step %d (+%s): deferred until %s, want %s", i, s.at, got, want)
		}
	}
	last := r.notifier.shown()[2]
	if last.Later != "" || last.Now != "Restart now" || !strings.Contains(last.Message, "restart in 15 minutes") {
		t.Errorf("last warning = %+v, want no deferral, Restart now, 15 minutes", last)
	}
	if r.in.st.RestartNeeded || r.in.st.RestartDeferredS != 0 {
		t.Errorf("after the restart: needed %v, deferred %ds", r.in.st.RestartNeeded, r.in.st.RestartDeferredS)
	}
}

func TestRestartWarning(t *testing.T) {
	tests := []struct {
		name    string
		answer  Answer
		err     error
		wait    time.Duration
		notices int
	}{
		{name: "restart now", answer: AnswerNow, notices: 1},
		{name: "no answer restarts after the minutes", wait: 15 * time.Minute, notices: 1},
		{name: "no user logged on restarts at once", err: ErrNoUser, notices: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := wire.PluginSettings{PendingRestartMessage: true, PendingRestartMinutes: 15}
			r := newNoticeRig(t, p, true, func(Notice) (Answer, error) { return tt.answer, tt.err })
			if tt.wait > 0 {
				r.cycleWaiting(t, tt.wait)
			} else {
				r.cycle(t)
			}
			restarts, _ := r.counts()
			if shown := r.notifier.shown(); restarts != 1 || len(shown) != tt.notices {
				t.Fatalf("restarts %d, notices %+v; want 1, %d\nevents:\n%s", restarts, shown, tt.notices, r.host.events())
			}
			if n := r.notifier.shown()[0]; n.Later != "" || n.Timeout != 15*time.Minute {
				t.Errorf("warning = %+v, want no deferral and 15m", n)
			}
		})
	}
}

// The host hears "Installation is in Progress" while the program runs, not only afterwards:
// the installer blocks on a pipe that the test opens only after checking the host's events.
func TestInstallingIsPostedBeforeTheProgramEnds(t *testing.T) {
	dir := t.TempDir()
	started, proceed := filepath.Join(dir, "started"), filepath.Join(dir, "proceed")
	for _, f := range []string{started, proceed} {
		if err := syscall.Mkfifo(f, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
	}
	r := newNoticeRig(t, wire.PluginSettings{}, false, nil)
	u := &r.host.pol.Assignments[0].Updates[0]
	u.CommandLine = "echo > '" + started + "'; read x < '" + proceed + "'; " + u.CommandLine
	errc := make(chan error, 1)
	go func() { errc <- r.in.RunCycle(context.Background(), false) }()
	// Opening the FIFO waits until the installer is running.
	b, err := os.ReadFile(started)
	if err != nil {
		t.Fatal(err, string(b))
	}
	seen := strings.Contains(r.host.events(), "U1: "+wire.StatusText[wire.StatusInstalling])
	if err := os.WriteFile(proceed, []byte("go\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if !seen {
		t.Fatalf("while the installer ran the host had only:\n%s", r.host.events())
	}
}

// A failed installation is tried again no sooner than the retry delay, even for a policy that
// runs as soon as possible.
func TestRetryWaitsForTheRetryDelay(t *testing.T) {
	r := newNoticeRig(t, wire.PluginSettings{}, false, nil)
	r.in.cfg.RetryDelay = 5 * time.Minute
	u := &r.host.pol.Assignments[0].Updates[0]
	u.CommandLine = "exit 3"
	attempts := func() int {
		return strings.Count(r.host.events(), "U1: "+wire.StatusText[wire.StatusInstalling])
	}
	r.cycle(t)
	if attempts() != 1 {
		t.Fatalf("first cycle: %d attempts\n%s", attempts(), r.host.events())
	}
	r.clock.Advance(4 * time.Minute)
	r.cycle(t)
	if attempts() != 1 {
		t.Fatalf("retried before the delay:\n%s", r.host.events())
	}
	r.clock.Advance(time.Minute)
	r.cycle(t)
	if attempts() != 2 {
		t.Fatalf("not retried after the delay:\n%s", r.host.events())
	}
}
