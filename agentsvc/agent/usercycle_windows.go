//go:build windows

package agent

import (
	"context"
	"fmt"
	"net"

	"github.com/Microsoft/go-winio"
)

// DefaultUserEndpoint is the named pipe the agent service listens on for users' cycle requests.
func DefaultUserEndpoint() string { return `\\.\pipe\PatchDeskAgent` }

// userPipeSDDL lets SYSTEM and administrators do anything and interactive users read and write:
// enough to ask for a cycle, nothing more.
const userPipeSDDL = "D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GRGW;;;IU)"

func listenUser(pipe string) (net.Listener, error) {
	l, err := winio.ListenPipe(pipe, &winio.PipeConfig{SecurityDescriptor: userPipeSDDL})
	if err != nil {
		return nil, fmt.Errorf("user request endpoint %s: %w", pipe, err)
	}
	return l, nil
}

func dialUser(ctx context.Context, pipe string) (net.Conn, error) {
	return winio.DialPipeContext(ctx, pipe)
}
