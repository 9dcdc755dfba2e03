package model

import (
	"testing"

	"patchdesk/model/inventory"
	"patchdesk/model/rules"
)

// june2024 is shaped like the CVRF reader's KB5039211 for Windows 10 22H2 x64.
func june2024() compiledUpdate {
	app := rules.AllOf(rules.Rule{Op: rules.OS, Family: "windows", Name: "Windows 10", ProductType: "workstation", Min: "10.0.19045", Below: "10.0.19045.4529"}, rules.ArchIn("x64"))
	inst := rules.AnyOf(rules.Rule{Op: rules.OS, Family: "windows", Min: "10.0.19045.4529"}, rules.HasKB("KB5039211"))
	return compile("KB5039211/11926", "KB5039211", app, inst)
}

// june2024For21H2 is the same KB for Windows 10 21H2, which a 22H2 PC's higher build must not
// count as installed.
func june2024For21H2() compiledUpdate {
	app := rules.AllOf(rules.Rule{Op: rules.OS, Family: "windows", Name: "Windows 10", ProductType: "workstation", Min: "10.0.19044", Below: "10.0.19044.4529"}, rules.ArchIn("x64"))
	inst := rules.AnyOf(rules.Rule{Op: rules.OS, Family: "windows", Min: "10.0.19044.4529"}, rules.HasKB("KB5039211"))
	return compile("KB5039211/11925", "KB5039211", app, inst)
}

// sevenZip is shaped like the winget reader's 7-Zip 19.00.
func sevenZip() compiledUpdate {
	app := rules.AllOf(rules.Rule{Op: rules.OS, Family: "windows"}, rules.Rule{Op: rules.Product, Name: "7-Zip*", Below: "19.00"})
	inst := rules.Rule{Op: rules.Product, Name: "7-Zip*", Min: "19.00"}
	return compile("7zip.7zip 19.00/x64", "7zip.7zip 19.00", app, inst)
}

// dotNet has no version ceiling: applicable to the release, installed by KB.
func dotNet() compiledUpdate {
	app := rules.Rule{Op: rules.OS, Family: "windows", Name: "Windows 10", Min: "10.0.19045", Below: "10.0.19046"}
	return compile("KB5037036/x", "KB5037036", rules.AllOf(app), rules.HasKB("KB5037036"))
}

func compile(id, bulletin string, app, inst rules.Rule) compiledUpdate {
	u := compiledUpdate{id: id, bulletin: bulletin, applicable: app, installed: inst}
	u.present, u.hasCeiling = liftCeilings(app, false)
	u.appOS, u.presentOS = osOnly(u.applicable), osOnly(u.present)
	return u
}

func win10(ubr int, kbs ...string) inventory.Inventory {
	return inventory.Inventory{
		OS:       inventory.OS{Family: "windows", Name: "Windows 10 Pro", Version: "10.0", Build: 19045, UBR: ubr, Arch: "x64", ProductType: "workstation"},
		KBs:      append([]string{"KB890830"}, kbs...),
		Software: []inventory.Software{{Name: "7-Zip 16.04 (x64)", Version: "16.04"}},
	}
}

func TestEvaluateUpdate(t *testing.T) {
	withZip := func(inv inventory.Inventory, v string) inventory.Inventory {
		inv.Software = []inventory.Software{{Name: "7-Zip " + v + " (x64)", Version: v}}
		return inv
	}
	noKBs := win10(4291)
	noKBs.KBs = nil
	linux := inventory.Inventory{OS: inventory.OS{Family: "linux", Name: "Debian GNU/Linux 12", Version: "12", Arch: "x64"}, KBs: []string{}}
	tests := []struct {
		name   string
		update compiledUpdate
		inv    inventory.Inventory
		want   ComplianceState
	}{
		{"older build lacks the cumulative update", june2024(), win10(4291), StateNotInstalled},
		{"fixed build has it", june2024(), win10(4529), StateInstalled},
		{"later build has it", june2024(), win10(5011), StateInstalled},
		{"KB reported at an older build (restart pending)", june2024(), win10(4291, "KB5039211"), StateInstalled},
		{"other release's update is not applicable", june2024For21H2(), win10(4291), StateNotApplicable},
		{"other release's update is not applicable at the fixed build", june2024For21H2(), win10(4529), StateNotApplicable},
		{"linux computer", june2024(), linux, StateNotApplicable},
		{"old 7-Zip is missing the update", sevenZip(), win10(4291), StateNotInstalled},
		{"new 7-Zip has it", sevenZip(), withZip(win10(4291), "23.01"), StateInstalled},
		{"no 7-Zip: not applicable", sevenZip(), inventory.Inventory{OS: win10(1).OS, Software: []inventory.Software{{Name: "Git", Version: "2.44"}}}, StateNotApplicable},
		{"no software reported: unknown", sevenZip(), inventory.Inventory{OS: win10(1).OS}, StateUnknown},
		{"KB-only installed rule, KB present", dotNet(), win10(4291, "KB5037036"), StateInstalled},
		{"KB-only installed rule, KB absent", dotNet(), win10(4291), StateNotInstalled},
		{"KB-only installed rule, no KBs reported", dotNet(), noKBs, StateUnknown},
		{"no OS version reported", june2024(), inventory.Inventory{OS: inventory.OS{Family: "windows", Name: "Windows 10 Pro", Arch: "x64", ProductType: "workstation"}}, StateUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := tt.inv
			c := &complianceCatalog{updates: []compiledUpdate{tt.update}}
			vs := c.newEvalCache().verdicts(&inv)
			if got := c.updates[0].evaluate(&inv, &vs[0]); got != tt.want {
				t.Errorf("%s on %+v = %s, want %s", tt.update.id, tt.inv.OS, got, tt.want)
			}
			// Without the OS verdict cache the answer is the same.
			direct := tt.update
			direct.appOS, direct.presentOS = false, false
			if got := direct.evaluate(&inv, &osVerdict{}); got != tt.want {
				t.Errorf("%s on %+v without the cache = %s, want %s", tt.update.id, tt.inv.OS, got, tt.want)
			}
		})
	}
}

func TestLiftCeilings(t *testing.T) {
	tests := []struct {
		name        string
		in          rules.Rule
		want        string
		wantChanged bool
	}{
		{"release range", rules.Rule{Op: rules.OS, Min: "10.0.19045", Below: "10.0.19045.4529"},
			`{"op":"os","min":"10.0.19045","below":"10.0.19046"}`, true},
		{"no lower bound", rules.Rule{Op: rules.Product, Name: "7-Zip*", Below: "19.00"}, `{"op":"product","name":"7-Zip*"}`, true},
		{"no ceiling", rules.Rule{Op: rules.OS, Family: "windows"}, `{"op":"os","family":"windows"}`, false},
		{"under not stays", rules.NotOf(rules.Rule{Op: rules.Product, Name: "x", Below: "2"}), `{"op":"not","rules":[{"op":"product","name":"x","below":"2"}]}`, false},
		{"under two nots lifts", rules.NotOf(rules.NotOf(rules.Rule{Op: rules.File, Path: "p", Min: "1.2", Below: "1.2.5"})),
			`{"op":"not","rules":[{"op":"not","rules":[{"op":"file","path":"p","min":"1.2","below":"1.3"}]}]}`, true},
		{"kb untouched", rules.AllOf(rules.HasKB("KB1")), `{"op":"all","rules":[{"op":"kb","kb":"KB1"}]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed := liftCeilings(tt.in, false)
			if got.String() != tt.want || changed != tt.wantChanged {
				t.Errorf("liftCeilings(%s) = %s, %v; want %s, %v", tt.in, got, changed, tt.want, tt.wantChanged)
			}
		})
	}
}
