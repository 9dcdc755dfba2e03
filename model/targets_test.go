package model

import (
	"context"
	"errors"
	"slices"
	"testing"

	"patchdesk/model/inventory"
)

func TestTargetsMembership(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	apply(t, s, "u", complianceCatalogSample(), ApplyOptions{})
	old, _ := addComputer(t, s, "PC-OLD", win10(4291))
	fixed, _ := addComputer(t, s, "PC-NEW", win10(4529))
	srv, _ := addComputer(t, s, "SRV-1", inventory.Inventory{OS: inventory.OS{Family: "windows", Name: "Windows Server 2019 Standard", Version: "10.0", Build: 17763, UBR: 5206, Arch: "x64", ProductType: "server"}})
	deb, _ := addComputer(t, s, "deb", inventory.Inventory{OS: inventory.OS{Family: "linux", Name: "Debian GNU/Linux 12", Version: "12", Arch: "x64"}})
	if _, err := s.RecomputeCompliance(ctx, RecomputeOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeComputer(ctx, "t", fixed); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    TargetQuery
		want []uint
	}{
		{"everything", TargetQuery{}, []uint{old, fixed, srv, deb}},
		{"windows family", TargetQuery{OSFamily: "Windows"}, []uint{old, fixed, srv}},
		{"os name pattern", TargetQuery{OSName: "windows 10*"}, []uint{old, fixed}},
		{"os name substring", TargetQuery{OSName: "server"}, []uint{srv}},
		{"name pattern", TargetQuery{NamePattern: "PC-*"}, []uint{old, fixed}},
		{"name with LIKE characters is literal", TargetQuery{NamePattern: "PC_%"}, nil},
		{"agent present leaves the revoked out", TargetQuery{Agent: true, OSFamily: "windows"}, []uint{old, srv}},
		{"build range", TargetQuery{BuildMin: 18000, BuildMax: 20000}, []uint{old, fixed}},
		{"bulletin not installed", TargetQuery{Bulletin: "KB5039211", BulletinState: TargetNotInstalled}, []uint{old}},
		{"bulletin installed", TargetQuery{Bulletin: "KB5039211", BulletinState: TargetInstalled}, []uint{fixed}},
		{"bulletin applicable", TargetQuery{Bulletin: "KB5039211", BulletinState: TargetApplicable}, []uint{old, fixed}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "t" + string(rune('a'+i))
			tg, err := s.AddTarget(ctx, "t", name, tt.name, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.TargetMemberIDs(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(tt.want)
			if !slices.Equal(got, tt.want) || tg.Members != len(tt.want) || tg.EvaluatedAt == nil {
				t.Errorf("members of %s = %v (count %d), want %v", tt.q.Describe(), got, tg.Members, tt.want)
			}
		})
	}

	// The built-ins exist, are recomputed like the others and cannot be removed.
	ts, err := s.RecomputeTargets(ctx, TargetWindowsAgents, TargetAllAgents)
	if err != nil || len(ts) != 2 || ts[0].Members+ts[1].Members != 2+3 {
		t.Fatalf("RecomputeTargets(built-ins) = %+v, %v", ts, err)
	}
	if err := s.RemoveTarget(ctx, "t", TargetWindowsAgents); err == nil {
		t.Error("a built-in target was removed")
	}
	if _, err := s.AddTarget(ctx, "t", "TA", "", TargetQuery{}); !errors.Is(err, ErrTargetExists) {
		t.Errorf("adding a name that differs only in case = %v, want ErrTargetExists", err)
	}
	if err := s.RemoveTarget(ctx, "t", "ta"); err != nil {
		t.Errorf("RemoveTarget = %v", err)
	}
	if _, err := s.Target(ctx, "ta"); !errors.Is(err, ErrNotFound) {
		t.Errorf("removed target = %v, want ErrNotFound", err)
	}

	// Scanning a target asks each member to scan, and tells a running listener.
	n, err := s.ScanTarget(ctx, "t", TargetWindowsAgents)
	if err != nil || n != 2 {
		t.Fatalf("ScanTarget = %d, %v", n, err)
	}
	auths, _ := s.AgentAuths(ctx)
	for _, a := range auths {
		want := a.ID == old || a.ID == srv
		if (a.ScanRequestedAt != nil) != want {
			t.Errorf("computer %d scan requested = %v, want %v", a.ID, a.ScanRequestedAt, want)
		}
	}
	changes, _ := s.ComputerChanges(ctx, 0)
	scans := 0
	for _, c := range changes {
		if c.Kind == ChangeScan {
			scans++
		}
	}
	if scans != 2 {
		t.Errorf("%d scan changes, want 2", scans)
	}
}

func TestTargetQueryValidate(t *testing.T) {
	tests := []struct {
		q  TargetQuery
		ok bool
	}{
		{TargetQuery{OSFamily: "windows", Agent: true}, true},
		{TargetQuery{OSFamily: "beos"}, false},
		{TargetQuery{BuildMin: 20000, BuildMax: 19000}, false},
		{TargetQuery{Bulletin: "KB1"}, false},
		{TargetQuery{BulletinState: TargetInstalled}, false},
		{TargetQuery{Bulletin: "KB1", BulletinState: "maybe"}, false},
		{TargetQuery{Bulletin: "KB1", BulletinState: TargetNotInstalled}, true},
	}
	for _, tt := range tests {
		if err := tt.q.Validate(); (err == nil) != tt.ok {
			t.Errorf("Validate(%+v) = %v, want ok %v", tt.q, err, tt.ok)
		}
	}
}
