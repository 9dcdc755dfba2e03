//go:build windows

package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The Windows notifier sends a message box to the active console session with
// WTSSendMessageW, which a service running as SYSTEM may do, and which closes itself after the
// notice's timeout. MB_YESNO gives the user's answer: Yes is the notice's Now choice, No its
// Later choice (or just closes the box).

var (
	procWTSSendMessageW = windows.NewLazySystemDLL("wtsapi32.dll").NewProc("WTSSendMessageW")
	// GetTickCount64 counts the time asleep too, unlike windows.DurationSinceBoot.
	procGetTickCount64 = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetTickCount64")
)

const (
	mbOK              = 0x00000000
	mbYesNo           = 0x00000004
	mbIconInformation = 0x00000040
	mbSetForeground   = 0x00010000
	mbTopmost         = 0x00040000
	idYes             = 6
	idNo              = 7
	noConsoleSession  = 0xFFFFFFFF
)

// DesktopNotifier tells the user at the console with a message box.
type DesktopNotifier struct{ log *slog.Logger }

// NewDesktopNotifier is the platform's notifier for the agent service.
func NewDesktopNotifier(log *slog.Logger) *DesktopNotifier { return &DesktopNotifier{log: log} }

// Notify sends the box and returns; the answer arrives when the user clicks or the box times out.
func (d *DesktopNotifier) Notify(ctx context.Context, n Notice) (<-chan Answer, error) {
	session := windows.WTSGetActiveConsoleSessionId()
	if session == noConsoleSession {
		return nil, fmt.Errorf("%w: no console session", ErrNoUser)
	}
	var tok windows.Token
	if err := windows.WTSQueryUserToken(session, &tok); err != nil {
		if errors.Is(err, windows.ERROR_NO_TOKEN) {
			return nil, fmt.Errorf("%w: the console session %d has no user", ErrNoUser, session)
		}
		// Not SYSTEM (a developer's run): the session may still have a user, so try the box.
		d.log.Debug("query the console user", "session", session, "err", err)
	} else {
		tok.Close()
	}
	msg := n.Message
	style := uint32(mbOK | mbIconInformation | mbSetForeground | mbTopmost)
	if n.Now != "" {
		style = mbYesNo | mbIconInformation | mbSetForeground | mbTopmost
		later := "close this message"
		if n.Later != "" {
			later = n.Later
		}
		msg += "\r\n\r\nYes: " + n.Now + ".\r\nNo: " + later + "."
	}
	title, err := windows.UTF16FromString(n.Title)
	if err != nil {
		return nil, fmt.Errorf("notice title: %w", err)
	}
	text, err := windows.UTF16FromString(msg)
	if err != nil {
		return nil, fmt.Errorf("notice text: %w", err)
	}
	secs := uint32(min(math.Ceil(n.Timeout.Seconds()), math.MaxUint32))
	answers := make(chan Answer, 1)
	go func() {
		defer close(answers)
		var resp uint32
		// The lengths are in bytes, without the terminating NUL. bWait: block until the user
		// answers or the timeout closes the box (IDTIMEOUT), in this goroutine only.
		r, _, callErr := procWTSSendMessageW.Call(0, uintptr(session),
			uintptr(unsafe.Pointer(&title[0])), uintptr((len(title)-1)*2),
			uintptr(unsafe.Pointer(&text[0])), uintptr((len(text)-1)*2),
			uintptr(style), uintptr(secs), uintptr(unsafe.Pointer(&resp)), 1)
		if r == 0 {
			if callErr == windows.ERROR_SUCCESS {
				// Seen under Wine, whose WTSSendMessageW is a stub: "err=Success." said nothing.
				callErr = errors.New("WTSSendMessageW failed without an error code")
			}
			d.log.Warn("send the notice to the console session", "session", session, "err", callErr)
			return
		}
		switch {
		case resp == idYes && n.Now != "":
			answers <- AnswerNow
		case resp == idNo && n.Later != "":
			answers <- AnswerLater
		}
	}()
	return answers, nil
}

// osBootTime is when the computer started: now less the milliseconds since boot.
func osBootTime() (time.Time, error) {
	if err := procGetTickCount64.Find(); err != nil {
		return time.Time{}, fmt.Errorf("boot time: %w", err)
	}
	ms, _, _ := procGetTickCount64.Call()
	return time.Now().Add(-time.Duration(ms) * time.Millisecond), nil
}
