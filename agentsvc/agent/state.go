package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"patchdesk/model/atomicfile"
)

// State is what the agent remembers between runs. The credential is kept apart, in a file only
// the agent's account can read.
type State struct {
	ComputerID     uint      `json:"computer_id"`
	URLs           []string  `json:"urls"`
	CAFingerprint  string    `json:"ca_fingerprint"`
	LastSentDigest string    `json:"last_sent_digest,omitempty"`
	LastScanAt     time.Time `json:"last_scan_at,omitzero"`
	ScanSchedule   string    `json:"scan_schedule,omitempty"`
}

const (
	stateFile      = "state.json"
	credentialFile = "credential"
)

// DefaultStateDir is where a service installation keeps its state: beside the other machine-wide
// program data of each OS.
func DefaultStateDir() string {
	switch runtime.GOOS {
	case "windows":
		base := os.Getenv("ProgramData")
		if base == "" {
			base = `C:\ProgramData`
		}
		return filepath.Join(base, "PatchDesk", "Agent")
	case "darwin":
		return "/Library/Application Support/PatchDesk Agent"
	}
	return "/var/lib/patchagent"
}

// loadState reads the state dir; ok is false when the agent has not enrolled yet.
func loadState(dir string) (st State, credential string, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, os.ErrNotExist) {
		return st, "", false, nil
	}
	if err != nil {
		return st, "", false, fmt.Errorf("read agent state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, "", false, fmt.Errorf("read agent state %s: %w", filepath.Join(dir, stateFile), err)
	}
	c, err := os.ReadFile(filepath.Join(dir, credentialFile))
	if errors.Is(err, os.ErrNotExist) {
		return st, "", false, nil
	}
	if err != nil {
		return st, "", false, fmt.Errorf("read agent credential: %w", err)
	}
	return st, strings.TrimSpace(string(c)), true, nil
}

func saveState(dir string, st State) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create state dir %s: %w", dir, err)
	}
	b, _ := json.MarshalIndent(st, "", "  ")
	if err := atomicfile.Write(filepath.Join(dir, stateFile), b, 0o600); err != nil {
		return fmt.Errorf("save agent state: %w", err)
	}
	return nil
}

func saveCredential(dir, cred string) error {
	if err := privateDir(dir); err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, credentialFile), []byte(cred+"\n"), 0o600); err != nil {
		return fmt.Errorf("save agent credential: %w", err)
	}
	return nil
}

func removeCredential(dir string) error {
	err := os.Remove(filepath.Join(dir, credentialFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove agent credential: %w", err)
	}
	return nil
}
