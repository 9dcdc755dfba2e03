//go:build windows

package agent

import (
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

// prepareProcess sets the account: the agent's own (the service runs as SYSTEM), the console
// user's token for logged_on_user, or for specified_user a logon with the password the host sent.
// release closes the token once the process has started.
func prepareProcess(cmd *exec.Cmd, rights runAs) (release func(), err error) {
	release = func() {}
	var tok windows.Token
	switch rights.Rights {
	case rightsSpecifiedUser:
		if tok, err = logonUser(rights.User, rights.Password); err != nil {
			return release, err
		}
	case rightsLoggedOnUser:
		if err := windows.WTSQueryUserToken(windows.WTSGetActiveConsoleSessionId(), &tok); err != nil {
			return release, fmt.Errorf("run with rights of the logged-on user: %w", err)
		}
	default:
		return release, nil
	}
	cmd.SysProcAttr.Token = syscall.Token(tok)
	return func() { tok.Close() }, nil
}

var procLogonUserW = windows.NewLazySystemDLL("advapi32.dll").NewProc("LogonUserW")

// Logon types and provider of LogonUserW (winbase.h).
const (
	logon32LogonInteractive = 2
	logon32LogonBatch       = 4
	logon32ProviderDefault  = 0
)

// logonUser logs account (DOMAIN\user, user@domain or a local user) on for running update
// programs. A batch logon suits unattended programs; an account without the "Log on as a batch
// job" right gets an interactive logon instead.
func logonUser(account, password string) (windows.Token, error) {
	if password == "" {
		return 0, fmt.Errorf("run as %q: the host has no password for this account (Windows Patch Remediation Settings > Programs)", account)
	}
	name, domain := account, "."
	if i := strings.IndexByte(account, '\\'); i >= 0 {
		domain, name = account[:i], account[i+1:]
	} else if strings.Contains(account, "@") {
		domain = "" // a user principal name carries its domain
	}
	u, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return 0, fmt.Errorf("run as %q: %w", account, err)
	}
	var d *uint16
	if domain != "" {
		if d, err = windows.UTF16PtrFromString(domain); err != nil {
			return 0, fmt.Errorf("run as %q: %w", account, err)
		}
	}
	pw, err := windows.UTF16FromString(password)
	if err != nil {
		return 0, fmt.Errorf("run as %q: %w", account, err)
	}
	defer clear(pw)
	var tok windows.Token
	for _, kind := range []uintptr{logon32LogonBatch, logon32LogonInteractive} {
		r, _, callErr := procLogonUserW.Call(uintptr(unsafe.Pointer(u)), uintptr(unsafe.Pointer(d)), uintptr(unsafe.Pointer(&pw[0])),
			kind, logon32ProviderDefault, uintptr(unsafe.Pointer(&tok)))
		if r != 0 {
			return tok, nil
		}
		if callErr != windows.ERROR_LOGON_TYPE_NOT_GRANTED {
			return 0, fmt.Errorf("run as %q: log on: %w", account, callErr)
		}
	}
	return 0, fmt.Errorf("run as %q: the account may log on neither as a batch job nor interactively", account)
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
