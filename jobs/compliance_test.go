package jobs

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"patchdesk/assets"
	"patchdesk/model"
	"patchdesk/model/inventory"
	"patchdesk/model/settings"
)

// win10At is a Windows 10 22H2 PC (x64) at a patch level.
func win10At(ubr int) *inventory.Inventory {
	inv := &inventory.Inventory{
		Hostname: "PC-22H2",
		OS: inventory.OS{Family: "windows", Name: "Windows 10 Pro", Version: "10.0", DisplayVersion: "22H2", Build: 19045, UBR: ubr,
			Edition: "Professional", Arch: "x64", ProductType: "workstation"},
		Languages: []string{"en-US"},
		KBs:       []string{"KB5034441", "KB890830"},
		Software:  []inventory.Software{{Name: "7-Zip 16.04 (x64)", Version: "16.04"}, {Name: "Google Chrome", Version: "120.0.6099.217"}},
	}
	inv.Normalize()
	return inv
}

func enrol(t *testing.T, store *model.Store, name string) model.Computer {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	h := sha256.Sum256([]byte("secret"))
	if err := store.CreateEnrolToken(ctx, model.EnrolToken{ID: "tok-" + name, SecretHash: h[:], CreatedAt: now, ExpiresAt: now.Add(time.Hour), Uses: 1, UsesLeft: 1}); err != nil {
		t.Fatal(err)
	}
	c, err := store.Enrol(ctx, model.Enrolment{TokenID: "tok-" + name, SecretHash: h[:], Hostname: name, OSFamily: "windows", CredentialHash: h[:], Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// upload stores an inventory and calls the hook, as the listener's writer does.
func upload(t *testing.T, store *model.Store, id uint, inv *inventory.Inventory) {
	t.Helper()
	blob, err := model.EncodeInventory(inv)
	if err != nil {
		t.Fatal(err)
	}
	recs := []model.InventoryRecord{{ComputerID: id, Inventory: inv, Digest: inv.Digest(), Blob: blob, At: time.Now().UTC()}}
	if res, err := store.SaveInventories(context.Background(), recs); err != nil || res[0] != nil {
		t.Fatalf("SaveInventories = %v, %v", res, err)
	}
	store.InventoriesCommitted(recs)
	if err := store.ComplianceSettled(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func stateOf(t *testing.T, store *model.Store, id uint, update string) model.ComplianceState {
	t.Helper()
	rows, err := store.Compliance(context.Background(), model.ComplianceFilter{ComputerID: id, Bulletin: "KB5039211", NotApplicable: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Update == update {
			return r.State
		}
	}
	t.Fatalf("no row for %s among %+v", update, rows)
	return 0
}

// TestJuneCumulativeUpdateAcceptance is the acceptance check on the embedded snapshot:
// a Windows 10 22H2 PC below June 2024's fixed build (19045.4529) misses KB5039211, and has it
// once its inventory reports the fixed build.
func TestJuneCumulativeUpdateAcceptance(t *testing.T) {
	const x64 = "KB5039211/12097" // Windows 10 Version 22H2 for x64-based Systems
	_, store, src := newRunner(t)
	ctx := context.Background()
	pc := enrol(t, store, "PC-22H2")
	upload(t, store, pc.ID, win10At(4291)) // before the import: evaluated against an empty catalog
	if _, err := Import(ctx, store, src, assets.Catalog(), quiet, ImportRequest{}, nil); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		ubr  int
		want map[string]model.ComplianceState
	}{
		{"after the import (recomputed by it)", 0, map[string]model.ComplianceState{x64: model.StateNotInstalled,
			"KB5039211/12098": model.StateNotApplicable, "KB5039211/12099": model.StateNotApplicable}},
		{"inventory at the fixed build", 4529, map[string]model.ComplianceState{x64: model.StateInstalled, "KB5039211/12098": model.StateNotApplicable}},
		{"inventory at a later build", 4780, map[string]model.ComplianceState{x64: model.StateInstalled}},
		{"inventory back at an older build", 4412, map[string]model.ComplianceState{x64: model.StateNotInstalled}},
	}
	for _, st := range steps {
		if st.ubr != 0 {
			upload(t, store, pc.ID, win10At(st.ubr))
		}
		for u, want := range st.want {
			if got := stateOf(t, store, pc.ID, u); got != want {
				t.Errorf("%s: %s = %s, want %s", st.name, u, got, want)
			}
		}
	}
	counts, err := store.BulletinComplianceCounts(ctx, "KB5039211")
	if err != nil || counts["KB5039211"] != (model.BulletinCompliance{Applicable: 1, NotInstalled: 1}) {
		t.Errorf("Remediation Center counts of KB5039211 = %+v, %v", counts, err)
	}
}

func TestComplianceAndTargetsJobs(t *testing.T) {
	r, store, src := newRunner(t)
	ctx := context.Background()
	r.Register(ComplianceJob(store))
	r.Register(TargetsJob(store))
	if _, err := Import(ctx, store, src, assets.Catalog(), quiet, ImportRequest{}, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"PC-1", "PC-2"} {
		c := enrol(t, store, name)
		inv := win10At(4291)
		inv.Hostname = name
		blob, _ := model.EncodeInventory(inv)
		// Saved without the hook (a process that stopped before it ran): stale until a pass.
		if _, err := store.SaveInventories(ctx, []model.InventoryRecord{{ComputerID: c.ID, Inventory: inv, Digest: inv.Digest(), Blob: blob, At: time.Now().UTC()}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.AddTarget(ctx, "t", "Missing June", "", model.TargetQuery{Bulletin: "KB5039211", BulletinState: model.TargetNotInstalled}); err != nil {
		t.Fatal(err)
	}
	rec, err := r.Run(ctx, TargetsJobName, "manual")
	if err != nil {
		t.Fatal(err)
	}
	if c := rec.DecodeCounts(); c["computers_evaluated"] != 2 || c["targets"] != 3 {
		t.Errorf("update-targets counts = %v", c)
	}
	ts, err := store.Targets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	members := map[string]int{}
	for _, tg := range ts {
		members[tg.Name] = tg.Members
	}
	if members[settings.DefaultTarget] != 2 || members["All computers with the agent"] != 2 || members["Missing June"] != 2 {
		t.Errorf("target members = %v", members)
	}
	rec, err = r.Run(ctx, ComplianceJobName, "manual")
	if err != nil {
		t.Fatal(err)
	}
	if c := rec.DecodeCounts(); c["computers_evaluated"] != 2 || c["compliance_rows"] == 0 {
		t.Errorf("compliance-recompute counts = %v", c)
	}
}

// TestDefaultTargetIsBuiltIn: the setting's default names the built-in target.
func TestDefaultTargetIsBuiltIn(t *testing.T) {
	if settings.DefaultTarget != model.TargetWindowsAgents {
		t.Errorf("settings.DefaultTarget = %q, the built-in target is %q", settings.DefaultTarget, model.TargetWindowsAgents)
	}
}
