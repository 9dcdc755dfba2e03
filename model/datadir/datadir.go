// Package datadir finds, prepares and guards the PatchDesk data dir: the folder that holds the
// database, the package store, the host's certificates and its logs.
package datadir

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/adrg/xdg"
	"github.com/gofrs/flock"

	"patchdesk/model/atomicfile"
)

// EnvVar overrides the default data dir when no --data flag is given.
const EnvVar = "PATCHDESK_DATA"

// Resolve returns the data dir to use: the flag value, else $PATCHDESK_DATA, else the OS's
// per-user data dir (XDG data home, %LOCALAPPDATA%, ~/Library/Application Support) + PatchDesk.
func Resolve(flagValue string) (string, error) {
	dir := flagValue
	if dir == "" {
		dir = os.Getenv(EnvVar)
	}
	if dir == "" {
		dir = filepath.Join(xdg.DataHome, "PatchDesk")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("resolve data dir %q: %w", dir, err)
	}
	return abs, nil
}

// Prepare creates the data dir when missing and proves it is writable, so that a read-only or
// foreign-owned folder fails here with its name rather than deep inside SQLite.
func Prepare(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data dir %s: %w", dir, err)
	}
	probe, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("data dir %s is not writable: %w", dir, err)
	}
	name := probe.Name()
	probe.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("data dir %s: remove write probe: %w", dir, err)
	}
	return nil
}

// HostInfo describes the host process that holds a data dir.
type HostInfo struct {
	PID      int       `json:"pid"`
	Hostname string    `json:"hostname"`
	Mode     string    `json:"mode"` // "gui" or "serve"
	Started  time.Time `json:"started"`
}

func (h HostInfo) String() string {
	return fmt.Sprintf("pid %d on %s (%s, started %s)", h.PID, h.Hostname, h.Mode, h.Started.Format(time.DateTime))
}

// HostRunningError is returned by LockHost when another host holds the data dir.
type HostRunningError struct {
	Dir   string
	Other HostInfo
}

func (e *HostRunningError) Error() string {
	if e.Other.PID == 0 {
		return fmt.Sprintf("another PatchDesk host is already running on data dir %s", e.Dir)
	}
	return fmt.Sprintf("another PatchDesk host is already running on data dir %s: %s", e.Dir, e.Other)
}

// HostLock is held by the one host (GUI or serve) of a data dir for as long as it runs.
// The lock is an OS file lock, so a killed host releases it with its process.
type HostLock struct {
	lock     *flock.Flock
	infoPath string
}

const (
	lockFile = "host.lock"
	infoFile = "host.json"
)

// LockHost takes the data dir's host lock or reports who holds it.
func LockHost(dir, mode string) (*HostLock, error) {
	l := flock.New(filepath.Join(dir, lockFile))
	ok, err := l.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock data dir %s: %w", dir, err)
	}
	infoPath := filepath.Join(dir, infoFile)
	if !ok {
		other, _ := ReadHostInfo(dir)
		return nil, &HostRunningError{Dir: dir, Other: other}
	}
	host, _ := os.Hostname()
	info := HostInfo{PID: os.Getpid(), Hostname: host, Mode: mode, Started: time.Now().UTC()}
	b, _ := json.Marshal(info)
	if err := atomicfile.Write(infoPath, b, 0o600); err != nil {
		l.Unlock()
		return nil, fmt.Errorf("record host info: %w", err)
	}
	return &HostLock{lock: l, infoPath: infoPath}, nil
}

// ReadHostInfo reads what the running host wrote about itself.
func ReadHostInfo(dir string) (HostInfo, error) {
	var info HostInfo
	b, err := os.ReadFile(filepath.Join(dir, infoFile))
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return info, fmt.Errorf("parse %s: %w", infoFile, err)
	}
	return info, nil
}

// HostRunning tells whether a host currently holds the data dir, without taking the lock
// for longer than the check.
func HostRunning(dir string) (bool, HostInfo) {
	l := flock.New(filepath.Join(dir, lockFile))
	ok, err := l.TryLock()
	if err != nil {
		return false, HostInfo{}
	}
	if ok {
		l.Unlock()
		return false, HostInfo{}
	}
	info, _ := ReadHostInfo(dir)
	return true, info
}

// Release gives the data dir back.
func (h *HostLock) Release() error {
	if h == nil {
		return nil
	}
	if err := os.Remove(h.infoPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove host info: %w", err)
	}
	return h.lock.Unlock()
}
