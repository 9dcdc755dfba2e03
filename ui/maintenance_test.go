package ui

import (
	"context"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func TestMaintenanceWindowsView(t *testing.T) {
	ui, h := newTestConsole(t)
	ctx := context.Background()
	if _, err := h.Store.AddWindow(ctx, h.Actor, "Patch Tuesday", "2nd tue +3 01:00-05:00", ""); err != nil {
		t.Fatal(err)
	}
	if err := h.Store.AssignWindow(ctx, h.Actor, "Patch Tuesday", "Windows computers with the agent", true); err != nil {
		t.Fatal(err)
	}
	v := newWindowsView(ui)
	v.reload()
	if len(v.rows) != 1 || len(v.rows[0].Targets) != 1 || v.rows[0].Describe == "" {
		t.Fatalf("windows = %+v", v.rows)
	}
	if len(v.targets) < 2 {
		t.Fatalf("targets to apply to = %v", v.targets)
	}
	v.table.Select(widget.TableCellID{Row: 0, Col: 0})
	test.Tap(v.actions[2]) // Turn on/off
	w, err := h.Store.Window(ctx, "Patch Tuesday")
	if err != nil || w.Enabled {
		t.Fatalf("after turning off: enabled = %v, %v", w.Enabled, err)
	}
	test.Tap(v.actions[3]) // Remove
	if ws, _ := h.Store.Windows(ctx); len(ws) != 0 {
		t.Fatalf("windows after remove = %+v", ws)
	}
}
