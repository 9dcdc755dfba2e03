//go:build !windows

package agent

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

func TestUserCycleRequests(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Unix socket paths are short (108 bytes): the test's temp dir may be too deep.
	dir, err := os.MkdirTemp("", "pa")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "run", "user.sock")

	if err := RequestUserCycle(ctx, path); !errors.Is(err, ErrNoService) {
		t.Fatalf("with no service: %v, want ErrNoService", err)
	}

	var runs atomic.Int32
	result := make(chan error, 1)
	l, err := listenUser(path)
	if err != nil {
		t.Fatal(err)
	}
	go serveUserRequests(ctx, l, func(context.Context) error { runs.Add(1); return <-result }, slog.New(slog.DiscardHandler))
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o666 {
		t.Fatalf("socket mode: %v %v (every local user must be able to ask)", fi, err)
	}
	if _, err := listenUser(path); err == nil {
		t.Fatal("a second agent took over a socket that still answers")
	}

	result <- nil
	if err := RequestUserCycle(ctx, path); err != nil {
		t.Fatalf("cycle: %v", err)
	}
	result <- ErrUserRunNotAllowed
	if err := RequestUserCycle(ctx, path); err == nil || err.Error() != ErrUserRunNotAllowed.Error() {
		t.Fatalf("refused cycle: %v, want the service's reason", err)
	}
	if runs.Load() != 2 {
		t.Fatalf("%d cycles ran, want 2", runs.Load())
	}

	// Garbage and unknown commands are answered with an error and run nothing.
	for _, req := range []string{"not json\n", `{"command":"uninstall"}` + "\n"} {
		c, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte(req))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, _ := io.ReadAll(c)
		c.Close()
		if len(b) == 0 || string(b[:10]) != `{"ok":fals` {
			t.Errorf("request %q answered %q", req, b)
		}
	}
	if runs.Load() != 2 {
		t.Fatalf("a bad request ran a cycle")
	}

	// A socket left by a killed agent (the file stays, nobody listens) is replaced.
	stale := filepath.Join(dir, "stale.sock")
	ul, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ul.SetUnlinkOnClose(false)
	ul.Close()
	l2, err := listenUser(stale)
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	l2.Close()
}
