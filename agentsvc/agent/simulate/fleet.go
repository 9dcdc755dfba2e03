package simulate

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"strconv"

	"patchdesk/model/inventory"
)

// otherApps are common third-party products at older and newer versions. The catalog's own
// products replace the ones it covers (see newProfile); the rest fill the inventories out.
type otherApp struct {
	name, publisher string
	versions        []string
	share           float64
	msi             bool
}

var otherApps = []otherApp{
	{"Google Chrome", "Google LLC", []string{"119.0.6045.200", "120.0.6099.217", "121.0.6167.185", "122.0.6261.129", "123.0.6312.123", "124.0.6367.208"}, 0.85, true},
	{"Microsoft Edge", "Microsoft Corporation", []string{"120.0.2210.133", "121.0.2277.128", "122.0.2365.92", "123.0.2420.97", "124.0.2478.109"}, 1, false},
	{"Mozilla Firefox (x64 en-US)", "Mozilla", []string{"115.6.0", "120.0.1", "121.0.1", "122.0.1", "123.0.1", "124.0.2"}, 0.4, false},
	{"7-Zip 23.01 (x64)", "Igor Pavlov", []string{"19.00", "22.01", "23.01"}, 0.6, true},
	{"Adobe Acrobat Reader DC", "Adobe", []string{"23.006.20380", "23.008.20470", "24.001.20604", "24.002.20687"}, 0.7, true},
	{"Notepad++ (64-bit x64)", "Notepad++ Team", []string{"8.5.8", "8.6", "8.6.2", "8.6.4", "8.6.5"}, 0.3, false},
	{"VLC media player", "VideoLAN", []string{"3.0.18", "3.0.20"}, 0.35, false},
	{"Zoom Workplace (64-bit)", "Zoom Video Communications, Inc.", []string{"5.16.10", "5.17.5", "6.0.2", "6.0.10"}, 0.45, true},
	{"Microsoft Teams", "Microsoft Corporation", []string{"1.6.00.33567", "1.7.00.6058", "24004.1403.2634.2418"}, 0.6, false},
	{"Java 8 Update 391", "Oracle Corporation", []string{"8.0.3810.9", "8.0.3910.13", "8.0.4010.10", "8.0.4110.9"}, 0.2, true},
	{"Microsoft Visual C++ 2015-2022 Redistributable (x64)", "Microsoft Corporation", []string{"14.32.31332.0", "14.36.32532.0", "14.38.33130.0"}, 0.95, true},
	{"Microsoft Visual C++ 2015-2022 Redistributable (x86)", "Microsoft Corporation", []string{"14.32.31332.0", "14.36.32532.0", "14.38.33130.0"}, 0.9, true},
	{"Microsoft 365 Apps for business - en-us", "Microsoft Corporation", []string{"16.0.16731.20550", "16.0.17029.20108", "16.0.17231.20236", "16.0.17328.20282"}, 0.7, false},
	{"Microsoft OneDrive", "Microsoft Corporation", []string{"23.246.1127.0002", "24.010.0114.0003", "24.040.0225.0001"}, 0.8, false},
	{"Git", "The Git Development Community", []string{"2.42.0.2", "2.43.0", "2.44.0"}, 0.1, false},
	{"Python 3.11.7 (64-bit)", "Python Software Foundation", []string{"3.11.5150.0", "3.11.7150.0", "3.12.2150.0"}, 0.08, true},
	{"PuTTY release 0.80 (64-bit)", "Simon Tatham", []string{"0.78.0.0", "0.79.0.0", "0.80.0.0"}, 0.1, true},
	{"WinSCP 6.1.2", "Martin Prikryl", []string{"6.1.1", "6.1.2", "6.3.1"}, 0.08, false},
	{"FileZilla 3.66.4", "Tim Kosse", []string{"3.65.0", "3.66.4"}, 0.06, false},
	{"KeePass Password Safe 2.56", "Dominik Reichl", []string{"2.54", "2.55", "2.56"}, 0.1, false},
	{"Foxit PDF Reader", "Foxit Software Inc.", []string{"12.1.3.15356", "2023.3.0.23028", "2024.1.0.23997"}, 0.15, true},
	{"TeamViewer", "TeamViewer", []string{"15.48.5", "15.49.2", "15.51.5"}, 0.25, false},
	{"AnyDesk", "philandro Software GmbH", []string{"8.0.6", "8.0.8"}, 0.1, false},
	{"Slack (Machine - MSI)", "Slack Technologies Inc.", []string{"4.35.131", "4.36.140"}, 0.15, true},
	{"Wireshark 4.2.2 x64", "The Wireshark developer community", []string{"4.0.11", "4.2.2", "4.2.4"}, 0.04, false},
	{"LibreOffice 7.6.4.1", "The Document Foundation", []string{"7.5.9.2", "7.6.4.1", "24.2.1.2"}, 0.1, true},
	{"Mozilla Thunderbird (x64 en-US)", "Mozilla", []string{"115.6.0", "115.8.1", "115.10.1"}, 0.12, false},
	{"Microsoft Visual Studio Code", "Microsoft Corporation", []string{"1.85.1", "1.86.2", "1.87.2", "1.88.1"}, 0.15, false},
	{"Dropbox", "Dropbox, Inc.", []string{"190.4.6383", "194.4.6267"}, 0.1, false},
	{"WinRAR 6.24 (64-bit)", "win.rar GmbH", []string{"6.23.0", "6.24.0", "7.0.0"}, 0.15, false},
	{"Citrix Workspace 2311", "Citrix Systems, Inc.", []string{"23.11.0.132", "24.2.0.172"}, 0.1, false},
	{"Cisco Webex Meetings", "Cisco Webex LLC", []string{"43.12.0", "44.2.0"}, 0.08, true},
	{"Greenshot 1.2.10.6", "Greenshot", []string{"1.2.10.6"}, 0.05, false},
	{"Paint.NET", "dotPDN LLC", []string{"5.0.11", "5.0.12"}, 0.06, true},
	{"Node.js", "Node.js Foundation", []string{"18.19.0", "20.11.1"}, 0.05, true},
	{"Microsoft .NET Runtime - 6.0.26 (x64)", "Microsoft Corporation", []string{"6.0.25", "6.0.26", "6.0.28"}, 0.6, true},
	{"Microsoft .NET Runtime - 8.0.1 (x64)", "Microsoft Corporation", []string{"8.0.0", "8.0.1", "8.0.3"}, 0.4, true},
	{"Microsoft Windows Desktop Runtime - 6.0.26 (x64)", "Microsoft Corporation", []string{"6.0.25", "6.0.26", "6.0.28"}, 0.5, true},
	{"Intel(R) Management Engine Components", "Intel Corporation", []string{"2228.4.3.0", "2340.5.24.0"}, 0.5, true},
	{"Realtek High Definition Audio Driver", "Realtek Semiconductor Corp.", []string{"6.0.9235.1", "6.0.9373.1"}, 0.6, false},
}

// machine is one simulated PC; its inventory is rebuilt from these few numbers when needed, so
// 20,000 of them cost little memory.
type machine struct {
	seed       uint64
	generation int // bumped by each simulated change
}

// inventory builds the machine's inventory as of its generation: the seed picks its OS, patch
// level, the release's other updates and its apps; every generation installs one newer update
// or app version.
func (p *profile) inventory(m machine, name, agentVersion string) inventory.Inventory {
	r := rand.New(rand.NewPCG(m.seed, 0x9e3779b97f4a7c15))
	img := p.pickImage(r)
	level := r.IntN(len(img.ubrs))
	inv := inventory.Inventory{
		Hostname: name, Domain: "corp.example.org",
		IPs:          []string{fmt.Sprintf("10.%d.%d.%d", 20+r.IntN(10), r.IntN(256), 1+r.IntN(254))},
		MACs:         []string{fmt.Sprintf("00:15:5D:%02X:%02X:%02X", r.IntN(256), r.IntN(256), r.IntN(256))},
		OS:           img.os(0),
		Languages:    []string{[]string{"en-US", "en-US", "en-US", "de-DE", "fr-FR", "en-GB"}[r.IntN(6)]},
		AgentVersion: agentVersion,
	}
	var missing []string
	for _, kb := range img.releaseKBs {
		if r.Float64() < 0.7 {
			inv.KBs = append(inv.KBs, kb)
		} else {
			missing = append(missing, kb)
		}
	}
	type installed struct {
		app   app
		level int
		sw    inventory.Software
	}
	var have []installed
	for _, a := range p.apps {
		if r.Float64() >= a.share {
			continue
		}
		sw := inventory.Software{Name: a.name, Publisher: a.publisher, Arch: "x64", Scope: "machine",
			InstallDate: fmt.Sprintf("2024-%02d-%02d", 1+r.IntN(12), 1+r.IntN(28))}
		if a.msi {
			sw.ProductCode = fmt.Sprintf("{%08X-%04X-%04X-%04X-%012X}", r.Uint32(), r.IntN(0x10000), r.IntN(0x10000), r.IntN(0x10000), r.Uint64()&0xffffffffffff)
		}
		have = append(have, installed{a, r.IntN(len(a.versions)), sw})
	}
	// Each generation moves the OS or one app a version further, or installs one of the
	// release's missing updates (or, when nothing is left, an unknown KB), which changes the
	// digest as a real patch would.
	for g := 0; g < m.generation; g++ {
		i := r.IntN(len(have) + 1)
		switch {
		case i == len(have) && level < len(img.ubrs)-1:
			level++
		case i < len(have) && have[i].level < len(have[i].app.versions)-1:
			have[i].level++
		case len(missing) > 0:
			inv.KBs = append(inv.KBs, missing[0])
			missing = missing[1:]
		default:
			inv.KBs = append(inv.KBs, "KB99"+strconv.Itoa(10000+g))
		}
	}
	inv.OS.UBR = img.ubrs[level]
	for _, f := range img.fixes {
		if f.ubr <= inv.OS.UBR {
			inv.KBs = append(inv.KBs, f.kb)
		}
	}
	inv.Software = append(inv.Software, baseline...)
	for _, h := range have {
		h.sw.Version = h.app.versions[h.level]
		if h.app.names != nil {
			h.sw.Name = h.app.names[h.level]
			h.sw.ProductCode = cmp.Or(h.app.codes[h.level], h.sw.ProductCode)
		}
		inv.Software = append(inv.Software, h.sw)
	}
	inv.Normalize()
	return inv
}

// baseline is what nearly every Windows PC lists besides its applications: runtimes, drivers and
// Windows helpers. It gives the inventories a realistic size (about 70 entries).
var baseline = func() []inventory.Software {
	var out []inventory.Software
	for _, y := range []struct{ year, ver string }{{"2005", "8.0.61001"}, {"2008", "9.0.30729.6161"}, {"2010", "10.0.40219"}, {"2012", "11.0.61030"}, {"2013", "12.0.40664"}} {
		for _, a := range []string{"x86", "x64"} {
			out = append(out, inventory.Software{Name: "Microsoft Visual C++ " + y.year + " Redistributable (" + a + ")", Publisher: "Microsoft Corporation", Version: y.ver, Arch: a, Scope: "machine"})
		}
	}
	for _, n := range []struct{ name, pub, ver string }{
		{"Microsoft Update Health Tools", "Microsoft Corporation", "5.72.0.0"},
		{"Windows PC Health Check", "Microsoft Corporation", "3.7.2204.15001"},
		{"Microsoft GameInput", "Microsoft Corporation", "10.1.22621.3036"},
		{"Office 16 Click-to-Run Extensibility Component", "Microsoft Corporation", "16.0.17328.20162"},
		{"Office 16 Click-to-Run Licensing Component", "Microsoft Corporation", "16.0.17328.20162"},
		{"Microsoft Edge WebView2 Runtime", "Microsoft Corporation", "123.0.2420.97"},
		{"Microsoft Teams Meeting Add-in for Microsoft Office", "Microsoft", "1.23.35502"},
		{"Microsoft Policy Platform", "Microsoft Corporation", "68.1.1010.0"},
		{"Windows Driver Package - Intel (e1dexpress) Net", "Intel", "12.19.1.37"},
		{"Intel(R) Serial IO", "Intel Corporation", "30.100.2031.2"},
		{"Intel(R) Chipset Device Software", "Intel(R) Corporation", "10.1.19222.8341"},
		{"Intel(R) Graphics Driver", "Intel Corporation", "31.0.101.4502"},
		{"NVIDIA Graphics Driver 546.33", "NVIDIA Corporation", "546.33"},
		{"NVIDIA PhysX System Software", "NVIDIA Corporation", "9.21.0713"},
		{"Dell SupportAssist", "Dell Inc.", "3.14.2.45116"},
		{"Dell Command | Update", "Dell Inc.", "5.1.0"},
		{"HP Wolf Security", "HP Inc.", "4.5.11.1154"},
		{"Synaptics Pointing Device Driver", "Synaptics Incorporated", "19.5.35.1"},
		{"Microsoft Windows Desktop Runtime - 7.0.15 (x64)", "Microsoft Corporation", "7.0.15.33214"},
		{"Microsoft ASP.NET Core 6.0.26 Shared Framework (x64)", "Microsoft Corporation", "6.0.26.24022"},
		{"Windows SDK AddOn", "Microsoft Corporation", "10.1.0.0"},
		{"Universal CRT Tools x64", "Microsoft Corporation", "10.1.22621.755"},
		{"Microsoft Silverlight", "Microsoft Corporation", "5.1.50918.0"},
		{"Microsoft Access database engine 2016 (English)", "Microsoft Corporation", "16.0.5044.1000"},
		{"Microsoft OLE DB Driver for SQL Server", "Microsoft Corporation", "18.6.7.0"},
		{"Microsoft ODBC Driver 17 for SQL Server", "Microsoft Corporation", "17.10.5.1"},
		{"Local Administrator Password Solution", "Microsoft Corporation", "6.2.0.0"},
		{"Microsoft Monitoring Agent", "Microsoft Corporation", "10.20.18069.0"},
		{"Windows Defender Advanced Threat Protection", "Microsoft Corporation", "10.8760.19041.3930"},
		{"CrowdStrike Windows Sensor", "CrowdStrike, Inc.", "7.10.17706.0"},
		{"Configuration Manager Client", "Microsoft Corporation", "5.00.9122.1000"},
		{"Realtek Card Reader", "Realtek Semiconductor Corp.", "10.0.22000.21355"},
		{"Lenovo Vantage Service", "Lenovo Group Ltd.", "3.13.43.0"},
		{"Bonjour", "Apple Inc.", "3.1.0.1"},
		{"Apple Mobile Device Support", "Apple Inc.", "17.0.0.21"},
		{"Microsoft Power BI Desktop (x64)", "Microsoft Corporation", "2.128.1177.0"},
		{"PowerShell 7-x64", "Microsoft Corporation", "7.4.1.0"},
		{"Windows Subsystem for Linux", "Microsoft Corporation", "2.0.14.0"},
		{"Microsoft Azure Information Protection", "Microsoft Corporation", "2.16.79.0"},
		{"Microsoft Intune Management Extension", "Microsoft Corporation", "1.74.106.0"},
	} {
		out = append(out, inventory.Software{Name: n.name, Publisher: n.pub, Version: n.ver, Arch: "x64", Scope: "machine"})
	}
	return out
}()
