package scan

import (
	"regexp"
	"strings"

	"patchdesk/model/inventory"
)

// The Windows parsing is kept free of registry calls so that it is tested on every OS.

// uninstallEntry is the values of one Uninstall registry key that the scan reads.
type uninstallEntry struct {
	Key              string // the subkey's name: a product code for MSI installs
	DisplayName      string
	DisplayVersion   string
	Publisher        string
	InstallDate      string // YYYYMMDD
	SystemComponent  uint64
	ParentKeyName    string
	ReleaseType      string
	WindowsInstaller uint64
}

var productCodeRe = regexp.MustCompile(`^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$`)
var kbRe = regexp.MustCompile(`(?i)\bKB(\d{6,8})\b`)

// software turns an Uninstall entry into a product, or reports an update (kb) or nothing. Like
// Programs and Features, it skips system components and entries that belong to a parent product.
// scope is "machine" or "user" (a per-user install, which has no architecture view).
func (e uninstallEntry) software(arch, scope string) (sw inventory.Software, kb string, ok bool) {
	if e.ReleaseType == "Update" || e.ReleaseType == "Security Update" || e.ReleaseType == "Hotfix" || e.ParentKeyName != "" {
		if m := kbRe.FindStringSubmatch(e.Key + " " + e.DisplayName); m != nil {
			return sw, "KB" + m[1], false
		}
		return sw, "", false
	}
	if e.DisplayName == "" || e.SystemComponent == 1 {
		return sw, "", false
	}
	sw = inventory.Software{Name: strings.TrimSpace(e.DisplayName), Version: strings.TrimSpace(e.DisplayVersion),
		Publisher: strings.TrimSpace(e.Publisher), Arch: arch, Scope: scope}
	if productCodeRe.MatchString(e.Key) {
		sw.ProductCode = strings.ToUpper(e.Key)
	}
	if d := e.InstallDate; len(d) == 8 && strings.Trim(d, "0123456789") == "" {
		sw.InstallDate = d[:4] + "-" + d[4:6] + "-" + d[6:]
	}
	return sw, "", true
}

// isUserHive tells a loaded user profile under HKEY_USERS (a local or domain account's SID) from
// the service accounts, .DEFAULT and the _Classes views.
func isUserHive(name string) bool {
	return strings.HasPrefix(name, "S-1-5-21-") && !strings.HasSuffix(name, "_Classes")
}

// packageKB finds the KB in a Component Based Servicing package name such as
// "Package_for_KB5034441~31bf3856ad364e35~amd64~~19041.3920.1.1".
func packageKB(name string) string {
	if m := kbRe.FindStringSubmatch(strings.ReplaceAll(name, "_", " ")); m != nil {
		return "KB" + m[1]
	}
	return ""
}

// windowsName corrects ProductName, which still says "Windows 10" on Windows 11.
func windowsName(productName string, build int) string {
	if build >= 22000 && strings.HasPrefix(productName, "Windows 10") {
		return "Windows 11" + strings.TrimPrefix(productName, "Windows 10")
	}
	return productName
}

// productType maps ProductOptions\ProductType.
func productType(t string) string {
	switch strings.ToLower(t) {
	case "winnt":
		return "workstation"
	case "servernt":
		return "server"
	case "lanmannt":
		return "domain_controller"
	}
	return ""
}

// windowsArch maps PROCESSOR_ARCHITECTURE.
func windowsArch(a string) string {
	switch strings.ToUpper(a) {
	case "AMD64":
		return "x64"
	case "X86":
		return "x86"
	case "ARM64":
		return "arm64"
	}
	return strings.ToLower(a)
}
