package reportstest

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"patchdesk/model"
	"patchdesk/model/inventory"
	"patchdesk/model/rules"
)

// ComplianceComputers are the computers SeedCompliance enrols, by name. "Büro, PC-3" has a
// comma and a non-ASCII letter for the exports.
var ComplianceComputers = []string{"PC-OLD", "PC-MID", "PC-NEW", "Büro, PC-3", "PC-NOKB"}

// SeedCompliance writes a small catalog with rules (May 2024's cumulative update for Windows
// 10 22H2, superseded by June's, which has a 21H2 update too; 7-Zip 19.00), enrols five
// Windows 10 computers at different patch levels with their inventories, one of them revoked
// and one reporting no KB list, and computes compliance and the targets, through the same
// store functions the listener and the jobs use.
func SeedCompliance(t testing.TB, s *model.Store) {
	t.Helper()
	ctx := context.Background()
	os22 := func(below string) rules.Rule {
		return rules.AllOf(rules.Rule{Op: rules.OS, Family: "windows", Name: "Windows 10", Min: "10.0.19045", Below: below}, rules.ArchIn("x64"))
	}
	may := os22("10.0.19045.4412")
	mayInst := rules.AnyOf(rules.Rule{Op: rules.OS, Family: "windows", Min: "10.0.19045.4412"}, rules.HasKB("KB5037768"))
	june := os22("10.0.19045.4529")
	juneInst := rules.AnyOf(rules.Rule{Op: rules.OS, Family: "windows", Min: "10.0.19045.4529"}, rules.HasKB("KB5039211"))
	june21 := rules.AllOf(rules.Rule{Op: rules.OS, Family: "windows", Name: "Windows 10", Min: "10.0.19044", Below: "10.0.19044.4529"}, rules.ArchIn("x64"))
	june21Inst := rules.Rule{Op: rules.OS, Family: "windows", Min: "10.0.19044.4529"}
	zip := rules.AllOf(rules.Rule{Op: rules.OS, Family: "windows"}, rules.Rule{Op: rules.Product, Name: "7-Zip*", Below: "19.00"})
	zipInst := rules.Rule{Op: rules.Product, Name: "7-Zip*", Min: "19.00"}
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	bulletins := []model.CatalogBulletin{
		{ID: "KB5037768", Vendor: "Microsoft", Software: "Windows 10", Title: "2024-05 Cumulative Update", Severity: "Critical",
			Released: day("2024-05-14"), Revised: day("2024-05-14"),
			Updates: []model.CatalogUpdate{{ID: "KB5037768/22H2", Name: "May 22H2", KB: "KB5037768", Architecture: "x64", Applicable: &may, Installed: &mayInst}}},
		{ID: "KB5039211", Vendor: "Microsoft", Software: "Windows 10", Title: "2024-06 Cumulative Update", Severity: "Critical",
			Released: day("2024-06-11"), Revised: day("2024-06-11"), Supersedes: []string{"KB5037768"},
			Updates: []model.CatalogUpdate{
				{ID: "KB5039211/22H2", Name: "June 22H2", KB: "KB5039211", Architecture: "x64", Applicable: &june, Installed: &juneInst, Supersedes: []string{"KB5037768/22H2"}},
				{ID: "KB5039211/21H2", Name: "June 21H2", KB: "KB5039211", Architecture: "x64", Applicable: &june21, Installed: &june21Inst},
			}},
		{ID: "7zip.7zip 19.00", Vendor: "Igor Pavlov", Software: "7-Zip", Title: "7-Zip 19.00", Severity: "Important",
			Released: day("2019-02-21"), Revised: day("2019-02-21"),
			Updates: []model.CatalogUpdate{{ID: "7zip.7zip 19.00/x64", Name: "7-Zip 19.00 x64", Architecture: "x64", Applicable: &zip, Installed: &zipInst}}},
	}
	if _, err := s.ApplyCatalog(ctx, []model.CatalogUnit{{Location: "embedded", Unit: "compliance", Digest: "sha256:c0ffee",
		Bulletins: bulletins, Offer: model.Offer(bulletins)}}, model.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	win10 := func(ubr int, zipVersion string, kbs ...string) inventory.Inventory {
		inv := inventory.Inventory{OS: inventory.OS{Family: "windows", Name: "Windows 10 Pro", Version: "10.0", Build: 19045, UBR: ubr, Arch: "x64", ProductType: "workstation"},
			KBs: append([]string{"KB890830"}, kbs...)}
		if zipVersion != "" {
			inv.Software = []inventory.Software{{Name: "7-Zip " + zipVersion + " (x64)", Version: zipVersion}}
		}
		return inv
	}
	noKBs := win10(4291, "16.04")
	noKBs.KBs = nil
	invs := []inventory.Inventory{win10(4291, "16.04"), win10(4412, "19.00"), win10(4529, "19.00"), win10(4291, "16.04"), noKBs}
	hash := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
	now := Now
	for i, name := range ComplianceComputers {
		tok := "tok-" + name
		if err := s.CreateEnrolToken(ctx, model.EnrolToken{ID: tok, SecretHash: hash("s"), CreatedAt: now, ExpiresAt: now.Add(time.Hour), Uses: 1, UsesLeft: 1}); err != nil {
			t.Fatal(err)
		}
		c, err := s.Enrol(ctx, model.Enrolment{TokenID: tok, SecretHash: hash("s"), Hostname: name, OSFamily: "windows", CredentialHash: hash(name), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		inv := invs[i]
		inv.Hostname = name
		blob, err := model.EncodeInventory(&inv)
		if err != nil {
			t.Fatal(err)
		}
		// PC-OLD last reported 40 days before Now: the not-reporting diagnostics find it.
		at := now.Add(-time.Hour)
		if name == "PC-OLD" {
			at = now.AddDate(0, 0, -40)
		}
		rec := model.InventoryRecord{ComputerID: c.ID, Inventory: &inv, Digest: inv.Digest(), Blob: blob, At: at}
		if res, err := s.SaveInventories(ctx, []model.InventoryRecord{rec}); err != nil || res[0] != nil {
			t.Fatalf("SaveInventories = %v, %v", res, err)
		}
		// Every agent checked in an hour before Now, and says its version.
		hb := model.Heartbeat{ComputerID: c.ID, At: now.Add(-time.Hour), AgentVersion: []string{"1.2.0", "1.2.0", "1.3.0", "1.3.0", "1.1.0"}[i]}
		if err := s.SaveHeartbeats(ctx, []model.Heartbeat{hb}); err != nil {
			t.Fatal(err)
		}
		if name == "PC-NOKB" {
			if err := s.RevokeComputer(ctx, "test", c.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.RecomputeCompliance(ctx, model.RecomputeOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecomputeTargets(ctx); err != nil {
		t.Fatal(err)
	}
}
