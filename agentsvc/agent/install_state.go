package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"patchdesk/model/atomicfile"
)

// installState is what the install cycle remembers between cycles and runs: the attempts per
// update survive a restart of the agent (and the restart of the computer an update asked for),
// and `patchagent cycle`, a separate process, continues the service's counts.
type installState struct {
	Updates       map[string]*updateRecord `json:"updates"`
	RestartNeeded bool                     `json:"restart_needed,omitempty"`
	RestartDue    time.Time                `json:"restart_due,omitzero"`
	// RestartWindowed: an update of a policy that abides by maintenance windows asked for the
	// restart, so it happens only inside a window. RestartImmediate: that policy allowed an
	// immediate restart, which then happens as soon as a window opens.
	RestartWindowed  bool `json:"restart_windowed,omitempty"`
	RestartImmediate bool `json:"restart_immediate,omitempty"`
	// RestartDeferredUntil: the user chose "Restart later"; RestartDeferredS adds up the
	// deferrals of this restart, bounded by the policy's Maximum deferral.
	RestartDeferredUntil time.Time `json:"restart_deferred_until,omitzero"`
	RestartDeferredS     int       `json:"restart_deferred_s,omitempty"`
	// Reminded: the user was reminded of this restart; ReminderDue is when again (zero: never,
	// the reminder schedule is manual).
	// RestartBoot is when the computer had started when the restart became needed: a later
	// start means the computer restarted, whoever restarted it.
	RestartBoot time.Time `json:"restart_boot,omitzero"`
	Reminded    bool      `json:"reminded,omitempty"`
	ReminderDue time.Time `json:"reminder_due,omitzero"`
}

// updateRecord is one update's progress on this computer.
type updateRecord struct {
	Status      string    `json:"status"`
	PolicyID    uint      `json:"policy_id,omitempty"`
	Attempts    int       `json:"attempts,omitempty"`  // runs of the command line
	Downloads   int       `json:"downloads,omitempty"` // failed downloads since the last good one
	DueAt       time.Time `json:"due_at,omitzero"`
	LastApplied time.Time `json:"last_applied,omitzero"`
}

const installStateFile = "install.json"

func loadInstallState(dir string) (installState, error) {
	st := installState{Updates: map[string]*updateRecord{}}
	b, err := os.ReadFile(filepath.Join(dir, installStateFile))
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read install state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("read install state %s: %w", filepath.Join(dir, installStateFile), err)
	}
	if st.Updates == nil {
		st.Updates = map[string]*updateRecord{}
	}
	return st, nil
}

func saveInstallState(dir string, st installState) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create state dir %s: %w", dir, err)
	}
	b, _ := json.MarshalIndent(st, "", "  ")
	if err := atomicfile.Write(filepath.Join(dir, installStateFile), b, 0o600); err != nil {
		return fmt.Errorf("save install state: %w", err)
	}
	return nil
}
