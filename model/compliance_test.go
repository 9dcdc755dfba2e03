package model

import (
	"context"
	"fmt"
	"testing"
	"time"

	"patchdesk/model/inventory"
	"patchdesk/model/rules"
)

// complianceCatalogSample has the June 2024 cumulative update for Windows 10 22H2 (x64) and for
// 21H2, superseding May's, and 7-Zip 19.00.
func complianceCatalogSample() []CatalogBulletin {
	j22, j21, zip := june2024(), june2024For21H2(), sevenZip()
	return []CatalogBulletin{
		{ID: "KB5037768", Vendor: "Microsoft", Software: "Windows", Title: "2024-05 Cumulative Update", Released: day("2024-05-14"), Revised: day("2024-05-14"),
			Updates: []CatalogUpdate{{ID: "KB5037768/11926", Name: "May", KB: "KB5037768", Architecture: "x64",
				Applicable: &rules.Rule{Op: rules.OS, Family: "windows", Name: "Windows 10", Min: "10.0.19045", Below: "10.0.19045.4412"},
				Installed:  &rules.Rule{Op: rules.OS, Family: "windows", Min: "10.0.19045.4412"}}}},
		{ID: "KB5039211", Vendor: "Microsoft", Software: "Windows", Title: "2024-06 Cumulative Update", Released: day("2024-06-11"), Revised: day("2024-06-11"),
			Supersedes: []string{"KB5037768"},
			Updates: []CatalogUpdate{
				{ID: j22.id, Name: "June 22H2", KB: "KB5039211", Architecture: "x64", Applicable: &j22.applicable, Installed: &j22.installed, Supersedes: []string{"KB5037768/11926"}},
				{ID: j21.id, Name: "June 21H2", KB: "KB5039211", Architecture: "x64", Applicable: &j21.applicable, Installed: &j21.installed},
			}},
		{ID: zip.bulletin, Vendor: "Igor Pavlov", Software: "7-Zip", Title: "7-Zip 19.00", Released: day("2019-02-21"), Revised: day("2019-02-21"),
			Updates: []CatalogUpdate{{ID: zip.id, Name: "7-Zip 19.00 x64", Architecture: "x64", Applicable: &zip.applicable, Installed: &zip.installed}}},
	}
}

// addComputer enrols a computer and stores its inventory.
func addComputer(t *testing.T, s *Store, name string, inv inventory.Inventory) (uint, InventoryRecord) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	tok := "tok-" + name
	if err := s.CreateEnrolToken(ctx, EnrolToken{ID: tok, SecretHash: hash("s"), CreatedAt: now, ExpiresAt: now.Add(time.Hour), Uses: 1, UsesLeft: 1}); err != nil {
		t.Fatal(err)
	}
	c, err := s.Enrol(ctx, Enrolment{TokenID: tok, SecretHash: hash("s"), Hostname: name, OSFamily: inv.OS.Family, CredentialHash: hash(name), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID, saveInventory(t, s, c.ID, name, inv)
}

func saveInventory(t *testing.T, s *Store, id uint, name string, inv inventory.Inventory) InventoryRecord {
	t.Helper()
	inv.Hostname = name
	blob, err := EncodeInventory(&inv)
	if err != nil {
		t.Fatal(err)
	}
	rec := InventoryRecord{ComputerID: id, Inventory: &inv, Digest: inv.Digest(), Blob: blob, At: time.Now().UTC()}
	if res, err := s.SaveInventories(context.Background(), []InventoryRecord{rec}); err != nil || res[0] != nil {
		t.Fatalf("SaveInventories = %v, %v", res, err)
	}
	return rec
}

func states(t *testing.T, s *Store, f ComplianceFilter) map[string]string {
	t.Helper()
	rows, err := s.Compliance(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.Computer+" "+r.Update] = fmt.Sprintf("%s superseded=%v", r.State, r.Superseded)
	}
	return out
}

func TestComplianceRecomputeAndCounts(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	apply(t, s, "u", complianceCatalogSample(), ApplyOptions{})
	old, _ := addComputer(t, s, "OLD", win10(4291))
	addComputer(t, s, "NEW", win10(4529))
	addComputer(t, s, "NOSW", inventory.Inventory{OS: win10(4529).OS, KBs: []string{"KB1"}})

	res, err := s.RecomputeCompliance(ctx, RecomputeOptions{All: true})
	if err != nil || res.Computers != 3 || res.Updates != 4 {
		t.Fatalf("RecomputeCompliance = %+v, %v", res, err)
	}
	want := map[string]string{
		"NEW KB5037768/11926":      "installed superseded=true",
		"NEW KB5039211/11926":      "installed superseded=false",
		"NEW 7zip.7zip 19.00/x64":  "not_installed superseded=false",
		"OLD KB5037768/11926":      "not_installed superseded=true",
		"OLD KB5039211/11926":      "not_installed superseded=false",
		"OLD 7zip.7zip 19.00/x64":  "not_installed superseded=false",
		"NOSW KB5037768/11926":     "installed superseded=true",
		"NOSW KB5039211/11926":     "installed superseded=false",
		"NOSW 7zip.7zip 19.00/x64": "unknown superseded=false",
	}
	got := states(t, s, ComplianceFilter{})
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("compliance rows =\n%v\nwant\n%v", got, want)
	}
	withNA := states(t, s, ComplianceFilter{ComputerID: old, NotApplicable: true})
	if len(withNA) != 4 || withNA["OLD KB5039211/11925"] != "not_applicable superseded=false" {
		t.Errorf("rows of OLD with not applicable = %v", withNA)
	}
	missing := states(t, s, ComplianceFilter{Bulletin: "KB5039211", States: []ComplianceState{StateNotInstalled}})
	if len(missing) != 1 || missing["OLD KB5039211/11926"] == "" {
		t.Errorf("missing KB5039211 = %v", missing)
	}

	wantBulletins := map[string]BulletinCompliance{
		"KB5037768":       {Applicable: 3, Installed: 2, NotInstalled: 1},
		"KB5039211":       {Applicable: 3, Installed: 2, NotInstalled: 1},
		"7zip.7zip 19.00": {Applicable: 2, NotInstalled: 2, Unknown: 1},
	}
	checkBulletinCounts(t, s, wantBulletins)
	cc, err := s.ComputerCompliance(ctx, old)
	if err != nil || cc[old] != (ComplianceCounts{Applicable: 3, Missing: 3, MissingSuperseded: 1, Evaluated: true}) {
		t.Errorf("ComputerCompliance(OLD) = %+v, %v", cc, err)
	}

	// OLD installs June's update: the listener's hook recomputes it, the counts move by delta.
	rec := saveInventory(t, s, old, "OLD", win10(4529))
	s.InventoriesCommitted([]InventoryRecord{rec})
	if err := s.ComplianceSettled(ctx); err != nil {
		t.Fatal(err)
	}
	if got := states(t, s, ComplianceFilter{ComputerID: old, Bulletin: "KB5039211"}); got["OLD KB5039211/11926"] != "installed superseded=false" {
		t.Errorf("after the fixed build: %v", got)
	}
	wantBulletins["KB5037768"] = BulletinCompliance{Applicable: 3, Installed: 3}
	wantBulletins["KB5039211"] = BulletinCompliance{Applicable: 3, Installed: 3}
	checkBulletinCounts(t, s, wantBulletins)
	if err := s.rebuildBulletinCounts(ctx); err != nil {
		t.Fatal(err)
	}
	checkBulletinCounts(t, s, wantBulletins) // the deltas agree with a recount

	// Deleting a computer takes its share out of the bulletin counts (trigger).
	if err := s.DeleteComputer(ctx, "t", old); err != nil {
		t.Fatal(err)
	}
	wantBulletins = map[string]BulletinCompliance{
		"KB5037768":       {Applicable: 2, Installed: 2},
		"KB5039211":       {Applicable: 2, Installed: 2},
		"7zip.7zip 19.00": {Applicable: 1, NotInstalled: 1, Unknown: 1},
	}
	checkBulletinCounts(t, s, wantBulletins)
}

func checkBulletinCounts(t *testing.T, s *Store, want map[string]BulletinCompliance) {
	t.Helper()
	got, err := s.BulletinComplianceCounts(context.Background())
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("BulletinComplianceCounts = %v, %v\nwant %v", got, err, want)
	}
	rows, err := s.Bulletins(context.Background(), BulletinFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if w := want[r.ID]; r.Applicable != w.Applicable || r.Installed != w.Installed || r.NotInstalled != w.NotInstalled {
			t.Errorf("bulletin row %s counts = %d/%d/%d, want %+v", r.ID, r.Applicable, r.Installed, r.NotInstalled, w)
		}
	}
}

func TestComplianceStaleAfterCatalogChange(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	apply(t, s, "u", complianceCatalogSample(), ApplyOptions{})
	addComputer(t, s, "PC", win10(4291))
	if res, err := s.RecomputeCompliance(ctx, RecomputeOptions{}); err != nil || res.Computers != 1 {
		t.Fatalf("first stale pass = %+v, %v; want the never-evaluated computer", res, err)
	}
	if res, err := s.RecomputeCompliance(ctx, RecomputeOptions{}); err != nil || res.Computers != 0 {
		t.Fatalf("second stale pass = %+v, %v; want nothing to do", res, err)
	}
	// An unchanged re-import changes no rule: nothing becomes stale.
	apply(t, s, "u", complianceCatalogSample(), ApplyOptions{})
	if res, err := s.RecomputeCompliance(ctx, RecomputeOptions{}); err != nil || res.Computers != 0 {
		t.Fatalf("after an unchanged import = %+v, %v; want nothing to do", res, err)
	}
	// A changed rule makes every computer stale, and the new rule is used.
	bs := complianceCatalogSample()
	bs[2].Updates[0].Applicable = &rules.Rule{Op: rules.OS, Family: "linux"}
	apply(t, s, "u", bs, ApplyOptions{})
	res, err := s.RecomputeCompliance(ctx, RecomputeOptions{})
	if err != nil || res.Computers != 1 {
		t.Fatalf("after a rule change = %+v, %v; want the computer re-evaluated", res, err)
	}
	if got := states(t, s, ComplianceFilter{Bulletin: "7zip.7zip 19.00"}); len(got) != 0 {
		t.Errorf("7-Zip rows after its rule stopped applying = %v", got)
	}
}

func TestComplianceStates(t *testing.T) {
	for _, name := range []string{"not_applicable", "installed", "not_installed", "unknown"} {
		st, err := ParseComplianceState(name)
		if err != nil || st.String() != name {
			t.Errorf("ParseComplianceState(%q) = %v, %v", name, st, err)
		}
	}
	if st, err := ParseComplianceState("missing"); err != nil || st != StateNotInstalled {
		t.Errorf("missing = %v, %v", st, err)
	}
	if _, err := ParseComplianceState("broken"); err == nil {
		t.Error("a bad state name was accepted")
	}
}
