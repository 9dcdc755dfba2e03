//go:build !windows

package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// On Linux and macOS the notice is best effort and takes no answer: notify-send on a user's
// session bus, or osascript's display notification for the console user. Either runs with a
// short timeout, so the cycle never hangs on a desktop; nobody found is ErrNoUser.

// DesktopNotifier tells the logged-on user with the desktop's notifications.
type DesktopNotifier struct{ log *slog.Logger }

// NewDesktopNotifier is the platform's notifier for the agent service.
func NewDesktopNotifier(log *slog.Logger) *DesktopNotifier { return &DesktopNotifier{log: log} }

const notifyCommandTimeout = 10 * time.Second

// Notify shows the notice; the returned channel is nil, as neither platform returns a choice.
func (d *DesktopNotifier) Notify(ctx context.Context, n Notice) (<-chan Answer, error) {
	ctx, cancel := context.WithTimeout(ctx, notifyCommandTimeout)
	defer cancel()
	switch runtime.GOOS {
	case "darwin":
		return nil, d.osascript(ctx, n)
	default:
		return nil, d.notifySend(ctx, n)
	}
}

// notifySend sends the notice on every user session bus the agent may use: all of them when it
// runs as root (as that user), else only its own.
func (d *DesktopNotifier) notifySend(ctx context.Context, n Notice) error {
	if _, err := exec.LookPath("notify-send"); err != nil {
		return fmt.Errorf("%w: notify-send is not installed", ErrNoUser)
	}
	buses, _ := filepath.Glob("/run/user/*/bus")
	told := 0
	for _, bus := range buses {
		uid, err := strconv.ParseUint(filepath.Base(filepath.Dir(bus)), 10, 32)
		if err != nil || (os.Getuid() != 0 && int(uid) != os.Getuid()) {
			continue
		}
		fi, err := os.Stat(bus)
		if err != nil {
			continue
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok || uint64(st.Uid) != uid {
			continue
		}
		cmd := exec.CommandContext(ctx, "notify-send", "--urgency=critical", "--app-name=PatchDesk",
			"--expire-time="+strconv.FormatInt(n.Timeout.Milliseconds(), 10), n.Title, n.Message)
		cmd.Env = []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=" + bus, "XDG_RUNTIME_DIR=" + filepath.Dir(bus), "PATH=" + os.Getenv("PATH")}
		if os.Getuid() == 0 && uid != 0 {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: st.Gid}}
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			d.log.Warn("notify-send", "uid", uid, "err", err, "output", strings.TrimSpace(string(out)))
			continue
		}
		told++
	}
	if told == 0 {
		return fmt.Errorf("%w: no user session bus under /run/user could take the notice", ErrNoUser)
	}
	return nil
}

// osascript shows a notification to the console user, in that user's bootstrap namespace
// (launchctl asuser) when the agent runs as root, as a LaunchDaemon does.
func (d *DesktopNotifier) osascript(ctx context.Context, n Notice) error {
	fi, err := os.Stat("/dev/console")
	if err != nil {
		return fmt.Errorf("%w: no console (%v)", ErrNoUser, err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Uid == 0 {
		return fmt.Errorf("%w: nobody is at the console", ErrNoUser)
	}
	script := "display notification " + appleScriptString(n.Message) + " with title " + appleScriptString(n.Title)
	args := []string{"osascript", "-e", script}
	if os.Getuid() == 0 {
		args = append([]string{"launchctl", "asuser", strconv.FormatUint(uint64(st.Uid), 10)}, args...)
	} else if uint32(os.Getuid()) != st.Uid {
		return fmt.Errorf("%w: the console user is someone else and the agent is not root", ErrNoUser)
	}
	if out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput(); err != nil {
		return fmt.Errorf("osascript display notification: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// appleScriptString quotes s as an AppleScript string literal.
func appleScriptString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", " ", "\r", " ").Replace(s) + `"`
}

// osBootTime is when the computer started: /proc/stat's btime on Linux, the kern.boottime sysctl
// on macOS.
func osBootTime() (time.Time, error) {
	switch runtime.GOOS {
	case "linux":
		b, err := os.ReadFile("/proc/stat")
		if err != nil {
			return time.Time{}, fmt.Errorf("boot time: %w", err)
		}
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "btime "); ok {
				secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				if err != nil {
					return time.Time{}, fmt.Errorf("boot time: /proc/stat btime %q: %w", strings.TrimSpace(v), err)
				}
				return time.Unix(secs, 0), nil
			}
		}
		return time.Time{}, errors.New("boot time: no btime in /proc/stat")
	case "darwin":
		// "{ sec = 1732690000, usec = 123456 } Wed Nov 27 06:46:40 2024"
		out, err := exec.Command("sysctl", "-n", "kern.boottime").Output()
		if err != nil {
			return time.Time{}, fmt.Errorf("boot time: sysctl kern.boottime: %w", err)
		}
		_, v, ok := strings.Cut(string(out), "sec = ")
		v, _, _ = strings.Cut(v, ",")
		secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if !ok || err != nil {
			return time.Time{}, fmt.Errorf("boot time: sysctl kern.boottime %q", strings.TrimSpace(string(out)))
		}
		return time.Unix(secs, 0), nil
	}
	return time.Time{}, fmt.Errorf("boot time: not known on %s", runtime.GOOS)
}
