package ui

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"patchdesk/jobs"
	"patchdesk/model"
	"patchdesk/model/inventory"
)

// seedComputers stores two computers as the listener would after their enrolment and inventory.
func seedComputers(t *testing.T, store *model.Store) {
	t.Helper()
	inv := inventory.Inventory{Hostname: "PC-ACCOUNTS", Domain: "office.lan", IPs: []string{"192.0.2.10"},
		OS:        inventory.OS{Family: "windows", Name: "Windows 10 Pro", DisplayVersion: "22H2", Build: 19045, UBR: 4529, Arch: "x64"},
		Languages: []string{"en-US"}, KBs: []string{"KB5037768"},
		Software: []inventory.Software{{Name: "Notepad++ (64-bit x64)", Version: "7.9.5", Publisher: "Notepad++ Team"}}}
	var blob bytes.Buffer
	zw := gzip.NewWriter(&blob)
	json.NewEncoder(zw).Encode(inv)
	zw.Close()
	checkin := fixedNow.Add(-3 * time.Minute)
	old := fixedNow.Add(-26 * time.Hour)
	computers := []model.Computer{
		{Name: "PC-ACCOUNTS", Domain: "office.lan", OSFamily: "windows", OSName: "Windows 10 Pro", OSBuild: 19045, OSUBR: 4529, OSArch: "x64",
			IPs: []string{"192.0.2.10"}, LastAddress: "192.0.2.10", AgentVersion: "0.1.0", EnrolledAt: old, LastCheckinAt: &checkin,
			LastInventoryAt: &checkin, Inventory: blob.Bytes(), CredentialHash: []byte("x")},
		{Name: "PC-RECEPTION", OSFamily: "windows", OSName: "Windows 11 Pro", OSBuild: 22631, OSUBR: 3737, OSArch: "x64",
			IPs: []string{"192.0.2.11"}, LastAddress: "192.0.2.11", AgentVersion: "0.1.0", EnrolledAt: old, LastCheckinAt: &old, CredentialHash: []byte("y")},
	}
	if err := store.DB.Create(&computers).Error; err != nil {
		t.Fatal(err)
	}
}

func TestComputersScreen(t *testing.T) {
	ui, h := newTestConsole(t)
	seedComputers(t, h.Store)
	ctx := context.Background()
	for _, job := range []string{jobs.ImportJobName, jobs.ComplianceJobName} {
		if _, err := h.Runner.Run(ctx, job, "manual"); err != nil {
			t.Fatal(err)
		}
	}
	ui.ShowScreen("Computers")
	s := ui.screens[2].(*computersScreen)
	if len(s.rows) != 2 || s.root.Objects[0] != s.list {
		t.Fatalf("rows = %d, list shown = %v", len(s.rows), s.root.Objects[0] == s.list)
	}
	if got := s.cell(s.rows[1], computerColumns[9]); got != "—" {
		t.Errorf("PC-RECEPTION (no inventory) installed count = %q, want —", got)
	}
	if got := s.cell(s.rows[0], computerColumns[8]); got == "—" || got == "0" {
		t.Errorf("PC-ACCOUNTS applicable count = %q, want some updates", got)
	}
	if got := computerColumns[7].value(s.rows[0], s.now); got != "online" {
		t.Errorf("PC-ACCOUNTS is %s, want online", got)
	}
	if got := computerColumns[7].value(s.rows[1], s.now); got != "offline" {
		t.Errorf("PC-RECEPTION is %s, want offline", got)
	}
	s.table.Select(widget.TableCellID{Row: 0, Col: 0})
	test.AssertImageMatches(t, "screens/computers_detail.png", ui.win.Canvas().Capture())

	// Revoke from the detail view.
	if err := h.Store.RevokeComputer(ctx, h.Actor, s.rows[0].ID); err != nil {
		t.Fatal(err)
	}
	s.reload()
	if got := computerColumns[7].value(s.rows[0], s.now); got != "revoked" {
		t.Errorf("after revoke PC-ACCOUNTS is %s", got)
	}
	if s.target.Options[0] != allComputers || len(s.target.Options) < 3 {
		t.Fatalf("target filter offers %v", s.target.Options)
	}
	s.search.SetText("recep")
	if len(s.rows) != 1 || s.rows[0].Name != "PC-RECEPTION" {
		t.Fatalf("search: %+v", s.rows)
	}
}
