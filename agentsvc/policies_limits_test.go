package agentsvc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"patchdesk/agentsvc/wire"
	"patchdesk/model"
	"patchdesk/model/inventory"
)

// TestPoliciesReplyLimits checks what the policies reply leaves out and adds: a denied update is
// never sent, a delayed one only from release + the delay of the computer's ring, and each
// computer gets the maintenance windows of its targets. The revision moves when the delay runs
// out, so agents fetch the update then.
func TestPoliciesReplyLimits(t *testing.T) {
	ctx := context.Background()
	store, src := openTestStore(t)
	released := time.Date(2026, 1, 13, 0, 0, 0, 0, time.UTC)
	var updates []model.CatalogUpdate
	for _, id := range []string{"U-ok", "U-denied"} {
		updates = append(updates, model.CatalogUpdate{ID: id, Name: id, CommandLine: "true"})
	}
	if _, err := store.ApplyCatalog(ctx, []model.CatalogUnit{{Location: "test", Unit: "u", Digest: "d", Bulletins: []model.CatalogBulletin{
		{ID: "B-1", Vendor: "V", Software: "S", Title: "B-1", Released: released, Updates: updates}}}}, model.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	computer := func(name string) uint {
		now := time.Now().UTC()
		h := sha256.Sum256([]byte(name))
		if err := store.CreateEnrolToken(ctx, model.EnrolToken{ID: "tok-" + name, SecretHash: h[:], CreatedAt: now, ExpiresAt: now.Add(time.Hour), Uses: 1, UsesLeft: 1}); err != nil {
			t.Fatal(err)
		}
		c, err := store.Enrol(ctx, model.Enrolment{TokenID: "tok-" + name, SecretHash: h[:], Hostname: name, OSFamily: "windows", CredentialHash: h[:], Now: now})
		if err != nil {
			t.Fatal(err)
		}
		inv := inventory.Inventory{Hostname: name, OS: inventory.OS{Family: "windows", Name: "Windows 11 Pro"}}
		blob, _ := model.EncodeInventory(&inv)
		if _, err := store.SaveInventories(ctx, []model.InventoryRecord{{ComputerID: c.ID, Inventory: &inv, Digest: inv.Digest(), Blob: blob, At: now}}); err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	pilot, office := computer("PILOT-1"), computer("OFFICE-1")
	for _, tg := range []struct{ name, pattern string }{{"Pilot", "PILOT-*"}, {"Office", "OFFICE-*"}} {
		if _, err := store.AddTarget(ctx, "t", tg.name, "", model.TargetQuery{NamePattern: tg.pattern}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.CreatePolicy(ctx, "t", model.PolicyInput{Name: "P", Bulletins: []string{"B-1"}, Targets: []string{"Pilot", "Office"},
		Run: model.PolicyRunASAP, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.AddWindow(ctx, "t", "Weekend", "sat-sun 00:00-00:00", ""); err != nil {
		t.Fatal(err)
	}
	if err := store.AssignWindow(ctx, "t", "Weekend", "Office", true); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SetTargetDelay(ctx, "t", "Office", 3); err != nil {
		t.Fatal(err)
	}
	if _, err := store.DenyUpdate(ctx, "t", "U-denied", "breaks things"); err != nil {
		t.Fatal(err)
	}

	p := NewPolicies(store, src, quiet, time.Hour)
	reply := func(computer uint, now time.Time) wire.PoliciesResponse {
		t.Helper()
		p.now = func() time.Time { return now }
		body, _ := json.Marshal(wire.PoliciesRequest{})
		v, err := p.handle(ctx, &call{body: bytes.NewReader(body), computer: computer})
		if err != nil {
			t.Fatal(err)
		}
		return v.(wire.PoliciesResponse)
	}
	sent := func(r wire.PoliciesResponse) []string {
		var ids []string
		for _, a := range r.Assignments {
			for _, u := range a.Updates {
				ids = append(ids, u.ID)
			}
		}
		return ids
	}
	tests := []struct {
		name     string
		computer uint
		now      time.Time
		updates  []string
		windows  []wire.MaintenanceWindow
	}{
		{"pilot: at release, no window", pilot, released.Add(time.Hour), []string{"U-ok"}, nil},
		{"office: within its delay", office, released.AddDate(0, 0, 2), nil, []wire.MaintenanceWindow{{Name: "Weekend", Spec: "sun,sat 00:00-00:00"}}},
		{"office: after its delay", office, released.AddDate(0, 0, 3), []string{"U-ok"}, []wire.MaintenanceWindow{{Name: "Weekend", Spec: "sun,sat 00:00-00:00"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := reply(tt.computer, tt.now)
			if got := sent(r); !slices.Equal(got, tt.updates) {
				t.Errorf("updates sent = %v, want %v", got, tt.updates)
			}
			if !slices.Equal(r.MaintenanceWindows, tt.windows) {
				t.Errorf("windows = %+v, want %+v", r.MaintenanceWindows, tt.windows)
			}
		})
	}
	if before, after := reply(office, released.AddDate(0, 0, 2)).Revision, reply(office, released.AddDate(0, 0, 3)).Revision; before == after {
		t.Errorf("the revision %s did not move when the office's delay ran out", before)
	}
}
