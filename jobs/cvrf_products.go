package jobs

import (
	"regexp"
	"strconv"
	"strings"

	"patchdesk/model/rules"
)

// MSRC names products in prose ("Windows 10 Version 1809 for x64-based Systems",
// "Microsoft .NET Framework 4.8 on Windows Server 2012 R2"). windowsProduct turns such a name
// into what rules can test: family, the OS name an agent reports, server or workstation,
// architecture and the OS version range of that release.

type windowsProduct struct {
	Name        string // "Windows 10", "Windows Server 2019": a substring of the OS name agents report
	ProductType string // workstation or server
	Arch        string // x64, x86, arm64, ia64, arm or "" when the name does not say
	// Base is the release's major.minor.build ("10.0.17763") when known, so a rule can tell
	// Windows 10 1809 from 22H2 though both are "Windows 10".
	Base string
}

var (
	archRe      = regexp.MustCompile(`(?i)\b(x64|32-bit|arm64|itanium|arm)(?:[- ]based)? (?:systems|editions)\b|\bx64 edition\b|\b(?:32|64)-bit editions\b`)
	versionRe   = regexp.MustCompile(`(?i)\bversion (\d{4}|\d{2}H\d)\b`)
	windowsRe   = regexp.MustCompile(`(?i)^windows (server(?: 20\d\d(?: r2)?)?|\d+(?:\.\d)?|rt 8\.1|vista|7)`)
	serverVerRe = regexp.MustCompile(`(?i)^windows server,? version (\d{4}|\d{2}H\d)`)
)

// windowsBuilds maps a release to its major.minor.build. Sources: Microsoft's Windows release
// information pages; the FixedBuild values in the MSRC documents agree.
var windowsBuilds = map[string]string{
	"Windows Vista": "6.0.6002", "Windows Server 2008": "6.0.6003",
	"Windows 7": "6.1.7601", "Windows Server 2008 R2": "6.1.7601",
	"Windows Server 2012": "6.2.9200", "Windows 8.1": "6.3.9600", "Windows RT 8.1": "6.3.9600", "Windows Server 2012 R2": "6.3.9600",
	"Windows 10": "10.0.10240", "Windows 10 1511": "10.0.10586", "Windows 10 1607": "10.0.14393", "Windows 10 1703": "10.0.15063",
	"Windows 10 1709": "10.0.16299", "Windows 10 1803": "10.0.17134", "Windows 10 1809": "10.0.17763", "Windows 10 1903": "10.0.18362",
	"Windows 10 1909": "10.0.18363", "Windows 10 2004": "10.0.19041", "Windows 10 20H2": "10.0.19042", "Windows 10 21H1": "10.0.19043",
	"Windows 10 21H2": "10.0.19044", "Windows 10 22H2": "10.0.19045",
	"Windows 11 21H2": "10.0.22000", "Windows 11 22H2": "10.0.22621", "Windows 11 23H2": "10.0.22631", "Windows 11 24H2": "10.0.26100",
	"Windows Server 2016": "10.0.14393", "Windows Server 2019": "10.0.17763", "Windows Server 2022": "10.0.20348",
	"Windows Server 2025": "10.0.26100", "Windows Server 2004": "10.0.19041", "Windows Server 20H2": "10.0.19042", "Windows Server 23H2": "10.0.25398",
}

// parseWindowsProduct reads a Windows product name; ok is false for anything else.
func parseWindowsProduct(name string) (windowsProduct, bool) {
	name = strings.Join(strings.Fields(name), " ")
	p := windowsProduct{Arch: productArch(name)}
	if m := serverVerRe.FindStringSubmatch(name); m != nil {
		p.Name, p.ProductType = "Windows Server", "server"
		p.Base = windowsBuilds["Windows Server "+strings.ToUpper(m[1])]
		return p, true
	}
	m := windowsRe.FindStringSubmatch(name)
	if m == nil {
		return p, false
	}
	release := m[1]
	switch {
	case strings.HasPrefix(strings.ToLower(release), "server"):
		p.Name, p.ProductType = "Windows S"+release[1:], "server"
		if strings.Contains(name, "23H2 Edition") {
			p.Base = windowsBuilds["Windows Server 23H2"]
		} else {
			p.Base = windowsBuilds[p.Name]
		}
	default:
		p.Name, p.ProductType = "Windows "+release, "workstation"
		key := p.Name
		if v := versionRe.FindStringSubmatch(name); v != nil {
			key += " " + strings.ToUpper(v[1])
		}
		p.Base = windowsBuilds[key]
	}
	if p.Name == "Windows RT 8.1" {
		p.Arch = "arm"
	}
	return p, true
}

func productArch(name string) string {
	m := archRe.FindString(strings.ToLower(name))
	switch {
	case m == "":
		return ""
	case strings.Contains(m, "x64") || strings.HasPrefix(m, "64"):
		return "x64"
	case strings.Contains(m, "32"):
		return "x86"
	case strings.Contains(m, "arm64"):
		return "arm64"
	case strings.Contains(m, "itanium"):
		return "ia64"
	case strings.Contains(m, "arm"):
		return "arm"
	}
	return ""
}

// osRule tests that the computer runs this Windows product (and, when the release is known,
// that its version lies in that release's build).
func (p windowsProduct) osRule() rules.Rule {
	r := rules.Rule{Op: rules.OS, Family: "windows", Name: p.Name, ProductType: p.ProductType}
	if p.Base != "" {
		r.Min, r.Below = p.Base, nextBuild(p.Base)
	}
	if p.Arch == "" {
		return r
	}
	return rules.AllOf(r, rules.ArchIn(p.Arch))
}

// nextBuild turns "10.0.17763" into "10.0.17764", the exclusive end of a release's range.
func nextBuild(base string) string {
	parts := strings.Split(base, ".")
	n, err := strconv.Atoi(parts[len(parts)-1])
	if err != nil {
		return ""
	}
	parts[len(parts)-1] = strconv.Itoa(n + 1)
	return strings.Join(parts, ".")
}

// fixedBase is the first three parts of a FixedBuild ("10.0.17763.5329" → "10.0.17763").
func fixedBase(fixed string) string {
	parts := strings.Split(fixed, ".")
	if len(parts) < 4 {
		return ""
	}
	return strings.Join(parts[:3], ".")
}

// fixedFor puts a FixedBuild's revision on the product's own build. MSRC gives releases that
// share servicing one FixedBuild (Windows 10 1909 reads "10.0.18362.1621", though 1909
// computers report build 18363), so without this such computers would look patched.
func (p windowsProduct) fixedFor(fixed string) (base, build string) {
	fb := fixedBase(fixed)
	if fb == "" || p.Base == "" || p.Base == fb || !strings.HasPrefix(p.Base, "10.0.") || !strings.HasPrefix(fb, "10.0.") {
		return fb, fixed
	}
	return p.Base, p.Base + fixed[len(fb):]
}

var archPhraseRe = regexp.MustCompile(`(?i)\s*(for )?((x64|32-bit|arm64|itanium|arm)([- ]based)? (systems|editions)|x64 edition|(32|64)-bit editions)`)

// shortProduct drops the architecture and installation notes for titles.
func shortProduct(name string) string {
	s := archPhraseRe.ReplaceAllString(name, "")
	for _, cut := range []string{" (Server Core installation)", " (Server Core Installation)"} {
		s = strings.ReplaceAll(s, cut, "")
	}
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), " for"))
	return strings.TrimSuffix(s, ",")
}

// componentOn splits "Microsoft .NET Framework 4.8 on Windows Server 2012" into the component
// and the Windows product it sits on.
func componentOn(name string) (component, on string, ok bool) {
	i := strings.LastIndex(name, " on Windows")
	if i < 0 {
		return "", "", false
	}
	return name[:i], name[i+4:], true
}
