package scan

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestUninstallEntry(t *testing.T) {
	tests := []struct {
		name   string
		e      uninstallEntry
		wantOK bool
		wantKB string
		check  func(t *testing.T, name, version, code, date string)
	}{
		{name: "MSI product", e: uninstallEntry{Key: "{23170F69-40C1-2702-2301-000001000000}", DisplayName: "7-Zip 23.01 (x64 edition)", DisplayVersion: "23.01.00.0", Publisher: "Igor Pavlov", InstallDate: "20240115"},
			wantOK: true, check: func(t *testing.T, name, version, code, date string) {
				if code != "{23170F69-40C1-2702-2301-000001000000}" || date != "2024-01-15" || version != "23.01.00.0" {
					t.Errorf("got code %q date %q version %q", code, date, version)
				}
			}},
		{name: "non-MSI product", e: uninstallEntry{Key: "Mozilla Firefox 121.0 (x64 en-US)", DisplayName: "Mozilla Firefox (x64 en-US)", DisplayVersion: "121.0"},
			wantOK: true, check: func(t *testing.T, name, version, code, date string) {
				if code != "" || name != "Mozilla Firefox (x64 en-US)" {
					t.Errorf("got name %q code %q", name, code)
				}
			}},
		{name: "system component", e: uninstallEntry{Key: "x", DisplayName: "Runtime", SystemComponent: 1}},
		{name: "no display name", e: uninstallEntry{Key: "x"}},
		{name: "update of a product", e: uninstallEntry{Key: "KB2504637", DisplayName: "Update for Office (KB2504637)", ParentKeyName: "Office"}, wantKB: "KB2504637"},
		{name: "update without KB", e: uninstallEntry{Key: "x", DisplayName: "Service Pack", ReleaseType: "Update"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sw, kb, ok := tt.e.software("x64", "machine")
			if ok != tt.wantOK || kb != tt.wantKB {
				t.Fatalf("software(%+v) = ok %v kb %q, want ok %v kb %q", tt.e, ok, kb, tt.wantOK, tt.wantKB)
			}
			if tt.check != nil {
				tt.check(t, sw.Name, sw.Version, sw.ProductCode, sw.InstallDate)
			}
		})
	}
}

func TestWindowsHelpers(t *testing.T) {
	tests := []struct{ in, got, want string }{
		{"CBS package", packageKB("Package_for_KB5034441~31bf3856ad364e35~amd64~~19041.3920.1.1"), "KB5034441"},
		{"rollup has no KB", packageKB("Package_for_RollupFix~31bf3856ad364e35~amd64~~19041.3803.1.8"), ""},
		{"Windows 11 named 10", windowsName("Windows 10 Pro", 22631), "Windows 11 Pro"},
		{"Windows 10", windowsName("Windows 10 Pro", 19045), "Windows 10 Pro"},
		{"server", windowsName("Windows Server 2022 Standard", 20348), "Windows Server 2022 Standard"},
		{"product type", productType("ServerNT"), "server"},
		{"arch", windowsArch("AMD64"), "x64"},
		{"user hive", strconv.FormatBool(isUserHive("S-1-5-21-3623811015-3361044348-30300820-1013")), "true"},
		{"user classes", strconv.FormatBool(isUserHive("S-1-5-21-3623811015-3361044348-30300820-1013_Classes")), "false"},
		{"local system", strconv.FormatBool(isUserHive("S-1-5-18")), "false"},
		{".DEFAULT", strconv.FormatBool(isUserHive(".DEFAULT")), "false"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.in, tt.got, tt.want)
		}
	}
}

func TestLinuxParsers(t *testing.T) {
	kv := parseOSRelease(strings.NewReader("NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n# comment\nID=debian\nPRETTY_NAME='Debian GNU/Linux 12 (bookworm)'\n"))
	if kv["NAME"] != "Debian GNU/Linux" || kv["VERSION_ID"] != "12" || kv["ID"] != "debian" || kv["PRETTY_NAME"] != "Debian GNU/Linux 12 (bookworm)" {
		t.Errorf("parseOSRelease = %v", kv)
	}
	status := `Package: openssl
Status: install ok installed
Maintainer: Debian OpenSSL Team <x@debian.org>
Architecture: amd64
Version: 3.0.11-1~deb12u2
Description: Secure Sockets Layer toolkit
 a long description

Package: removed
Status: deinstall ok config-files
Version: 1.0

Package: curl
Status: install ok installed
Version: 7.88.1-10+deb12u5
`
	sw := parseDpkgStatus(strings.NewReader(status))
	if len(sw) != 2 || sw[0].Name != "openssl" || sw[0].Version != "3.0.11-1~deb12u2" || sw[0].Arch != "amd64" || sw[1].Name != "curl" {
		t.Errorf("parseDpkgStatus = %+v", sw)
	}
	rpm := parseRPM([]byte("bash\t5.1.8-6.el9\tRed Hat, Inc.\tx86_64\t1700000000\ngpg-pubkey\t1-2\t(none)\t(none)\t1700000000\nbad line\n"))
	if len(rpm) != 2 || rpm[0].Version != "5.1.8-6.el9" || rpm[0].InstallDate != "2023-11-14" || rpm[1].Publisher != "" {
		t.Errorf("parseRPM = %+v", rpm)
	}
	if got := bootTime([]byte("cpu 1 2 3\nbtime 1700000000\n")); !got.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("bootTime = %v", got)
	}
	if got := posixLanguage("de_DE.UTF-8"); got != "de-DE" {
		t.Errorf("posixLanguage = %q", got)
	}
	if got := resolvDomain(strings.NewReader("nameserver 1.1.1.1\nsearch corp.example.org other\n")); got != "corp.example.org" {
		t.Errorf("resolvDomain = %q", got)
	}
	plist := parsePlist(strings.NewReader(`<?xml version="1.0"?><plist version="1.0"><dict><key>CFBundleName</key><string>Firefox</string><key>CFBundleShortVersionString</key><string>121.0</string><key>X</key><array><string>no</string></array></dict></plist>`))
	if plist["CFBundleName"] != "Firefox" || plist["CFBundleShortVersionString"] != "121.0" || plist["X"] != "" {
		t.Errorf("parsePlist = %v", plist)
	}
}

func TestScanThisMachine(t *testing.T) {
	inv, err := Scan(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	if inv.Hostname == "" || inv.OS.Family == "" || inv.OS.Arch == "" || inv.AgentVersion != "test" {
		t.Errorf("Scan on %s = %+v", runtime.GOOS, inv)
	}
}
