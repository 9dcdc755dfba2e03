package agent

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// runResult is how one run of an update's command line ended.
type runResult struct {
	Exit    int
	Killed  bool // still running after Terminate after: the whole process tree was killed
	LogTail string
	Err     error // the program could not be started (or waited for)
}

// runProgram runs an update's command line in dir, the folder holding its package, with the
// package file as $PATCH_FILE (%PATCH_FILE%). An empty command line runs the file itself. After
// timeout the whole process tree is killed: installers start helpers (msiexec, setup.exe
// children) that would otherwise outlive the kill and keep the update locked.
func runProgram(ctx context.Context, dir, file, commandLine string, timeout time.Duration, rights runAs) runResult {
	cmd := shellCommand(dir, file, commandLine)
	cmd.Dir = dir
	cmd.Env = append(cmd.Environ(), "PATCH_FILE="+file)
	tail := &tailBuffer{max: 8 << 10}
	cmd.Stdout, cmd.Stderr = tail, tail
	// Grandchildren that escaped the kill (Windows before the job is assigned) may hold the
	// output pipes; WaitDelay keeps Wait from hanging on them.
	cmd.WaitDelay = 5 * time.Second
	release, err := prepareProcess(cmd, rights)
	if err != nil {
		return runResult{Exit: -1, Err: err}
	}
	defer release()
	if err := cmd.Start(); err != nil {
		return runResult{Exit: -1, Err: fmt.Errorf("start %q: %w", commandLine, err)}
	}
	tree, err := processTree(cmd)
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return runResult{Exit: -1, Err: err}
	}
	defer tree.close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var res runResult
	select {
	case err = <-done:
	case <-timer.C:
		res.Killed = true
		tree.kill()
		err = <-done
	case <-ctx.Done():
		tree.kill()
		<-done
		return runResult{Exit: -1, Err: ctx.Err(), LogTail: tail.String()}
	}
	res.LogTail = tail.String()
	var ee *exec.ExitError
	switch {
	case err == nil:
		res.Exit = 0
	case errors.As(err, &ee):
		res.Exit = ee.ExitCode()
	default:
		res.Exit, res.Err = -1, fmt.Errorf("wait for %q: %w", commandLine, err)
	}
	if res.Killed {
		res.Exit = -1
	}
	return res
}

// tailBuffer keeps the last max bytes written: enough of an installer's log for the event.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > 2*t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.b
	if len(b) > t.max {
		b = b[len(b)-t.max:]
		for len(b) > 0 && !utf8.RuneStart(b[0]) {
			b = b[1:]
		}
	}
	return strings.ToValidUTF8(string(b), "?")
}
