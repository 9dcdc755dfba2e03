package scan

import (
	"context"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"

	"patchdesk/model/inventory"
)

const (
	currentVersionKey = `SOFTWARE\Microsoft\Windows NT\CurrentVersion`
	uninstallKey      = `SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall`
	cbsPackagesKey    = `SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\Packages`
)

// scanOS reads everything from the registry and the Win32 API: no PowerShell, no WMI, so it
// works on locked-down machines and costs well under a second.
func scanOS(ctx context.Context, inv *inventory.Inventory) error {
	inv.OS.Family = "windows"
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, currentVersionKey, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if err != nil {
		return errors.New("read Windows version from the registry: " + err.Error())
	}
	name, _, _ := k.GetStringValue("ProductName")
	buildText, _, _ := k.GetStringValue("CurrentBuild")
	inv.OS.Build, _ = strconv.Atoi(buildText)
	if ubr, _, err := k.GetIntegerValue("UBR"); err == nil {
		inv.OS.UBR = int(ubr)
	}
	inv.OS.DisplayVersion, _, _ = k.GetStringValue("DisplayVersion")
	if inv.OS.DisplayVersion == "" {
		inv.OS.DisplayVersion, _, _ = k.GetStringValue("ReleaseId")
	}
	inv.OS.Edition, _, _ = k.GetStringValue("EditionID")
	major, _, errMajor := k.GetIntegerValue("CurrentMajorVersionNumber")
	minor, _, _ := k.GetIntegerValue("CurrentMinorVersionNumber")
	if errMajor == nil {
		inv.OS.Version = strconv.FormatUint(major, 10) + "." + strconv.FormatUint(minor, 10)
	} else {
		inv.OS.Version, _, _ = k.GetStringValue("CurrentVersion")
	}
	k.Close()
	inv.OS.Name = windowsName(name, inv.OS.Build)
	inv.OS.ProductType = productType(stringValue(`SYSTEM\CurrentControlSet\Control\ProductOptions`, "ProductType"))
	if a := stringValue(`SYSTEM\CurrentControlSet\Control\Session Manager\Environment`, "PROCESSOR_ARCHITECTURE"); a != "" {
		inv.OS.Arch = windowsArch(a)
	}
	inv.Domain = stringValue(`SYSTEM\CurrentControlSet\Services\Tcpip\Parameters`, "Domain")
	if h := stringValue(`SYSTEM\CurrentControlSet\Services\Tcpip\Parameters`, "Hostname"); h != "" {
		inv.Hostname = h
	} else if h, err := os.Hostname(); err == nil {
		inv.Hostname = h
	}
	if langs, err := windows.GetSystemPreferredUILanguages(windows.MUI_LANGUAGE_NAME); err == nil {
		inv.Languages = langs
	}
	inv.LastBoot = time.Now().Add(-time.Duration(windows.DurationSinceBoot())).UTC().Truncate(time.Second)
	inv.RebootNeeded = keyExists(`SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired`) ||
		keyExists(`SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending`)

	kbs := map[string]bool{}
	views := []struct {
		access uint32
		arch   string
	}{{registry.WOW64_64KEY, inv.OS.Arch}, {registry.WOW64_32KEY, "x86"}}
	for _, v := range views {
		if inv.OS.Arch == "x86" && v.access == registry.WOW64_32KEY {
			continue // a 32-bit Windows has one view only
		}
		for _, e := range uninstallEntries(registry.LOCAL_MACHINE, uninstallKey, v.access) {
			sw, kb, ok := e.software(v.arch, "machine")
			if ok {
				inv.Software = append(inv.Software, sw)
			}
			if kb != "" {
				kbs[kb] = true
			}
		}
	}
	for _, e := range userUninstallEntries() {
		if sw, _, ok := e.software("", "user"); ok && !slices.Contains(inv.Software, sw) {
			inv.Software = append(inv.Software, sw)
		}
	}
	for _, kb := range servicingKBs() {
		kbs[kb] = true
	}
	for kb := range kbs {
		inv.KBs = append(inv.KBs, kb)
	}
	return ctx.Err()
}

func stringValue(path, name string) string {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, path, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if err != nil {
		return ""
	}
	defer k.Close()
	s, _, _ := k.GetStringValue(name)
	return s
}

func keyExists(path string) bool {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, path, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if err != nil {
		return false
	}
	k.Close()
	return true
}

// subKeys lists the names of a key's subkeys; none when the key cannot be read.
func subKeys(base registry.Key, path string, view uint32) []string {
	k, err := registry.OpenKey(base, path, registry.ENUMERATE_SUB_KEYS|view)
	if err != nil {
		return nil
	}
	defer k.Close()
	names, _ := k.ReadSubKeyNames(-1)
	return names
}

// userUninstallEntries reads the per-user Uninstall keys (HKCU of each user) of the profiles
// loaded now: users who are logged on, or whose profile a service has open. Per-user installs of
// users who are not logged on stay unseen until they are.
func userUninstallEntries() []uninstallEntry {
	var out []uninstallEntry
	for _, sid := range subKeys(registry.USERS, "", 0) {
		if isUserHive(sid) {
			out = append(out, uninstallEntries(registry.USERS, sid+`\`+uninstallKey, 0)...)
		}
	}
	return out
}

// uninstallEntries reads an Uninstall key in one registry view (64- or 32-bit, or 0 where the
// key has no views).
func uninstallEntries(base registry.Key, path string, view uint32) []uninstallEntry {
	names := subKeys(base, path, view)
	out := make([]uninstallEntry, 0, len(names))
	for _, n := range names {
		k, err := registry.OpenKey(base, path+`\`+n, registry.QUERY_VALUE|view)
		if err != nil {
			continue
		}
		e := uninstallEntry{Key: n}
		e.DisplayName, _, _ = k.GetStringValue("DisplayName")
		e.DisplayVersion, _, _ = k.GetStringValue("DisplayVersion")
		e.Publisher, _, _ = k.GetStringValue("Publisher")
		e.InstallDate, _, _ = k.GetStringValue("InstallDate")
		e.ParentKeyName, _, _ = k.GetStringValue("ParentKeyName")
		e.ReleaseType, _, _ = k.GetStringValue("ReleaseType")
		e.SystemComponent, _, _ = k.GetIntegerValue("SystemComponent")
		e.WindowsInstaller, _, _ = k.GetIntegerValue("WindowsInstaller")
		k.Close()
		out = append(out, e)
	}
	return out
}

// servicingKBs lists the KBs of installed Component Based Servicing packages (CurrentState
// 0x70 is "installed"), which is where Windows 10 and later record their updates.
func servicingKBs() []string {
	var out []string
	for _, n := range subKeys(registry.LOCAL_MACHINE, cbsPackagesKey, registry.WOW64_64KEY) {
		kb := packageKB(n)
		if kb == "" || !strings.HasPrefix(strings.ToLower(n), "package_") {
			continue
		}
		k, err := registry.OpenKey(registry.LOCAL_MACHINE, cbsPackagesKey+`\`+n, registry.QUERY_VALUE|registry.WOW64_64KEY)
		if err != nil {
			continue
		}
		state, _, err := k.GetIntegerValue("CurrentState")
		k.Close()
		if err == nil && state == 0x70 {
			out = append(out, kb)
		}
	}
	return out
}
