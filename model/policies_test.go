package model

import (
	"context"
	"errors"
	"strings"
	"testing"
)

const chrome138 = "Google.Chrome 138.0.7204.101"

func TestPolicyInputValidation(t *testing.T) {
	base := PolicyInput{Name: "p", Bulletins: []string{"KB5034127"}, Targets: []string{"All"}}
	tests := []struct {
		name    string
		change  func(*PolicyInput)
		wantErr string
	}{
		{"defaults to the agent's schedule", func(*PolicyInput) {}, ""},
		{"no name", func(in *PolicyInput) { in.Name = "  " }, "needs a name"},
		{"no bulletin", func(in *PolicyInput) { in.Bulletins = nil }, "at least one bulletin"},
		{"no target", func(in *PolicyInput) { in.Targets = []string{""} }, "at least one target"},
		{"unknown run", func(in *PolicyInput) { in.Run = "sometimes" }, `run "sometimes"`},
		{"schedule needs a schedule", func(in *PolicyInput) { in.Run = PolicyRunSchedule }, "run schedule"},
		{"manual is no schedule", func(in *PolicyInput) { in.Run, in.Schedule = PolicyRunSchedule, "manual" }, "other than manual"},
		{"weekly schedule", func(in *PolicyInput) { in.Run, in.Schedule = PolicyRunSchedule, "weekly wed 22:00" }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := base
			tc.change(&in)
			got, err := in.normalize()
			if tc.wantErr == "" {
				if err != nil || got.Run == "" {
					t.Fatalf("normalize(%+v) = %+v, %v", in, got, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("normalize(%+v) error %v, want %q", in, err, tc.wantErr)
			}
		})
	}
}

func TestPolicyLifecycle(t *testing.T) {
	s, _ := openTemp(t)
	apply(t, s, "u", sampleCatalog(), ApplyOptions{})
	ctx := context.Background()
	p, err := s.CreatePolicy(ctx, "tester", PolicyInput{Name: "Chrome", Bulletins: []string{chrome138}, Targets: []string{"Windows computers with the agent"},
		Run: PolicyRunASAP, Enabled: true, DisabledUpdates: []string{chrome138 + "/x64-machine-de-DE-wix"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Updates) != 2 || p.UpdatesEnabled != 1 || !p.Enabled || p.Revision != 1 {
		t.Fatalf("created %+v", p)
	}
	if _, err := s.CreatePolicy(ctx, "tester", PolicyInput{Name: "chrome", Bulletins: []string{chrome138}, Targets: []string{"x"}}); !errors.Is(err, ErrPolicyExists) {
		t.Fatalf("duplicate name: %v", err)
	}
	if _, err := s.CreatePolicy(ctx, "tester", PolicyInput{Name: "typo", Bulletins: []string{"KB0"}, Targets: []string{"x"}}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown bulletin: %v", err)
	}
	rows, _ := s.Bulletins(ctx, BulletinFilter{Search: chrome138})
	if len(rows) != 1 || rows[0].Policies != 1 {
		t.Fatalf("bulletin row %+v, want 1 policy", rows)
	}
	if err := s.SetPolicyUpdates(ctx, "tester", p.ID, map[string]bool{chrome138 + "/x64-machine-de-DE-wix": true}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPolicyEnabled(ctx, "tester", p.ID, false); err != nil {
		t.Fatal(err)
	}
	current, err := s.FindPolicy(ctx, "Chrome")
	if err != nil {
		t.Fatal(err)
	}
	in := current.Input()
	in.Bulletins = append(in.Bulletins, "KB5034127")
	in.DisabledUpdates = nil // keep the on/off state
	edited, err := s.UpdatePolicy(ctx, "tester", p.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if edited.Enabled || edited.UpdatesEnabled != 3 || len(edited.Bulletins) != 2 || edited.Revision != 4 {
		t.Fatalf("edited %+v", edited)
	}
	byName, err := s.FindPolicy(ctx, "CHROME")
	if err != nil || byName.ID != p.ID {
		t.Fatalf("find by name: %+v %v", byName, err)
	}
	trail, _ := s.AuditTrail(ctx, "policy:", 10)
	if len(trail) != 4 {
		t.Fatalf("audit trail has %d entries, want 4", len(trail))
	}
	if err := s.DeletePolicy(ctx, "tester", p.ID); err != nil {
		t.Fatal(err)
	}
	var left int64
	s.DB.Model(&PolicyUpdate{}).Count(&left)
	if left != 0 {
		t.Fatalf("%d policy updates outlive their policy", left)
	}
	if _, err := s.FindPolicy(ctx, "Chrome"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted policy found: %v", err)
	}
}

func TestRevisePoliciesAfterImport(t *testing.T) {
	newUpdate := CatalogUpdate{ID: chrome138 + "/x86-machine-en-US-wix", Name: "Google Chrome 138 x86", Language: "en-US", Architecture: "x86"}
	tests := []struct {
		name                     string
		opts                     PolicyRevision
		wantUpdates, wantEnabled int
		wantRevision             int
	}{
		{"revise and enable new", PolicyRevision{Revise: true, EnableNew: true}, 2, 2, 2},
		{"revise, new ones off", PolicyRevision{Revise: true}, 2, 1, 2},
		{"no revision", PolicyRevision{}, 2, 2, 1}, // the removed de-DE update stays listed, the new one is not added
		{"superseded off", PolicyRevision{Revise: true, EnableNew: true, DisableSuperseded: true}, 3, 2, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openTemp(t)
			cat := sampleCatalog()
			apply(t, s, "u", cat, ApplyOptions{})
			ctx := context.Background()
			bulletins := []string{chrome138}
			if tc.opts.DisableSuperseded {
				bulletins = append(bulletins, "Google.Chrome 106.0.5249.119")
			}
			_, err := s.CreatePolicy(ctx, "t", PolicyInput{Name: "p", Bulletins: bulletins, Targets: []string{"all"}})
			if err != nil {
				t.Fatal(err)
			}
			// The vendor replaces the de-DE update by an x86 one.
			cat[2].Updates = []CatalogUpdate{cat[2].Updates[0], newUpdate}
			apply(t, s, "u", cat, ApplyOptions{})
			if _, err := s.RevisePolicies(ctx, "import", tc.opts); err != nil {
				t.Fatal(err)
			}
			got, _ := s.FindPolicy(ctx, "p")
			if len(got.Updates) != tc.wantUpdates || got.UpdatesEnabled != tc.wantEnabled || got.Revision != tc.wantRevision {
				t.Fatalf("policy has %d updates, %d on, revision %d; want %d, %d, %d (%+v)",
					len(got.Updates), got.UpdatesEnabled, got.Revision, tc.wantUpdates, tc.wantEnabled, tc.wantRevision, got.Updates)
			}
		})
	}
}
