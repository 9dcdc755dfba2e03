//go:build !windows

package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
)

// DefaultUserEndpoint is the socket the agent service listens on for users' cycle requests.
func DefaultUserEndpoint() string {
	if runtime.GOOS == "darwin" {
		return "/var/run/patchagent/user.sock"
	}
	return "/run/patchagent/user.sock"
}

// listenUser opens the socket for every local user. A socket left by a killed agent is
// replaced; one that still answers belongs to a running agent and is left alone.
func listenUser(path string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("user request endpoint: %w", err)
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("user request endpoint: %s exists and is not a socket", path)
		}
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return nil, fmt.Errorf("user request endpoint: another agent listens on %s", path)
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("user request endpoint: %w", err)
		}
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("user request endpoint: %w", err)
	}
	if err := os.Chmod(path, 0o666); err != nil {
		l.Close()
		return nil, fmt.Errorf("user request endpoint: %w", err)
	}
	return l, nil
}

func dialUser(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "unix", path)
}
