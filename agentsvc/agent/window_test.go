//go:build !windows

package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"patchdesk/agentsvc/wire"
	"patchdesk/model/inventory"
	"patchdesk/model/rules"
)

// windowHost is a host on 127.0.0.1 that serves one assignment, its package and takes events.
type windowHost struct {
	mu   sync.Mutex
	pol  wire.PoliciesResponse
	pkg  []byte
	logs []string
}

func (h *windowHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case r.URL.Path == wire.PathPolicies:
		json.NewEncoder(w).Encode(h.pol)
	case r.URL.Path == wire.Prefix+"events":
		var req wire.EventsRequest
		json.NewDecoder(r.Body).Decode(&req)
		for _, e := range req.Events {
			h.logs = append(h.logs, e.Message)
		}
		json.NewEncoder(w).Encode(wire.EventsResponse{Stored: len(req.Events)})
	case strings.HasPrefix(r.URL.Path, wire.PathPackages):
		http.ServeContent(w, r, "pkg", time.Time{}, strings.NewReader(string(h.pkg)))
	default:
		http.NotFound(w, r)
	}
}

func (h *windowHost) events() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.Join(h.logs, "\n")
}

// TestMaintenanceWindows runs install cycles on a fake clock in New York against a Saturday
// night window: updates wait for the window, a computer that was off through it catches up at
// the next one, overrides install at once, and restarts outside the window wait for it.
func TestMaintenanceWindows(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("time zone: %v", err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, ny)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// 2025-07-09 is a Wednesday; the window opens Saturday 2025-07-12 22:00 and closes 04:00.
	type step struct {
		at        string
		byUser    bool
		installed bool   // the marker exists after the cycle
		restarts  int    // restarts so far
		due       string // the update's DueAt afterwards, "" to skip
	}
	tests := []struct {
		name        string
		override    bool // the policy's
		plugin      bool // the plug-in policy's
		immediate   bool
		restart     string
		rebootCode  bool
		restartSked string
		steps       []step
	}{
		{name: "waits for the window, installs in it", steps: []step{
			{at: "2025-07-09 12:00", due: "2025-07-12 22:00"},
			{at: "2025-07-12 21:59"},
			{at: "2025-07-12 22:30", installed: true},
		}},
		{name: "missed window catches up at the next", steps: []step{
			{at: "2025-07-09 12:00", due: "2025-07-12 22:00"},
			{at: "2025-07-13 05:00", due: "2025-07-19 22:00"}, // off through the window
			{at: "2025-07-19 22:00", installed: true},
		}},
		{name: "policy override installs at once", override: true, steps: []step{{at: "2025-07-09 12:00", installed: true}}},
		{name: "plug-in override installs at once", plugin: true, steps: []step{{at: "2025-07-09 12:00", installed: true}}},
		{name: "scheduled restart outside the window waits for the next", rebootCode: true, restart: wire.RestartScheduled, restartSked: "daily 05:00", steps: []step{
			{at: "2025-07-12 22:30", installed: true},
			{at: "2025-07-13 05:00", installed: true},              // restart time, window closed
			{at: "2025-07-19 22:00", installed: true, restarts: 1}, // next window
		}},
		{name: "immediate restart of a user's cycle waits for the window", rebootCode: true, immediate: true, restart: wire.RestartNever, steps: []step{
			{at: "2025-07-09 12:00", byUser: true, installed: true},
			{at: "2025-07-12 22:00", installed: true, restarts: 1},
		}},
		{name: "end of cycle restart inside the window", rebootCode: true, restart: wire.RestartEndOfCycle, steps: []step{
			{at: "2025-07-12 23:00", installed: true, restarts: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			marker := filepath.Join(t.TempDir(), "KB1")
			pkg := []byte("installer")
			sum := sha256.Sum256(pkg)
			installed, _ := json.Marshal(rules.HasKB("KB1"))
			code := 0
			if tt.rebootCode {
				code = 194
			}
			restart := tt.restart
			if restart == "" {
				restart = wire.RestartEndOfCycle
			}
			h := &windowHost{pkg: pkg, pol: wire.PoliciesResponse{Revision: "r1",
				Plugin: wire.PluginSettings{InstallSchedule: "daily 02:00", ReinstallAttempts: 1, TerminateAfterS: 60, Restart: restart,
					RestartSchedule: tt.restartSked, AllowUserRun: true, OverrideMaintenanceWindows: tt.plugin, RunWithRights: "system", ProgramCanRun: "always"},
				MaintenanceWindows: []wire.MaintenanceWindow{{Name: "Saturday night", Spec: "sat 22:00-04:00"}},
				Assignments: []wire.Assignment{{PolicyID: 1, PolicyName: "P", PolicyRevision: 1, Run: wire.RunASAP,
					OverrideMaintenanceWindows: tt.override, AllowImmediateRestart: tt.immediate,
					Updates: []wire.AssignedUpdate{{ID: "U1", BulletinID: "B1", Name: "U1", InstalledRule: installed, SHA256: hex.EncodeToString(sum[:]),
						Size: int64(len(pkg)), FileName: "setup.sh", CommandLine: "touch '" + marker + "'; exit " + itoa(code),
						SuccessCodes: []int{0, 194}, RebootCodes: []int{194}}}}}}}
			srv := httptest.NewServer(h)
			defer srv.Close()
			client := NewClient([]string{srv.URL}, "", srv.Client())
			clock := clockwork.NewFakeClockAt(at(tt.steps[0].at))
			restarts := 0
			in := NewInstaller(InstallConfig{Client: client, StateDir: t.TempDir(), Clock: clock, Location: ny,
				Log: slog.New(slog.NewTextHandler(io.Discard, nil)), UserLoggedOn: func() (bool, error) { return false, nil },
				Restart: func(context.Context) error { restarts++; return nil },
				Scan: func(context.Context) (inventory.Inventory, error) {
					inv := inventory.Inventory{Hostname: "pc", OS: inventory.OS{Family: "linux"}}
					if _, err := os.Stat(marker); err == nil {
						inv.KBs = []string{"KB1"}
					}
					return inv, nil
				}})
			for i, s := range tt.steps {
				clock.Advance(at(s.at).Sub(clock.Now()))
				if err := in.RunCycle(ctx, s.byUser); err != nil {
					t.Fatalf("step %d (%s): %v", i, s.at, err)
				}
				_, err := os.Stat(marker)
				if got := err == nil; got != s.installed {
					t.Errorf("step %d (%s): installed = %v, want %v\nevents:\n%s", i, s.at, got, s.installed, h.events())
				}
				if restarts != s.restarts {
					t.Errorf("step %d (%s): restarts = %d, want %d\nevents:\n%s", i, s.at, restarts, s.restarts, h.events())
				}
				if s.due != "" {
					if got := in.st.Updates["U1"].DueAt; !got.Equal(at(s.due)) {
						t.Errorf("step %d (%s): due %s, want %s", i, s.at, got.In(ny), s.due)
					}
				}
			}
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
