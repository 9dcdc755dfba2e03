package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"patchdesk/model"
)

func TestTargetsView(t *testing.T) {
	ui, h := newTestConsole(t)
	seedComputers(t, h.Store)
	ctx := context.Background()
	if _, err := h.Store.AddTarget(ctx, h.Actor, "Accounts", "", model.TargetQuery{OSFamily: "windows", NamePattern: "PC-ACC*", Agent: true}); err != nil {
		t.Fatal(err)
	}
	changed := 0
	v := newTargetsView(ui, func() { changed++ })
	v.reload()
	var accounts int = -1
	for i, tg := range v.rows {
		if tg.Name == "Accounts" {
			accounts = i
		}
	}
	if accounts < 0 || len(v.rows) < 3 {
		t.Fatalf("targets = %+v", v.rows)
	}
	if got := queryText(v.rows[accounts]); got != "OS windows, name PC-ACC*, agent enrolled" {
		t.Errorf("query text = %q", got)
	}
	if v.rows[accounts].Members != 1 {
		t.Errorf("Accounts has %d members, want 1 (PC-ACCOUNTS)", v.rows[accounts].Members)
	}
	if !v.actions[0].Disabled() {
		t.Fatal("Run scan now is enabled with no target selected")
	}
	v.table.Select(widget.TableCellID{Row: accounts, Col: 0})
	test.Tap(v.actions[0]) // Run scan now
	c, err := h.Store.FindComputer(ctx, "PC-ACCOUNTS")
	if err != nil || c.ScanRequestedAt == nil {
		t.Fatalf("PC-ACCOUNTS scan requested = %v, %v", c.ScanRequestedAt, err)
	}
	test.Tap(v.actions[1]) // Remove
	if _, err := h.Store.Target(ctx, "Accounts"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("Accounts after removal: %v", err)
	}
	if changed != 2 {
		t.Errorf("the Computers screen was told of %d changes, want 2", changed)
	}
}
