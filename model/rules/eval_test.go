package rules

import (
	"encoding/json"
	"testing"

	"patchdesk/model/inventory"
)

// server2019 is a Windows Server 2019 that lacks January 2024's KB5034127.
var server2019 = inventory.Inventory{
	OS:        inventory.OS{Family: "windows", Name: "Windows Server 2019 Standard", Version: "10.0", Build: 17763, UBR: 5206, Arch: "amd64", ProductType: "server", Edition: "ServerStandard"},
	Languages: []string{"en-US", "de-DE"},
	KBs:       []string{"KB5033371", "KB890830"},
	Software: []inventory.Software{
		{Name: "7-Zip 19.00 (x64)", Version: "19.00", ProductCode: "7-Zip"},
		{Name: "Python 3.12.0 (64-bit)", Version: "3.12.150.0", ProductCode: "{cf9c4d97-48a7-4a27-b9fc-91b88a803c40}"},
	},
	Files:    []inventory.File{{Path: `C:\Windows\System32\ntoskrnl.exe`, Version: "10.0.17763.5206"}},
	Registry: []inventory.RegValue{{Key: `HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate`, Name: "WUServer", Value: "http://wsus"}},
}

func TestEval(t *testing.T) {
	empty := inventory.Inventory{}
	kb127 := AnyOf(Rule{Op: OS, Family: "windows", Min: "10.0.17763.5329"}, HasKB("KB5034127"))
	tests := []struct {
		name string
		rule Rule
		inv  inventory.Inventory
		want Tri
	}{
		{"os family", Rule{Op: OS, Family: "Windows"}, server2019, True},
		{"os family other", Rule{Op: OS, Family: "linux"}, server2019, False},
		{"os family not reported", Rule{Op: OS, Family: "windows"}, empty, Unknown},
		{"os build below fix", Rule{Op: OS, Min: "10.0.17763", Below: "10.0.17763.5329"}, server2019, True},
		{"os build at fix", Rule{Op: OS, Min: "10.0.17763.5329"}, server2019, False},
		{"os product type", Rule{Op: OS, ProductType: "workstation"}, server2019, False},
		{"os name substring", Rule{Op: OS, Name: "server 2019"}, server2019, True},
		{"os version not reported", Rule{Op: OS, Min: "10.0"}, inventory.Inventory{OS: inventory.OS{Family: "windows"}}, Unknown},
		{"arch normalised", ArchIn("x64"), server2019, True},
		{"arch other", ArchIn("arm64", "x86"), server2019, False},
		{"arch neutral", ArchIn("neutral"), server2019, True},
		{"arch unknown", ArchIn("x64"), empty, Unknown},
		{"language base covers region", Rule{Op: Language, Values: []string{"de"}}, server2019, True},
		{"language region exact", Rule{Op: Language, Values: []string{"fr-FR"}}, server2019, False},
		{"language unknown", Rule{Op: Language, Values: []string{"en"}}, empty, Unknown},
		{"kb installed", HasKB("5033371"), server2019, True},
		{"kb missing", HasKB("KB5034127"), server2019, False},
		{"kb not reported", HasKB("KB5034127"), empty, Unknown},
		{"fix installed rule: lower build, no kb", kb127, server2019, False},
		{"fix installed rule: unknown inventory", kb127, empty, Unknown},
		{"product by code below version", Rule{Op: Product, ProductCode: "7-zip", Below: "25.01"}, server2019, True},
		{"product by code at version", Rule{Op: Product, ProductCode: "7-Zip", Min: "25.01"}, server2019, False},
		{"product by name prefix", Rule{Op: Product, Name: "Python 3.12.0*", Min: "3.12.150"}, server2019, True},
		{"product absent", Rule{Op: Product, Name: "GIMP 2.10.38-1"}, server2019, False},
		{"product software not reported", Rule{Op: Product, Name: "GIMP"}, empty, Unknown},
		{"product found without version", Rule{Op: Product, Name: "x", Min: "1"}, inventory.Inventory{Software: []inventory.Software{{Name: "X"}}}, Unknown},
		{"file version", Rule{Op: File, Path: `c:\windows\system32\NTOSKRNL.EXE`, Below: "10.0.17763.5329"}, server2019, True},
		{"file not reported is unknown", Rule{Op: File, Path: `C:\x.dll`, Min: "1.0"}, server2019, Unknown},
		{"registry equals", Rule{Op: Registry, Key: `HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate`, Name: "WUServer", Value: "http://wsus"}, server2019, True},
		{"registry differs", Rule{Op: Registry, Key: `HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate`, Name: "WUServer", Value: "http://other"}, server2019, False},
		{"registry not reported", Rule{Op: Registry, Key: `HKLM\X`, Name: "Y"}, server2019, Unknown},
		{"all empty is true", AllOf(), empty, True},
		{"any empty is false", AnyOf(), empty, False},
		{"all false beats unknown", AllOf(HasKB("KB1"), Rule{Op: OS, Family: "linux"}), inventory.Inventory{OS: inventory.OS{Family: "windows"}}, False},
		{"all unknown beats true", AllOf(Rule{Op: OS, Family: "windows"}, HasKB("KB1")), inventory.Inventory{OS: inventory.OS{Family: "windows"}}, Unknown},
		{"any true beats unknown", AnyOf(HasKB("KB1"), Rule{Op: OS, Family: "windows"}), inventory.Inventory{OS: inventory.OS{Family: "windows"}}, True},
		{"any unknown beats false", AnyOf(HasKB("KB1"), Rule{Op: OS, Family: "linux"}), inventory.Inventory{OS: inventory.OS{Family: "windows"}}, Unknown},
		{"not true", NotOf(HasKB("KB5033371")), server2019, False},
		{"not false", NotOf(HasKB("KB5034127")), server2019, True},
		{"not unknown stays unknown", NotOf(HasKB("KB1")), empty, Unknown},
		{"unknown op", Rule{Op: "frobnicate"}, server2019, Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := tt.inv
			if got := tt.rule.Eval(&inv); got != tt.want {
				t.Errorf("%s.Eval = %s, want %s", tt.rule, got, tt.want)
			}
		})
	}
}

func TestFullOSVersion(t *testing.T) {
	tests := []struct {
		os   inventory.OS
		want string
	}{
		{inventory.OS{Version: "10.0", Build: 19045, UBR: 3803}, "10.0.19045.3803"},
		{inventory.OS{Version: "10.0.19045", Build: 19045, UBR: 3803}, "10.0.19045.3803"},
		{inventory.OS{Version: "12"}, "12"},
		{inventory.OS{Build: 19045}, ""},
		{inventory.OS{}, ""},
	}
	for _, tt := range tests {
		if got := FullOSVersion(tt.os); got != tt.want {
			t.Errorf("FullOSVersion(%+v) = %q, want %q", tt.os, got, tt.want)
		}
	}
}

func TestValidateAndJSON(t *testing.T) {
	deep := HasKB("KB1")
	for range MaxDepth + 2 {
		deep = NotOf(deep)
	}
	tests := []struct {
		name    string
		rule    Rule
		wantErr bool
	}{
		{"fix rule", AllOf(Rule{Op: OS, Family: "windows", Min: "10.0.17763", Below: "10.0.17763.5329"}, ArchIn("x64")), false},
		{"not with two children", Rule{Op: Not, Rules: []Rule{HasKB("1"), HasKB("2")}}, true},
		{"leaf with children", Rule{Op: KB, KB: "KB1", Rules: []Rule{HasKB("2")}}, true},
		{"empty kb", Rule{Op: KB}, true},
		{"unknown op", Rule{Op: "x"}, true},
		{"no op", Rule{}, true},
		{"os without test", Rule{Op: OS}, true},
		{"product without name", Rule{Op: Product, Min: "1"}, true},
		{"too deep", deep, true},
		{"bad version", Rule{Op: File, Path: "a", Min: "..."}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rule.Validate()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Validate(%s) = %v, want error %v", tt.rule, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			b, _ := json.Marshal(tt.rule)
			back, err := Parse(b)
			if err != nil || back.String() != tt.rule.String() {
				t.Fatalf("round trip of %s = %s, %v", tt.rule, back, err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"op":"all","rules":[{"op":"os","family":"windows","below":"10.0.17763.5329"},{"op":"kb","kb":"KB5034127"}]}`))
	f.Add([]byte(`{"op":"not","rules":[{"op":"product","name":"7-Zip*","min":"19"}]}`))
	f.Add([]byte(`{"op":"any"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		if err != nil {
			return
		}
		r.Eval(&server2019)
		if _, err := Parse([]byte(r.String())); err != nil && r.Op != "" {
			t.Fatalf("valid rule %s does not round-trip: %v", r, err)
		}
	})
}
