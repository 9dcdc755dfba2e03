package ui

import (
	"context"
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchdesk/jobs"
)

// statusDialog is the guide's "Update download and policy creation status" dialog. It follows
// the download-packages job; closing it leaves the job running, and the Jobs screen keeps the
// record.
type statusDialog struct {
	d       dialog.Dialog
	heading *widget.Label
	bar     *widget.ProgressBar
	line    *widget.Label
	closed  bool
}

func newStatusDialog(win fyne.Window, heading string) *statusDialog {
	s := &statusDialog{heading: wrapped(heading), bar: widget.NewProgressBar(), line: wrapped("Waiting for the download job…")}
	note := widget.NewLabel("You can close this window: the download goes on in the background (see Jobs).")
	note.SizeName = theme.SizeNameCaptionText
	s.d = dialog.NewCustom("Update download and policy creation status", "Close",
		container.NewVBox(s.heading, s.bar, s.line, note), win)
	s.d.SetOnClosed(func() { s.closed = true })
	s.d.Resize(fyne.NewSize(620, 260))
	return s
}

func (s *statusDialog) show() { s.d.Show() }

// follow shows a download-packages event; it runs on the UI thread.
func (s *statusDialog) follow(e jobs.Event) {
	if s.closed {
		return
	}
	if e.Live.Total > 0 {
		s.bar.SetValue(float64(e.Live.Done) / float64(e.Live.Total))
	}
	if e.Finished == nil {
		if e.Live.Message != "" {
			s.line.SetText(e.Live.Message)
		}
		return
	}
	s.bar.SetValue(1)
	text := "Finished: " + e.Finished.Message
	if e.Finished.Outcome != "succeeded" {
		text = "Finished with problems: " + e.Finished.Message
	}
	s.line.SetText(text)
}

func (s *statusDialog) say(text string) {
	if !s.closed {
		s.line.SetText(text)
	}
}

// downloads starts the download job for packages already queued, with a status dialog; it is
// owned by the Remediation Center, which subscribes to the job's events once.
type downloads struct {
	ui      *App
	current *statusDialog
	// after runs (off the UI thread) when a run this console started has ended.
	after func()
}

func newDownloads(ui *App, after func()) *downloads {
	d := &downloads{ui: ui, after: after}
	ui.host.Runner.Subscribe(func(e jobs.Event) {
		if e.Job != jobs.DownloadJobName {
			return
		}
		fyne.Do(func() {
			if d.current != nil {
				d.current.follow(e)
			}
		})
	})
	return d
}

// start shows the status dialog and runs the download job in the background. A job already
// running (here or in `patchdesk serve`) fetches the queued packages too, so that is no error.
func (d *downloads) start(heading string) {
	st := newStatusDialog(d.ui.win, heading)
	d.current = st
	st.show()
	d.ui.background(func() {
		_, err := d.ui.host.Runner.Run(context.Background(), jobs.DownloadJobName, "manual")
		switch {
		case errors.Is(err, jobs.ErrAlreadyRunning):
			fyne.Do(func() { st.say("The download job is already running; it downloads these packages as well.") })
		case err != nil && !errors.Is(err, jobs.ErrPackagesFailed):
			fyne.Do(func() { st.say(fmt.Sprintf("The download job could not run: %v", err)) })
		}
		if d.after != nil {
			d.after()
		}
	})
}

// downloads finds the console's download starter (the Remediation Center's).
func (ui *App) downloads() *downloads {
	if r := ui.remediation(); r != nil {
		return r.downloads
	}
	return nil
}

// remediation is the Remediation Center, whose download and distribution actions other screens
// share.
func (ui *App) remediation() *remediationScreen {
	for _, s := range ui.screens {
		if r, ok := s.(*remediationScreen); ok {
			return r
		}
	}
	return nil
}
