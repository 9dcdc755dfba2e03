package model

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"patchdesk/model/rules"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// sampleCatalog is shaped like what the CVRF and winget readers produce.
func sampleCatalog() []CatalogBulletin {
	fixed := rules.AnyOf(rules.Rule{Op: rules.OS, Family: "windows", Min: "10.0.17763.5329"}, rules.HasKB("KB5034127"))
	return []CatalogBulletin{
		{ID: "KB5034127", Vendor: "Microsoft", Software: "Windows", Title: "2024-01 Security Update (KB5034127)", Severity: "Important",
			Released: day("2024-01-09"), Revised: day("2024-01-21"), Description: "Fixes Kerberos bypass",
			CVEs:       []CatalogCVE{{ID: "CVE-2024-20674", Title: "Windows Kerberos Security Feature Bypass Vulnerability", Severity: "Critical"}},
			Supersedes: []string{"KB5033371"},
			Updates: []CatalogUpdate{
				{ID: "KB5034127/11569", Name: "KB5034127 for Windows 10 Version 1809 for x64-based Systems", KB: "KB5034127", Product: "Windows 10 Version 1809 for x64-based Systems",
					Architecture: "x64", URL: "https://catalog.update.microsoft.com/v7/site/Search.aspx?q=KB5034127", ManualDownload: true,
					Restart: RestartAlways, Installed: &fixed, Supersedes: []string{"KB5033371/11569"}},
			}},
		{ID: "Google.Chrome 106.0.5249.119", Vendor: "Google LLC", Software: "Google Chrome", Title: "Google Chrome 106.0.5249.119",
			Released: day("2022-10-11"), Revised: day("2022-10-11"),
			Updates: []CatalogUpdate{{ID: "Google.Chrome 106.0.5249.119/x64-machine-en-US-wix", Name: "Google Chrome 106 x64", Language: "en-US", Architecture: "x64",
				URL: "https://dl.google.com/edgedl/chrome/install/GoogleChromeStandaloneEnterprise64.msi", SHA256: strings.Repeat("ab", 32), CommandLine: "msiexec /i x /quiet"}}},
		{ID: "Google.Chrome 138.0.7204.101", Vendor: "Google LLC", Software: "Google Chrome", Title: "Google Chrome 138.0.7204.101",
			Released: day("2025-07-15"), Revised: day("2025-07-15"), Supersedes: []string{"Google.Chrome 106.0.5249.119"},
			Updates: []CatalogUpdate{
				{ID: "Google.Chrome 138.0.7204.101/x64-machine-en-US-wix", Name: "Google Chrome 138 x64", Language: "en-US", Architecture: "x64",
					Supersedes: []string{"Google.Chrome 106.0.5249.119/x64-machine-en-US-wix"}},
				{ID: "Google.Chrome 138.0.7204.101/x64-machine-de-DE-wix", Name: "Google Chrome 138 x64 (de)", Language: "de-DE", Architecture: "x64"},
			}},
	}
}

func apply(t *testing.T, s *Store, unit string, bs []CatalogBulletin, opts ApplyOptions) ImportCounts {
	t.Helper()
	for _, b := range bs {
		if err := b.Validate(); err != nil {
			t.Fatalf("sample is invalid: %v", err)
		}
	}
	c, err := s.ApplyCatalog(context.Background(), []CatalogUnit{{Location: "test", Unit: unit, Digest: "d", Offer: Offer(bs), Bulletins: bs}}, opts)
	if err != nil {
		t.Fatalf("ApplyCatalog: %v", err)
	}
	return c
}

func TestApplyCatalogCountsChanges(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	bs := sampleCatalog()
	if c := apply(t, s, "u", bs, ApplyOptions{}); c != (ImportCounts{BulletinsAdded: 3, UpdatesAdded: 4}) {
		t.Fatalf("first import counts = %+v", c)
	}
	if c := apply(t, s, "u", bs, ApplyOptions{}); c != (ImportCounts{}) {
		t.Fatalf("unchanged re-import counts = %+v, want none", c)
	}
	// The administrator's own data must survive a changed re-import.
	if _, err := s.AddSeverityLevel(ctx, "t", "Urgent"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCustomSeverity(ctx, "alice@cli", []string{"KB5034127"}, "Urgent"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetBulletinsDisabled(ctx, "alice@cli", []string{"KB5034127"}, true); err != nil {
		t.Fatal(err)
	}
	bs[0].Title = "revised title"
	bs[2].Updates = bs[2].Updates[:1]
	if c := apply(t, s, "u", bs[:1:1], ApplyOptions{}); c != (ImportCounts{BulletinsChanged: 1, BulletinsRemoved: 2, UpdatesRemoved: 3}) {
		t.Fatalf("changed re-import counts = %+v", c)
	}
	d, err := s.Bulletin(ctx, "KB5034127")
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "revised title" || d.CustomSeverity != "Urgent" || !d.Disabled {
		t.Errorf("after re-import: %+v; want new title, custom severity and disabled kept", d.BulletinRow)
	}
	trail, _ := s.AuditTrail(ctx, "bulletin:KB5034127", 10)
	if len(trail) != 2 {
		t.Errorf("audit trail = %+v, want the severity and disable changes", trail)
	}
}

func TestApplyCatalogExcluded(t *testing.T) {
	s, _ := openTemp(t)
	bs := sampleCatalog()
	apply(t, s, "u", bs, ApplyOptions{})
	english := func(l string) bool { return rules.LanguageMatches("en", l) }
	onlyMS := func(v, _ string) bool { return v == "Microsoft" }
	// Excluded by the selection but delete-excluded off: the data stays.
	unit := CatalogUnit{Location: "test", Unit: "u", Digest: "d2", Bulletins: bs[:1], ExcludedBulletins: []string{bs[1].ID, bs[2].ID}}
	c, err := s.ApplyCatalog(context.Background(), []CatalogUnit{unit}, ApplyOptions{KeepBulletin: onlyMS, KeepLanguage: english})
	if err != nil || c != (ImportCounts{}) {
		t.Fatalf("excluded kept: counts %+v, %v", c, err)
	}
	c, err = s.ApplyCatalog(context.Background(), []CatalogUnit{unit}, ApplyOptions{DeleteExcluded: true, KeepBulletin: onlyMS, KeepLanguage: english})
	if err != nil || c.BulletinsRemoved != 2 || c.UpdatesRemoved != 3 {
		t.Fatalf("delete excluded: counts %+v, %v", c, err)
	}
	rows, _ := s.Bulletins(context.Background(), BulletinFilter{})
	if len(rows) != 1 || rows[0].ID != "KB5034127" {
		t.Errorf("after delete excluded: %+v", rows)
	}
}

func TestBulletinsFilterAndSort(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	apply(t, s, "u", sampleCatalog(), ApplyOptions{})
	if _, err := s.AddSeverityLevel(ctx, "t", "Urgent"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCustomSeverity(ctx, "t", []string{"Google.Chrome 138.0.7204.101"}, "Urgent"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    BulletinFilter
		want []string
	}{
		{"all by released", BulletinFilter{}, []string{"Google.Chrome 106.0.5249.119", "KB5034127", "Google.Chrome 138.0.7204.101"}},
		{"released desc", BulletinFilter{Desc: true}, []string{"Google.Chrome 138.0.7204.101", "KB5034127", "Google.Chrome 106.0.5249.119"}},
		{"vendor", BulletinFilter{Vendor: "Microsoft"}, []string{"KB5034127"}},
		{"hide superseded", BulletinFilter{Vendor: "Google LLC", HideSuperseded: true}, []string{"Google.Chrome 138.0.7204.101"}},
		{"search cve", BulletinFilter{Search: "cve-2024-20674"}, []string{"KB5034127"}},
		{"search like chars are literal", BulletinFilter{Search: "%"}, nil},
		{"severity", BulletinFilter{Severity: "important"}, []string{"KB5034127"}},
		{"no severity", BulletinFilter{Severity: "none", Sort: "id"}, []string{"Google.Chrome 106.0.5249.119", "Google.Chrome 138.0.7204.101"}},
		{"custom severity", BulletinFilter{CustomSeverity: "urgent"}, []string{"Google.Chrome 138.0.7204.101"}},
		{"no custom severity", BulletinFilter{CustomSeverity: "none", Sort: "id"}, []string{"Google.Chrome 106.0.5249.119", "KB5034127"}},
		{"release range", BulletinFilter{ReleasedFrom: day("2023-01-01"), ReleasedTo: day("2025-01-01")}, []string{"KB5034127"}},
		{"sort by severity desc", BulletinFilter{Sort: "severity", Desc: true, Limit: 1}, []string{"KB5034127"}},
		{"sort by updates, page", BulletinFilter{Sort: "updates", Desc: true, Limit: 1, Offset: 0}, []string{"Google.Chrome 138.0.7204.101"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := s.Bulletins(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, r.ID)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("Bulletins(%+v) = %v, want %v", tt.f, got, tt.want)
			}
		})
	}
	if _, err := s.Bulletins(ctx, BulletinFilter{Sort: "id; DROP TABLE bulletins"}); err == nil {
		t.Error("an unknown sort column was accepted")
	}
	rows, _ := s.Bulletins(ctx, BulletinFilter{Vendor: "Google LLC", Sort: "id"})
	if !rows[0].Superseded || rows[1].Superseded || rows[1].Updates != 2 || rows[1].CustomSeverity != "Urgent" {
		t.Errorf("rows = %+v", rows)
	}
	// Removing a level clears it from bulletins (ON DELETE SET NULL).
	lvl, _ := s.FindSeverityLevel(ctx, "Urgent")
	if err := s.RemoveSeverityLevel(ctx, "t", lvl.ID); err != nil {
		t.Fatal(err)
	}
	d, _ := s.Bulletin(ctx, "Google.Chrome 138.0.7204.101")
	if d.CustomSeverity != "" {
		t.Errorf("custom severity after its level was removed = %q", d.CustomSeverity)
	}
}

func TestBulletinDetailsUpdatesAndExport(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	apply(t, s, "u", sampleCatalog(), ApplyOptions{})
	d, err := s.Bulletin(ctx, "KB5034127")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.CVEDetails) != 1 || d.CVEDetails[0].Severity != "Critical" || d.ManualDownloads != 1 || d.Supersedes[0] != "KB5033371" || d.Source != "test|u" {
		t.Errorf("detail = %+v", d)
	}
	old, _ := s.Bulletin(ctx, "Google.Chrome 106.0.5249.119")
	if len(old.SupersededBy) != 1 || !old.Superseded {
		t.Errorf("old chrome = %+v, want superseded by 138", old)
	}
	ups, err := s.BulletinUpdates(ctx, "Google.Chrome 106.0.5249.119")
	if err != nil || len(ups) != 1 || ups[0].SupersededBy != "Google.Chrome 138.0.7204.101/x64-machine-en-US-wix" || ups[0].SHA256 != strings.Repeat("AB", 32) {
		t.Errorf("updates = %+v, %v", ups, err)
	}
	ups, _ = s.BulletinUpdates(ctx, "KB5034127")
	if got := ups[0].SuccessCodes; len(got) != 3 || got[1] != 3010 {
		t.Errorf("success codes = %v, want 0 3010 1641", got)
	}
	if _, err := s.BulletinUpdates(ctx, "KB1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("updates of a missing bulletin: %v", err)
	}
	if err := s.SetBulletinsDisabled(ctx, "t", []string{"KB1"}, true); !errors.Is(err, ErrNotFound) {
		t.Errorf("disable a missing bulletin: %v", err)
	}
	var buf bytes.Buffer
	if err := s.ExportBulletins(ctx, &buf, []string{"KB5034127", "Google.Chrome 138.0.7204.101"}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Bulletins []struct {
			ID      string `xml:"id,attr"`
			Updates []struct {
				ID string `xml:"id,attr"`
			} `xml:"updates>update"`
		} `xml:"bulletin"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("export is not XML: %v\n%s", err, buf.String())
	}
	if len(doc.Bulletins) != 2 || len(doc.Bulletins[1].Updates) != 2 {
		t.Errorf("export = %+v", doc)
	}
	offer, err := s.CatalogOffered(ctx)
	if err != nil || strings.Join(offer.Vendors, ",") != "Google LLC,Microsoft" || strings.Join(offer.Languages, ",") != "de-DE,en-US" {
		t.Errorf("offer = %+v, %v", offer, err)
	}
}

func TestCatalogBulletinValidate(t *testing.T) {
	good := sampleCatalog()[1]
	tests := []struct {
		name   string
		change func(b *CatalogBulletin)
		want   string
	}{
		{"good", func(*CatalogBulletin) {}, ""},
		{"no id", func(b *CatalogBulletin) { b.ID = "" }, "bulletin id"},
		{"no vendor", func(b *CatalogBulletin) { b.Vendor = " " }, "vendor is missing"},
		{"short hash", func(b *CatalogBulletin) { b.Updates[0].SHA256 = "ABCD" }, "not 64 hexadecimal"},
		{"absurd size", func(b *CatalogBulletin) { b.Updates[0].Size = 1 << 40 }, "out of range"},
		{"bad severity", func(b *CatalogBulletin) { b.Severity = "Severe" }, "severity"},
		{"no updates", func(b *CatalogBulletin) { b.Updates = nil }, "no updates"},
		{"bad rule", func(b *CatalogBulletin) { b.Updates[0].Installed = &rules.Rule{Op: "kb"} }, "installed rule"},
		{"ftp url", func(b *CatalogBulletin) { b.Updates[0].URL = "ftp://x" }, "not an http(s) URL"},
		{"bad cve", func(b *CatalogBulletin) { b.CVEs = []CatalogCVE{{ID: "CVE 1"}} }, "not a CVE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := good
			b.Updates = append([]CatalogUpdate(nil), good.Updates...)
			tt.change(&b)
			err := b.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Validate = %v, want error containing %q", err, tt.want)
			}
		})
	}
}
