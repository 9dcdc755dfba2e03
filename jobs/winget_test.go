package jobs

import (
	"context"
	"os"
	"strings"
	"testing"

	"patchdesk/model"
	"patchdesk/model/inventory"
	"patchdesk/model/rules"
)

func wingetFromDir(t *testing.T, dir string) []model.CatalogBulletin {
	t.Helper()
	units, err := sourceOpener{}.units(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	var all []model.CatalogBulletin
	for _, u := range units {
		bs, err := u.read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, bs...)
	}
	return all
}

func TestWingetRealManifests(t *testing.T) {
	bs := wingetFromDir(t, "testdata/winget")
	if len(bs) != 22 {
		t.Fatalf("%d bulletins, want 22 (11 packages × 2 versions)", len(bs))
	}
	updates := 0
	for _, b := range bs {
		updates += len(b.Updates)
	}
	if updates != 71 {
		t.Errorf("%d updates, want 71 installer entries", updates)
	}
	tests := []struct {
		id, vendor, software string
		updates              int
		supersedes           string
		check                func(t *testing.T, b *model.CatalogBulletin)
	}{
		{"7zip.7zip 19.00", "Igor Pavlov", "7-Zip", 4, "", nil},
		{"7zip.7zip 25.01", "Igor Pavlov", "7-Zip", 6, "7zip.7zip 19.00", nil},
		{"Notepad++.Notepad++ 8.8.1", "Notepad++ Team", "Notepad++", 3, "Notepad++.Notepad++ 7.9.5", func(t *testing.T, b *model.CatalogBulletin) {
			// InstallerType and Scope come from the top level of the installer manifest.
			u := b.Updates[1]
			if u.ID != "Notepad++.Notepad++ 8.8.1/x64-machine-neutral-nullsoft" || u.CommandLine != `"npp.8.8.1.Installer.x64.exe" /S` {
				t.Errorf("update = %s %q", u.ID, u.CommandLine)
			}
			if b.Released.Format("2006-01-02") != "2025-05-05" {
				t.Errorf("released = %s", b.Released)
			}
		}},
		{"GIMP.GIMP 2.10.38.1", "The GIMP Team", "GIMP", 4, "GIMP.GIMP 2.10.22", func(t *testing.T, b *model.CatalogBulletin) {
			// ProductCode and AppsAndFeaturesEntries come from the top level.
			if s := b.Updates[0].Installed.String(); !strings.Contains(s, `"product_code":"GIMP-2_is1"`) || !strings.Contains(s, `"min":"2.10.38"`) {
				t.Errorf("installed rule = %s", s)
			}
			if b.Updates[0].Language != "en-US" || !strings.Contains(b.Updates[0].CommandLine, "/CURRENTUSER") {
				t.Errorf("update = %+v", b.Updates[0])
			}
		}},
		{"Python.Python.3.12 3.12.0", "Python Software Foundation", "Python 3.12", 6, "", func(t *testing.T, b *model.CatalogBulletin) {
			// YAML anchors (&o0 / *o0) carry the AppsAndFeaturesEntries to the machine scope.
			if s := b.Updates[1].Installed.String(); !strings.Contains(s, "Python 3.12.0 (32-bit)") || !strings.Contains(s, "3.12.150.0") {
				t.Errorf("machine-scope installed rule = %s", s)
			}
		}},
		{"Google.Chrome 138.0.7204.101", "Google LLC", "Google Chrome", 3, "Google.Chrome 106.0.5249.119", func(t *testing.T, b *model.CatalogBulletin) {
			u := b.Updates[0]
			if u.SHA256 != strings.ToUpper(u.SHA256) || len(u.SHA256) != 64 || u.Restart != model.RestartMaybe || len(u.SuccessCodes) != 3 {
				t.Errorf("update = %+v", u)
			}
		}},
		{"Oracle.JavaRuntimeEnvironment 8.0.4710.9", "Oracle Corporation", "Java 8", 2, "Oracle.JavaRuntimeEnvironment 8.0.291", func(t *testing.T, b *model.CatalogBulletin) {
			// InstallerSwitches at the top level; AutoDL URL without a file name.
			u := b.Updates[0]
			if u.FileName != "Oracle.JavaRuntimeEnvironment-8.0.4710.9-x86.exe" || !strings.Contains(u.CommandLine, "/s REBOOT=0 SPONSORS=0") {
				t.Errorf("update = %q %q", u.FileName, u.CommandLine)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			b := bulletinByID(bs, tt.id)
			if b == nil {
				t.Fatalf("bulletin %q missing", tt.id)
			}
			if b.Vendor != tt.vendor || b.Software != tt.software || len(b.Updates) != tt.updates || strings.Join(b.Supersedes, ",") != tt.supersedes {
				t.Errorf("got vendor %q software %q, %d updates, supersedes %v", b.Vendor, b.Software, len(b.Updates), b.Supersedes)
			}
			if tt.check != nil {
				tt.check(t, b)
			}
		})
	}
}

func TestWingetRulesOnInventory(t *testing.T) {
	b := bulletinByID(wingetFromDir(t, "testdata/winget"), "7zip.7zip 25.01")
	u := b.Updates[1] // x64 exe
	tests := []struct {
		name                  string
		sw                    []inventory.Software
		applicable, installed rules.Tri
	}{
		{"older 7-Zip", []inventory.Software{{Name: "7-Zip 19.00 (x64)", Version: "19.00", ProductCode: "7-Zip"}}, rules.True, rules.False},
		{"current 7-Zip", []inventory.Software{{Name: "7-Zip 25.01 (x64)", Version: "25.01", ProductCode: "7-Zip"}}, rules.False, rules.True},
		{"no 7-Zip", []inventory.Software{{Name: "Notepad++ (64-bit x64)", Version: "8.8.1"}}, rules.False, rules.False},
	}
	for _, tt := range tests {
		inv := inventory.Inventory{OS: inventory.OS{Family: "windows", Arch: "x64"}, Software: tt.sw}
		if got := u.Applicable.Eval(&inv); got != tt.applicable {
			t.Errorf("%s: applicable = %s, want %s (%s)", tt.name, got, tt.applicable, u.Applicable)
		}
		if got := u.Installed.Eval(&inv); got != tt.installed {
			t.Errorf("%s: installed = %s, want %s", tt.name, got, tt.installed)
		}
	}
}

func TestWingetSingleton(t *testing.T) {
	bs := wingetFromDir(t, "testdata/seeds/winget-singleton")
	if len(bs) != 1 || bs[0].ID != "Notepad++.Notepad++ 8.8.1" || len(bs[0].Updates) != 2 || bs[0].Vendor != "Notepad++ Team" {
		t.Fatalf("singleton = %+v", bs)
	}
}

func TestWingetErrors(t *testing.T) {
	good, err := os.ReadFile("testdata/seeds/winget-singleton/Notepad++.Notepad++.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, manifest, want string
	}{
		{"bad yaml", "PackageIdentifier: [unclosed", "not a winget manifest"},
		{"no identifier", strings.Replace(string(good), "PackageIdentifier: Notepad++.Notepad++", "", 1), "PackageIdentifier is missing"},
		{"schema 2", strings.Replace(string(good), "ManifestVersion: 1.9.0", "ManifestVersion: 2.0.0", 1), "not a 1.x schema"},
		{"short hash", strings.Replace(string(good), "DD08C28A036547339AB60EE26325B44A1E162D9FF8129474EC8FC2744332D5F4", "DD08C28A", 1), "Installers[0]: InstallerSha256"},
		{"no url", strings.Replace(string(good), "  InstallerUrl: https://github.com/notepad-plus-plus/notepad-plus-plus/releases/download/v8.8.1/npp.8.8.1.Installer.x64.exe\n", "", 1), "Installers[1]: InstallerUrl is missing"},
		{"no publisher", strings.Replace(string(good), "Publisher: Notepad++ Team", "", 1), "Publisher is missing"},
		{"huge", string(good) + "\n#" + strings.Repeat("x", maxManifestSize), "larger than the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(dir+"/m.yaml", []byte(tt.manifest), 0o600); err != nil {
				t.Fatal(err)
			}
			units, err := sourceOpener{}.units(context.Background(), dir)
			if err == nil {
				_, err = units[0].read(context.Background())
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "m.yaml") {
				t.Errorf("error = %v, want one naming m.yaml and containing %q", err, tt.want)
			}
		})
	}
}

func FuzzWingetManifest(f *testing.F) {
	for _, p := range []string{"testdata/seeds/winget-singleton/Notepad++.Notepad++.yaml",
		"testdata/winget/Python.Python.3.12/3.12.0/Python.Python.3.12.installer.yaml",
		"testdata/winget/GIMP.GIMP/2.10.38.1/GIMP.GIMP.installer.yaml"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseWingetManifest("fuzz.yaml", data)
		if err != nil {
			return
		}
		p := &wingetPackage{id: m.PackageIdentifier, version: m.PackageVersion}
		if p.add("fuzz.yaml", m) != nil {
			return
		}
		bs, err := wingetBulletins([]*wingetPackage{p})
		if err != nil {
			return
		}
		for _, b := range bs {
			_ = b.Validate()
		}
	})
}
