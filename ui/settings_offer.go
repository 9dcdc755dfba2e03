package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchdesk/model"
	"patchdesk/model/settings"
)

// updateListButton is the Import Patch Data pane's "Update list": it reads what the configured
// locations offer (not importing anything) and lets the administrator pick vendors, software
// and languages, which land in the pane's fields for Save.
func (s *settingsScreen) updateListButton() fyne.CanvasObject {
	var b *widget.Button
	b = widget.NewButtonWithIcon("Update list", theme.ViewRefreshIcon(), func() {
		if s.ui.host.CatalogOffer == nil {
			return
		}
		b.Disable()
		b.SetText("Reading the locations…")
		s.ui.background(func() {
			offer, err := s.ui.host.CatalogOffer(context.Background())
			fyne.Do(func() {
				b.Enable()
				b.SetText("Update list")
				if err != nil {
					showError(s.ui.win, err)
					return
				}
				s.showOffer(offer)
			})
		})
	})
	if s.ui.host.CatalogOffer == nil {
		b.Disable()
	}
	note := widget.NewLabel("Reads the vendors, software and languages the locations offer, without importing.")
	note.SizeName = theme.SizeNameCaptionText
	return container.NewHBox(b, note)
}

// showOffer lets the administrator choose from what the locations offer.
func (s *settingsScreen) showOffer(offer model.CatalogOffer) {
	current := func(key string) []string {
		for _, f := range s.fields {
			if f.def.Key == key {
				canon, err := settings.Normalize(f.def, f.get())
				if err != nil {
					return nil // the entry holds a typo: preselect nothing
				}
				if items, ok := settings.TypedValue(f.def, canon).([]string); ok {
					return items
				}
			}
		}
		return nil
	}
	vendors := checkList(offer.Vendors, current(settings.KeyImportVendors))
	softNames := make([]string, len(offer.Software))
	for i, sw := range offer.Software {
		softNames[i] = sw.Name
	}
	slices.Sort(softNames)
	software := checkList(slices.Compact(softNames), current(settings.KeyImportSoftware))
	languages := checkList(offer.Languages, current(settings.KeyImportLanguages))
	column := func(title string, g *widget.CheckGroup) fyne.CanvasObject {
		return container.NewBorder(widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, container.NewVScroll(g))
	}
	body := container.NewGridWithColumns(3,
		column(fmt.Sprintf("Vendors (%d)", len(offer.Vendors)), vendors),
		column(fmt.Sprintf("Software (%d)", len(softNames)), software),
		column(fmt.Sprintf("Languages (%d)", len(offer.Languages)), languages))
	hint := widget.NewLabel("Nothing chosen under Vendors and Software imports everything. Choices take effect when you save the pane.")
	hint.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm("What the catalog locations offer", "Use selection", "Cancel", container.NewBorder(hint, nil, nil, nil, body), func(ok bool) {
		if !ok {
			return
		}
		s.setField(settings.KeyImportVendors, vendors.Selected)
		s.setField(settings.KeyImportSoftware, software.Selected)
		s.setField(settings.KeyImportLanguages, languages.Selected)
		s.onEdit()
	}, s.ui.win)
	d.Resize(fyne.NewSize(900, 560))
	d.Show()
}

func checkList(options, selected []string) *widget.CheckGroup {
	g := widget.NewCheckGroup(options, nil)
	var sel []string
	for _, o := range options {
		if slices.ContainsFunc(selected, func(s string) bool { return strings.EqualFold(s, o) }) {
			sel = append(sel, o)
		}
	}
	g.SetSelected(sel)
	return g
}

func (s *settingsScreen) setField(key string, items []string) {
	for _, f := range s.fields {
		if f.def.Key == key {
			b, _ := json.Marshal(items) // a list setting's canonical form is a JSON array
			f.set(string(b))
		}
	}
}
