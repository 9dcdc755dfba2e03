package ui

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchdesk/agentsvc"
)

var tokenLifetimes = map[string]time.Duration{
	"1 hour": time.Hour, "1 day": 24 * time.Hour, "7 days": 7 * 24 * time.Hour, "30 days": 30 * 24 * time.Hour,
}

// addComputers is the "Add computers" dialog: it creates an enrolment token and shows the one
// command to run on each PC.
func (s *computersScreen) addComputers() {
	expires := widget.NewSelect([]string{"1 hour", "1 day", "7 days", "30 days"}, nil)
	expires.SetSelected("7 days")
	uses := widget.NewEntry()
	uses.SetText("10")
	uses.Validator = func(t string) error {
		if n, err := strconv.Atoi(t); err != nil || n < 1 || n > 1_000_000 {
			return fmt.Errorf("1 to 1000000 computers")
		}
		return nil
	}
	form := widget.NewForm(
		widget.NewFormItem("Token valid for", expires),
		widget.NewFormItem("Computers it may enrol", uses),
	)
	dialog.ShowCustomConfirm("Add computers", "Create token", "Cancel", form, func(ok bool) {
		if !ok || uses.Validate() != nil {
			return
		}
		n, _ := strconv.Atoi(uses.Text)
		info, err := agentsvc.CreateToken(context.Background(), s.ui.host.Store, s.ui.host.Settings, s.ui.host.DataDir,
			agentsvc.TokenRequest{Expires: tokenLifetimes[expires.Selected], Uses: n, Actor: s.ui.host.Actor})
		if err != nil {
			showError(s.ui.win, err)
			return
		}
		s.showToken(info)
	}, s.ui.win)
}

func (s *computersScreen) showToken(info agentsvc.TokenInfo) {
	command := widget.NewMultiLineEntry()
	command.SetText(info.Command)
	command.Wrapping = fyne.TextWrapBreak
	copyCmd := widget.NewButtonWithIcon("Copy command", theme.ContentCopyIcon(), func() {
		s.ui.fyne.Clipboard().SetContent(info.Command)
	})
	text := wrapped(fmt.Sprintf("Run this on each PC, as an administrator, after copying patchagent there. "+
		"The token works until %s for %d computer(s) and is shown only now. The agent trusts only this host's certificate (CA %s…).",
		info.ExpiresAt.Local().Format("2 Jan 2006 15:04"), info.Uses, info.CAFingerprint[:16]))
	d := dialog.NewCustom("Enrolment token", "Done", container.NewBorder(text, copyCmd, nil, nil, command), s.ui.win)
	d.Resize(fyne.NewSize(760, 360))
	d.Show()
}
