package jobs

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"patchdesk/model"
	"patchdesk/model/inventory"
	"patchdesk/model/rules"
)

func readCVRFFile(t *testing.T, path string) *cvrfDoc {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := readCVRF(context.Background(), path, f)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func bulletinByID(bs []model.CatalogBulletin, id string) *model.CatalogBulletin {
	for i := range bs {
		if bs[i].ID == id {
			return &bs[i]
		}
	}
	return nil
}

// TestCVRFRealJanuary2024 checks the mapping on the real 2024-Jan document against the facts
// in ../shared/data/SOURCES.md (cross-check 8) and the mapping.
func TestCVRFRealJanuary2024(t *testing.T) {
	doc := readCVRFFile(t, "testdata/msrc/cvrfDocument-2024-Jan.xml")
	if doc.ID != "2024-Jan" || doc.Initial.Format("2006-01-02") != "2024-01-09" || doc.Current.Format("2006-01-02") != "2024-01-21" {
		t.Errorf("tracking = %s %s %s", doc.ID, doc.Initial, doc.Current)
	}
	bs := cvrfBulletins([]*cvrfDoc{doc})
	if len(bs) != 37 {
		t.Errorf("%d bulletins, want the 37 distinct KBs of 2024-Jan", len(bs))
	}
	b := bulletinByID(bs, "KB5034127")
	if b == nil {
		t.Fatal("KB5034127 missing")
	}
	if b.Vendor != "Microsoft" || b.Software != "Windows" || b.Severity != "Critical" || len(b.Supersedes) != 1 || b.Supersedes[0] != "KB5033371" {
		t.Errorf("KB5034127 = vendor %q software %q severity %q supersedes %v", b.Vendor, b.Software, b.Severity, b.Supersedes)
	}
	var ids []string
	for _, u := range b.Updates {
		ids = append(ids, u.ID)
	}
	if got := strings.Join(ids, " "); got != "KB5034127/11568 KB5034127/11569 KB5034127/11570 KB5034127/11571 KB5034127/11572" {
		t.Errorf("updates = %s", got)
	}
	if !strings.Contains(strings.Join(cveIDs(b), " "), "CVE-2024-20674") {
		t.Errorf("CVE-2024-20674 not listed: %v", cveIDs(b))
	}
	u := b.Updates[1] // Windows 10 Version 1809 for x64-based Systems
	if !u.ManualDownload || u.Restart != model.RestartAlways || u.Architecture != "x64" || u.Supersedes[0] != "KB5033371/11569" {
		t.Errorf("update = %+v", u)
	}
	// The rules must agree with the NVD record: 1809 below 10.0.17763.5329 is affected.
	tests := []struct {
		name                  string
		os                    inventory.OS
		kbs                   []string
		applicable, installed rules.Tri
	}{
		{"1809 unpatched", inventory.OS{Family: "windows", Name: "Windows 10 Enterprise LTSC 2019", Version: "10.0", Build: 17763, UBR: 5206, Arch: "x64", ProductType: "workstation"}, []string{"KB5033371"}, rules.True, rules.False},
		{"1809 at FixedBuild", inventory.OS{Family: "windows", Name: "Windows 10 Enterprise LTSC 2019", Version: "10.0", Build: 17763, UBR: 5329, Arch: "x64", ProductType: "workstation"}, []string{"KB5034127"}, rules.False, rules.True},
		{"22H2 is another release", inventory.OS{Family: "windows", Name: "Windows 10 Pro", Version: "10.0", Build: 19045, UBR: 3803, Arch: "x64", ProductType: "workstation"}, []string{"KB1"}, rules.False, rules.True},
		{"server 2019 is another product", inventory.OS{Family: "windows", Name: "Windows Server 2019 Standard", Version: "10.0", Build: 17763, UBR: 5206, Arch: "x64", ProductType: "server"}, []string{"KB1"}, rules.False, rules.False},
		{"nothing reported", inventory.OS{}, nil, rules.Unknown, rules.Unknown},
	}
	for _, tt := range tests {
		inv := inventory.Inventory{OS: tt.os, KBs: tt.kbs}
		if got := u.Applicable.Eval(&inv); got != tt.applicable {
			t.Errorf("%s: applicable = %s, want %s (%s)", tt.name, got, tt.applicable, u.Applicable)
		}
		if got := u.Installed.Eval(&inv); got != tt.installed {
			t.Errorf("%s: installed = %s, want %s (%s)", tt.name, got, tt.installed, u.Installed)
		}
	}
	for _, b := range bs {
		if err := b.Validate(); err != nil {
			t.Errorf("invalid bulletin: %v", err)
		}
	}
}

func cveIDs(b *model.CatalogBulletin) []string {
	var ids []string
	for _, c := range b.CVEs {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestParseWindowsProduct(t *testing.T) {
	tests := []struct {
		name string
		want windowsProduct
		ok   bool
	}{
		{"Windows 10 Version 1809 for x64-based Systems", windowsProduct{"Windows 10", "workstation", "x64", "10.0.17763"}, true},
		{"Windows 10 Version 1909 for 32-bit Systems", windowsProduct{"Windows 10", "workstation", "x86", "10.0.18363"}, true},
		{"Windows 11 version 21H2 for ARM64-based Systems", windowsProduct{"Windows 11", "workstation", "arm64", "10.0.22000"}, true},
		{"Windows Server 2019 (Server Core installation)", windowsProduct{"Windows Server 2019", "server", "", "10.0.17763"}, true},
		{"Windows Server 2012 R2", windowsProduct{"Windows Server 2012 R2", "server", "", "6.3.9600"}, true},
		{"Windows Server 2008 for Itanium-Based Systems Service Pack 2", windowsProduct{"Windows Server 2008", "server", "ia64", "6.0.6003"}, true},
		{"Windows Server 2022, 23H2 Edition (Server Core installation)", windowsProduct{"Windows Server 2022", "server", "", "10.0.25398"}, true},
		{"Windows Server, version 20H2 (Server Core Installation)", windowsProduct{"Windows Server", "server", "", "10.0.19042"}, true},
		{"Windows 8.1 for x64-based systems", windowsProduct{"Windows 8.1", "workstation", "x64", "6.3.9600"}, true},
		{"Windows RT 8.1", windowsProduct{"Windows RT 8.1", "workstation", "arm", "6.3.9600"}, true},
		{"Windows 7 for 32-bit Systems Service Pack 1", windowsProduct{"Windows 7", "workstation", "x86", "6.1.7601"}, true},
		{"Microsoft Office 2019 for 32-bit editions", windowsProduct{}, false},
	}
	for _, tt := range tests {
		got, ok := parseWindowsProduct(tt.name)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("parseWindowsProduct(%q) = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCVRFErrors(t *testing.T) {
	seed, err := os.ReadFile("testdata/seeds/cvrf-2024-Jan-excerpt.xml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, doc, want string
	}{
		{"truncated", string(seed[:len(seed)/2]), "truncated"},
		{"not xml", "{}", "empty document"},
		{"other root", `<feed xmlns="http://www.w3.org/2005/Atom"></feed>`, "not a CVRF"},
		{"no tracking", strings.Replace(string(seed), "<cvrf:ID>2024-Jan</cvrf:ID>", "", 1), "Identification/ID is missing"},
		{"bad date", strings.Replace(string(seed), "2024-01-09T08:00:00", "yesterday", 1), "InitialReleaseDate"},
		{"unknown product", strings.Replace(string(seed), "<vuln:ProductID>11571</vuln:ProductID>\n        <vuln:RestartRequired>", "<vuln:ProductID>999</vuln:ProductID>\n        <vuln:RestartRequired>", 1), `ProductID "999"`},
		{"vulnerability without CVE", strings.Replace(string(seed), "<vuln:CVE>CVE-2024-20674</vuln:CVE>", "", 1), "CVE is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readCVRF(context.Background(), "month.xml", strings.NewReader(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "month.xml") {
				t.Errorf("error = %v, want one naming month.xml and containing %q", err, tt.want)
			}
		})
	}
	if _, err := readCVRF(context.Background(), "seed.xml", bytes.NewReader(seed)); err != nil {
		t.Errorf("seed: %v", err)
	}
}

func FuzzReadCVRF(f *testing.F) {
	seed, err := os.ReadFile("testdata/seeds/cvrf-2024-Jan-excerpt.xml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(seed[:300])
	f.Add([]byte(`<cvrf:cvrfdoc xmlns:cvrf="http://www.icasi.org/CVRF/schema/cvrf/1.1"/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := readCVRF(context.Background(), "fuzz.xml", bytes.NewReader(data))
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.xml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, b := range cvrfBulletins([]*cvrfDoc{doc}) {
			_ = b.Validate() // must not panic; invalid output is refused by the import
		}
	})
}
