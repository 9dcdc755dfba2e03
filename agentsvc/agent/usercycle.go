package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"
)

// A user's "start a software update cycle now" reaches the agent service over a local endpoint
// that every local user may open: a Unix socket, or a named pipe on Windows. The service checks
// the host's "Allow user to run" and installs with its own rights, as the guide's agent UI does,
// so users need no access to the credential in the state dir. `patchagent cycle` runs the cycle
// itself only when no service answers (an administrator's shell on a computer whose agent is
// stopped).

// ErrNoService means no agent service listens at the endpoint.
var ErrNoService = errors.New("no agent service answers")

// userRequest and userReply are the endpoint's protocol: one JSON line each way.
type userRequest struct {
	Command string `json:"command"` // "cycle"
}

type userReply struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// serveUserRequests answers cycle requests on l until ctx ends; run is the service's cycle.
func serveUserRequests(ctx context.Context, l net.Listener, run func(context.Context) error, log *slog.Logger) {
	go func() {
		<-ctx.Done()
		l.Close()
	}()
	for {
		c, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			log.Warn("user request endpoint", "err", err)
			time.Sleep(100 * time.Millisecond) // not a hot loop on a persistent accept error
			continue
		}
		go answerUserRequest(ctx, c, run, log)
	}
}

func answerUserRequest(ctx context.Context, c net.Conn, run func(context.Context) error, log *slog.Logger) {
	defer c.Close()
	// Anyone on the computer may connect: read one short line, soon, or hang up.
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var req userRequest
	line, err := bufio.NewReader(io.LimitReader(c, 1<<10)).ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, &req)
	}
	reply := userReply{OK: true}
	switch {
	case err != nil:
		reply = userReply{Error: "malformed request"}
	case req.Command != "cycle":
		reply = userReply{Error: fmt.Sprintf("unknown command %q", req.Command)}
	default:
		log.Info("software update cycle requested by a user")
		// The cycle goes on if the user closes the window that asked for it.
		if err := run(context.WithoutCancel(ctx)); err != nil {
			reply = userReply{Error: err.Error()}
		}
	}
	_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	b, _ := json.Marshal(reply)
	_, _ = c.Write(append(b, '\n'))
}

// RequestUserCycle asks the agent service at endpoint for a cycle and waits until it ends. The
// error is ErrNoService when nothing listens there, else the service's reason for failing.
func RequestUserCycle(ctx context.Context, endpoint string) error {
	c, err := dialUser(ctx, endpoint)
	if err != nil {
		return fmt.Errorf("%w at %s: %v", ErrNoService, endpoint, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	b, _ := json.Marshal(userRequest{Command: "cycle"})
	if _, err := c.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("ask the agent service for a cycle: %w", err)
	}
	line, err := bufio.NewReader(io.LimitReader(c, 64<<10)).ReadBytes('\n')
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("the agent service did not answer: %w", err)
	}
	var reply userReply
	if err := json.Unmarshal(line, &reply); err != nil {
		return fmt.Errorf("the agent service answered %q: %w", line, err)
	}
	if !reply.OK {
		return errors.New(reply.Error)
	}
	return nil
}
