//go:build !windows

package agent

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// shellCommand runs the command line with /bin/sh, or the package file itself.
func shellCommand(dir, file, commandLine string) *exec.Cmd {
	if strings.TrimSpace(commandLine) == "" {
		return exec.Command("/bin/sh", "-c", `exec "./$PATCH_FILE"`)
	}
	return exec.Command("/bin/sh", "-c", commandLine)
}

// prepareProcess puts the program in a process group of its own, so that killing the group
// kills every child it started, and switches to the run-as account when one is asked for (root
// needs no password for that). release has nothing to free here.
func prepareProcess(cmd *exec.Cmd, rights runAs) (release func(), err error) {
	release = func() {}
	attr := &syscall.SysProcAttr{Setpgid: true}
	name := rights.User
	if rights.Rights == rightsLoggedOnUser {
		users, err := loggedOnUsers()
		if err != nil {
			return release, err
		}
		if len(users) == 0 {
			return release, fmt.Errorf("run with rights of the logged-on user: nobody is logged on")
		}
		name = users[0]
	}
	if rights.Rights == rightsLoggedOnUser || rights.Rights == rightsSpecifiedUser {
		u, err := user.Lookup(name)
		if err != nil {
			return release, fmt.Errorf("run as %q: %w", name, err)
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		gid, _ := strconv.ParseUint(u.Gid, 10, 32)
		if uint32(uid) != uint32(os.Geteuid()) {
			if os.Geteuid() != 0 {
				return release, fmt.Errorf("run as %q: the agent is not root and cannot switch accounts", name)
			}
			attr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		}
	}
	cmd.SysProcAttr = attr
	return release, nil
}

type groupTree struct{ pgid int }

func processTree(cmd *exec.Cmd) (tree, error) { return groupTree{pgid: cmd.Process.Pid}, nil }

func (g groupTree) kill() { _ = syscall.Kill(-g.pgid, syscall.SIGKILL) }
func (g groupTree) close() {
	// Helpers the installer left behind in its group go with it, as on Windows when the job closes.
	_ = syscall.Kill(-g.pgid, syscall.SIGKILL)
}

// loggedOnUsers lists the users with a session, from who(1), present on Linux and macOS: utmp's
// layout differs between them and between libcs, so reading it directly is not portable.
func loggedOnUsers() ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "who").Output()
	if err != nil {
		return nil, fmt.Errorf("list logged-on users (who): %w", err)
	}
	var users []string
	for _, line := range bytes.Split(out, []byte("\n")) {
		if f := strings.Fields(string(line)); len(f) > 0 {
			users = append(users, f[0])
		}
	}
	return users, nil
}

func osUserLoggedOn() (bool, error) {
	u, err := loggedOnUsers()
	return len(u) > 0, err
}
