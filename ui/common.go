package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// emptyState tells an administrator why a screen is empty and what to do first, instead of
// showing an empty or made-up table.
func emptyState(icon fyne.Resource, title, body string, actions ...fyne.CanvasObject) fyne.CanvasObject {
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	text := widget.NewLabel(body)
	text.Wrapping = fyne.TextWrapWord
	text.Alignment = fyne.TextAlignCenter
	img := widget.NewIcon(icon)
	iconBox := container.NewGridWrap(fyne.NewSize(64, 64), img)
	parts := []fyne.CanvasObject{container.NewCenter(iconBox), heading, text}
	if len(actions) > 0 {
		parts = append(parts, container.NewCenter(container.NewHBox(actions...)))
	}
	card := container.NewVBox(parts...)
	return container.NewVBox(layout.NewSpacer(), container.NewCenter(container.NewGridWrap(fyne.NewSize(560, 240), card)), layout.NewSpacer())
}

// screenHeader is the title line of a screen with its actions on the right.
func screenHeader(title, subtitle string, actions ...fyne.CanvasObject) fyne.CanvasObject {
	t := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	t.SizeName = "headingText"
	left := container.NewVBox(t)
	if subtitle != "" {
		s := widget.NewLabel(subtitle)
		s.Wrapping = fyne.TextWrapWord
		left.Add(s)
	}
	// The VBox keeps the buttons at their own height instead of the title block's.
	return container.NewBorder(nil, widget.NewSeparator(), nil, container.NewVBox(container.NewHBox(actions...)), left)
}

func showError(w fyne.Window, err error) {
	dialog.ShowError(err, w)
}

// ago says how long ago t was, for status lines.
func ago(t time.Time, now time.Time) string {
	d := now.Sub(t)
	switch {
	case t.IsZero():
		return "never"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

// until says how far ahead t is.
func until(t time.Time, now time.Time) string {
	d := t.Sub(now)
	switch {
	case d < time.Minute:
		return "in under a minute"
	case d < time.Hour:
		return fmt.Sprintf("in %d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("in %d h", int(d.Hours()))
	}
	return fmt.Sprintf("in %d days", int(d.Hours()/24))
}

// column is one column of a read-only table of T.
type column[T any] struct {
	title string
	width float32
	value func(T) string
}

// rowsTable is a read-only, truncating table with a header row of the rows rows returns (read
// again on every refresh).
func rowsTable[T any](rows func() []T, cols []column[T]) *widget.Table {
	t := widget.NewTable(
		func() (int, int) { return len(rows()), len(cols) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(cols[id.Col].value(rows()[id.Row]))
		},
	)
	t.ShowHeaderRow = true
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) { o.(*widget.Label).SetText(cols[id.Col].title) }
	for i, c := range cols {
		t.SetColumnWidth(i, c.width)
	}
	return t
}

// enableAll enables or disables a screen's actions together.
func enableAll[W disableable](on bool, ws ...W) {
	for _, w := range ws {
		enabler(w)(on)
	}
}
