//go:build !windows

package agent

import (
	"fmt"
	"os"
)

// privateDir creates dir readable by the agent's account only: it holds the credential, and
// with it anyone could fetch this computer's policies (the run-as password among them).
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create state dir %s: %w", dir, err)
	}
	return nil
}
