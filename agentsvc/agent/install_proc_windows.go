//go:build windows

package agent

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// shellCommand runs the command line with cmd.exe, or the package file itself. CmdLine is set
// as is: Go's argument quoting would mangle the quotes a catalog command line already has.
func shellCommand(dir, file, commandLine string) *exec.Cmd {
	line := commandLine
	if strings.TrimSpace(line) == "" {
		line = `"` + file + `"`
	}
	cmd := exec.Command("cmd.exe")
	cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: `cmd.exe /d /s /c "` + line + `"`}
	return cmd
}

// prepareProcess sets the account: the agent's own (the service runs as SYSTEM), or the console
// user's token for logged_on_user. A specified user would need that account's password, which
// PatchDesk does not hold, so it is refused rather than silently run as SYSTEM.
func prepareProcess(cmd *exec.Cmd, rights runAs) error {
	switch rights.Rights {
	case rightsSpecifiedUser:
		return errors.New("run with rights of a specified user is not supported on Windows (it needs the account's password)")
	case rightsLoggedOnUser:
		var tok windows.Token
		if err := windows.WTSQueryUserToken(windows.WTSGetActiveConsoleSessionId(), &tok); err != nil {
			return fmt.Errorf("run with rights of the logged-on user: %w", err)
		}
		cmd.SysProcAttr.Token = syscall.Token(tok)
	}
	return nil
}

// jobTree is a Job object that kills every process in it when terminated or closed. A child
// started in the moment between Start and AssignProcessToJobObject escapes it; Go does not
// expose the thread handle that starting suspended would need.
type jobTree struct{ job windows.Handle }

func processTree(cmd *exec.Cmd) (tree, error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return nil, fmt.Errorf("create job object: %w", err)
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{}
	info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return nil, fmt.Errorf("set job object limits: %w", err)
	}
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(cmd.Process.Pid))
	if err != nil {
		windows.CloseHandle(job)
		return nil, fmt.Errorf("open installer process: %w", err)
	}
	defer windows.CloseHandle(h)
	if err := windows.AssignProcessToJobObject(job, h); err != nil {
		windows.CloseHandle(job)
		return nil, fmt.Errorf("assign installer to job object: %w", err)
	}
	return jobTree{job: job}, nil
}

func (j jobTree) kill()  { _ = windows.TerminateJobObject(j.job, 1) }
func (j jobTree) close() { _ = windows.CloseHandle(j.job) }

// osUserLoggedOn looks for an active Remote Desktop Services session with a user (the console
// counts as one).
func osUserLoggedOn() (bool, error) {
	var sessions *windows.WTS_SESSION_INFO
	var n uint32
	if err := windows.WTSEnumerateSessions(0, 0, 1, &sessions, &n); err != nil {
		return false, fmt.Errorf("list sessions: %w", err)
	}
	defer windows.WTSFreeMemory(uintptr(unsafe.Pointer(sessions)))
	for _, s := range unsafe.Slice(sessions, n) {
		if s.State == windows.WTSActive && s.SessionID != 0 {
			return true, nil
		}
	}
	return false, nil
}
