package model

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestMaintenanceWindowsAndLimits(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	apply(t, s, "u", sampleCatalog(), ApplyOptions{})
	pilotPC, _ := addComputer(t, s, "PILOT-1", win10(4291))
	officePC, _ := addComputer(t, s, "OFFICE-1", win10(4291))
	if _, err := s.AddTarget(ctx, "t", "Pilot", "", TargetQuery{NamePattern: "PILOT-*"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddTarget(ctx, "t", "Office", "", TargetQuery{NamePattern: "OFFICE-*"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecomputeTargets(ctx); err != nil {
		t.Fatal(err)
	}

	w, err := s.AddWindow(ctx, "t", "Patch Tuesday + 3", "second tue+3 01:00-05:00", "after the pilot")
	if err != nil {
		t.Fatal(err)
	}
	if w.Spec != "2nd tue +3 01:00-05:00" || w.Describe == "" {
		t.Fatalf("AddWindow = %+v", w)
	}
	if _, err := s.AddWindow(ctx, "t", "patch tuesday + 3", "daily 01:00-02:00", ""); !errors.Is(err, ErrWindowExists) {
		t.Fatalf("duplicate window name: %v", err)
	}
	if _, err := s.AddWindow(ctx, "t", "bad", "someday 01:00-02:00", ""); err == nil {
		t.Fatal("a bad window text was saved")
	}
	if err := s.AssignWindow(ctx, "t", "PATCH TUESDAY + 3", "office", true); err != nil {
		t.Fatal(err)
	}
	if err := s.AssignWindow(ctx, "t", w.Name, "no such target", true); !errors.Is(err, ErrNotFound) {
		t.Fatalf("assign to a missing target: %v", err)
	}
	if err := s.AssignWindow(ctx, "t", "no such window", "Office", true); !errors.Is(err, ErrNotFound) {
		t.Fatalf("assign a missing window: %v", err)
	}
	ws, err := s.Windows(ctx)
	if err != nil || len(ws) != 1 || !slices.Equal(ws[0].Targets, []string{"Office"}) {
		t.Fatalf("Windows = %+v, %v", ws, err)
	}

	pol, err := s.CreatePolicy(ctx, "t", PolicyInput{Name: "Chrome", Bulletins: []string{chrome138}, Targets: []string{"Pilot", "Office"}, Run: PolicyRunASAP, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetTargetDelay(ctx, "t", "office", 7); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetTargetDelay(ctx, "t", "office", -1); err == nil {
		t.Fatal("a negative delay was saved")
	}
	upd := chrome138 + "/x64-machine-de-DE-wix"
	if _, err := s.DenyUpdate(ctx, "t", upd, "breaks the German UI"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DenyUpdate(ctx, "t", "no/such", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deny a missing update: %v", err)
	}

	released := day("2025-07-15")
	tests := []struct {
		name      string
		computer  uint
		windows   int
		available time.Time
	}{
		{"pilot: no window, no delay", pilotPC, 0, time.Time{}},
		{"office: the window and a week's delay", officePC, 1, released.AddDate(0, 0, 7)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := s.DeliveryLimits(ctx, tt.computer)
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Windows) != tt.windows || !l.Denied[upd] || len(l.Denied) != 1 {
				t.Errorf("limits = windows %+v, denied %v", l.Windows, l.Denied)
			}
			if got := l.AvailableAt(pol.ID, chrome138); !got.Equal(tt.available) {
				t.Errorf("AvailableAt = %s, want %s", got, tt.available)
			}
		})
	}

	// The revision moves when the delayed bulletin becomes available, and with each change.
	before, err := s.LimitRevisions(ctx, released.AddDate(0, 0, 6))
	if err != nil {
		t.Fatal(err)
	}
	after, _ := s.LimitRevisions(ctx, released.AddDate(0, 0, 8))
	if before.Global == after.Global {
		t.Errorf("revision %q did not move when the delay ran out", before.Global)
	}
	if before.ByComputer[officePC] == "" || before.ByComputer[pilotPC] != "" {
		t.Errorf("windows per computer = %v", before.ByComputer)
	}
	if err := s.AllowUpdate(ctx, "t", upd); err != nil {
		t.Fatal(err)
	}
	if err := s.AllowUpdate(ctx, "t", upd); !errors.Is(err, ErrNotFound) {
		t.Fatalf("allow an update that is not denied: %v", err)
	}
	again, _ := s.LimitRevisions(ctx, released.AddDate(0, 0, 8))
	if again.Global == after.Global {
		t.Error("revision did not move when the denial was lifted")
	}

	if _, err := s.UpdateWindow(ctx, "t", w.Name, "", "", false); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.DeliveryLimits(ctx, officePC); len(l.Windows) != 0 {
		t.Errorf("a disabled window still applies: %+v", l.Windows)
	}
	if err := s.RemoveWindow(ctx, "t", w.Name); err != nil {
		t.Fatal(err)
	}
	if ws, _ := s.Windows(ctx); len(ws) != 0 {
		t.Errorf("after remove: %+v", ws)
	}
}

func TestWakePoliciesAndMACs(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	apply(t, s, "u", sampleCatalog(), ApplyOptions{})
	inv := win10(4291)
	inv.MACs = []string{"00:15:5D:01:02:03"}
	pc, _ := addComputer(t, s, "PC-1", inv)
	if _, err := s.AddTarget(ctx, "t", "PCs", "", TargetQuery{NamePattern: "PC-*"}); err != nil {
		t.Fatal(err)
	}
	for _, in := range []PolicyInput{
		{Name: "wake", Bulletins: []string{chrome138}, Targets: []string{"PCs"}, Run: PolicyRunASAP, WakeOnLAN: true, Enabled: true},
		{Name: "no wake", Bulletins: []string{chrome138}, Targets: []string{"PCs"}, Run: PolicyRunASAP, Enabled: true},
		{Name: "off", Bulletins: []string{chrome138}, Targets: []string{"PCs"}, Run: PolicyRunASAP, WakeOnLAN: true},
	} {
		if _, err := s.CreatePolicy(ctx, "t", in); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := s.WakePolicies(ctx)
	if err != nil || len(ps) != 1 || ps[0].Name != "wake" || ps[0].Run != PolicyRunASAP || ps[0].UpdatedAt.IsZero() {
		t.Fatalf("WakePolicies = %+v, %v", ps, err)
	}
	cs, err := s.PolicyComputerMACs(ctx, ps[0].ID)
	if err != nil || len(cs) != 1 || cs[0].ID != pc || !slices.Equal(cs[0].MACs, []string{"00:15:5D:01:02:03"}) {
		t.Fatalf("PolicyComputerMACs = %+v, %v", cs, err)
	}
}
