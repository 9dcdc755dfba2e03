package ui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchdesk/model/schedule"
	"patchdesk/model/settings"
)

// field is one setting's editor on a pane: it shows a canonical value and reads back raw text
// that settings.Save validates.
type field struct {
	def    settings.Def
	editor fyne.CanvasObject // what the form shows
	get    func() string
	set    func(canonical string)
	enable func(on bool)
	// changed is called on every edit, so the pane can enable Save and dependent fields.
	changed func()
}

func newField(def settings.Def, win fyne.Window) *field {
	f := &field{def: def, changed: func() {}}
	onChange := func() { f.changed() }
	switch def.Kind {
	case settings.Bool:
		c := widget.NewCheck(def.Label, func(bool) { onChange() })
		f.editor, f.enable = c, enabler(c)
		f.get = func() string {
			if c.Checked {
				return "true"
			}
			return "false"
		}
		f.set = func(v string) { c.SetChecked(v == "true") }
	case settings.Choice:
		labels := make([]string, len(def.Options))
		for i, o := range def.Options {
			labels[i] = o.Label
		}
		sel := widget.NewSelect(labels, func(string) { onChange() })
		f.editor, f.enable = sel, enabler(sel)
		f.get = func() string { return sel.Selected }
		f.set = func(v string) {
			for _, o := range def.Options {
				if o.Value == v {
					sel.SetSelected(o.Label)
				}
			}
		}
	case settings.List:
		e := widget.NewEntry()
		e.SetPlaceHolder("comma-separated")
		f.wireEntry(e, onChange)
		f.set = func(v string) { e.SetText(strings.Join(settings.TypedValue(def, v).([]string), ", ")) }
	case settings.Schedule:
		e := widget.NewEntry()
		e.SetPlaceHolder("every 4h · daily 01:00 · weekly mon,thu 02:00 · cron 0 3 * * * · manual")
		words := widget.NewLabel("")
		words.TextStyle = fyne.TextStyle{Italic: true}
		e.Validator = func(s string) error {
			sp, err := schedule.Parse(s)
			if err != nil {
				words.SetText("")
				return err
			}
			words.SetText(sp.Describe())
			return nil
		}
		f.wireEntry(e, onChange)
		f.editor = container.NewVBox(e, words)
	case settings.Path:
		e := widget.NewEntry()
		f.wireEntry(e, onChange)
		browse := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() {
			d := dialog.NewFolderOpen(func(uri fyne.ListableURI, err error) {
				if err == nil && uri != nil {
					e.SetText(uri.Path())
				}
			}, win)
			if cur, err := storage.ListerForURI(storage.NewFileURI(e.Text)); err == nil {
				d.SetLocation(cur)
			}
			d.Show()
		})
		f.editor = container.NewBorder(nil, nil, nil, browse, e)
		inner := f.enable
		f.enable = func(on bool) {
			inner(on)
			enabler(browse)(on)
		}
	case settings.Secret:
		f.secretEditor(onChange)
	default: // Int, Duration, Text
		e := widget.NewEntry()
		f.wireEntry(e, onChange)
		switch def.Kind {
		case settings.Duration:
			e.SetPlaceHolder("e.g. 30m, 4h, 1w")
		case settings.Int:
			e.SetPlaceHolder("a whole number")
		}
	}
	return f
}

// secretEditor is a password entry that never holds the stored secret: left empty it keeps it,
// typed into it replaces it, and Clear removes it when the pane is saved.
func (f *field) secretEditor(onChange func()) {
	e := widget.NewPasswordEntry()
	e.Validator = func(s string) error {
		if _, err := settings.Normalize(f.def, s); err != nil {
			return errors.New(strings.TrimPrefix(err.Error(), f.def.Key+": "))
		}
		return nil
	}
	var stored string
	cleared := false
	clear := widget.NewButton("Clear", nil)
	e.OnChanged = func(string) { cleared = false; onChange() }
	clear.OnTapped = func() {
		e.SetText("")
		cleared = true
		e.SetPlaceHolder("Removed when you save")
		onChange()
	}
	f.get = func() string {
		switch {
		case e.Text != "":
			return e.Text
		case cleared:
			return ""
		}
		return stored
	}
	f.set = func(v string) {
		e.SetText("")
		stored, cleared = v, false
		e.SetPlaceHolder("Not set")
		if v != "" {
			e.SetPlaceHolder("Saved and hidden: type a new one to replace it")
		}
	}
	f.editor = container.NewBorder(nil, nil, nil, clear, e)
	f.enable = func(on bool) {
		enabler(e)(on)
		enabler(clear)(on)
	}
}

// wireEntry makes e the field's editor, validated by the setting's own rules as the user types.
func (f *field) wireEntry(e *widget.Entry, onChange func()) {
	if e.Validator == nil {
		e.Validator = func(s string) error {
			if _, err := settings.Normalize(f.def, s); err != nil {
				return errors.New(strings.TrimPrefix(err.Error(), f.def.Key+": "))
			}
			return nil
		}
	}
	e.OnChanged = func(string) { onChange() }
	f.editor, f.enable = e, enabler(e)
	f.get = func() string { return e.Text }
	f.set = func(v string) { e.SetText(v) }
}

type disableable interface {
	Enable()
	Disable()
}

func enabler(w disableable) func(bool) {
	return func(on bool) {
		if on {
			w.Enable()
		} else {
			w.Disable()
		}
	}
}

// row lays out the field's label, editor, help and the honest note on settings without effect.
func (f *field) row() fyne.CanvasObject {
	var parts []fyne.CanvasObject
	if f.def.Kind != settings.Bool { // a check box carries its own label
		label := widget.NewLabelWithStyle(f.def.Label, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		label.Wrapping = fyne.TextWrapWord
		parts = append(parts, label)
	}
	help := widget.NewLabel(f.def.Help)
	help.Wrapping = fyne.TextWrapWord
	help.SizeName = theme.SizeNameCaptionText
	parts = append(parts, f.editor, help)
	if note := f.def.Note(); note != "" {
		n := widget.NewLabelWithStyle(note, fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
		n.Wrapping = fyne.TextWrapWord
		n.SizeName = theme.SizeNameCaptionText
		n.Importance = widget.WarningImportance
		parts = append(parts, container.NewBorder(nil, nil, widget.NewIcon(theme.InfoIcon()), nil, n))
	}
	return container.NewVBox(parts...)
}
