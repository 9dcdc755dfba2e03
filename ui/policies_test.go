package ui

import (
	"context"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"patchdesk/model"
)

func TestPoliciesScreen(t *testing.T) {
	ui, h := newTestConsole(t)
	seedCatalog(t, h.Store)
	ctx := context.Background()
	for _, in := range []model.PolicyInput{
		{Name: "Windows 10 October", Bulletins: []string{"KB5066791"}, Targets: []string{"Windows computers with the agent"}, Enabled: true},
		{Name: "Notepad++ pilot", Bulletins: []string{"Notepad++.Notepad++ 8.8.1"}, Targets: []string{"Pilot group"}, Run: model.PolicyRunASAP},
	} {
		if _, err := h.Store.CreatePolicy(ctx, "tester", in); err != nil {
			t.Fatal(err)
		}
	}
	// The screenshot must not depend on when the test ran.
	h.Store.DB.Exec("UPDATE policies SET created_at = ?, updated_at = ?", fixedNow.UTC(), fixedNow.UTC())
	ui.ShowScreen("Policies")
	s := ui.screens[3].(*policiesScreen)
	if len(s.rows) != 2 || s.rows[0].Name != "Notepad++ pilot" {
		t.Fatalf("rows %+v", s.rows)
	}
	test.AssertImageMatches(t, "screens/policies_list.png", ui.win.Canvas().Capture())

	s.table.Select(widgetCell(0))
	if s.on.Disabled() || !s.off.Disabled() {
		t.Fatalf("an off policy: Turn on enabled=%v, Turn off enabled=%v", !s.on.Disabled(), !s.off.Disabled())
	}
	test.Tap(s.on)
	if !s.rows[0].Enabled {
		t.Fatal("Turn on left the policy off")
	}
	w := s.openEditor(s.rows[0])
	w.targets.SetText("Pilot group, Lab")
	test.Tap(w.next)
	test.Tap(w.finishBtn)
	edited, _ := h.Store.FindPolicy(ctx, "Notepad++ pilot")
	if len(edited.Targets) != 2 || edited.Revision != 3 || !edited.Enabled {
		t.Fatalf("after Edit: %+v", edited)
	}
	s.remove()
	if len(s.rows) != 1 || s.rows[0].Name != "Windows 10 October" {
		t.Fatalf("after Delete: %+v", s.rows)
	}
}

func widgetCell(row int) widget.TableCellID { return widget.TableCellID{Row: row, Col: 1} }
