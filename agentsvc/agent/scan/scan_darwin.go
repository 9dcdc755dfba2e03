package scan

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"patchdesk/model/inventory"
)

// scanOS on macOS is best effort: sw_vers for the system, and the bundles in /Applications
// whose Info.plist is XML.
func scanOS(ctx context.Context, inv *inventory.Inventory) error {
	inv.OS.Family = "macos"
	if b, err := exec.CommandContext(ctx, "sw_vers").Output(); err == nil {
		kv := map[string]string{}
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if ok {
				kv[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
		inv.OS.Name = strings.TrimSpace(kv["ProductName"] + " " + kv["ProductVersion"])
		inv.OS.Version = kv["ProductVersion"]
		inv.OS.DisplayVersion = kv["BuildVersion"]
	}
	if inv.OS.Name == "" {
		inv.OS.Name = "macOS"
	}
	if l := posixLanguage(os.Getenv("LANG")); l != "" {
		inv.Languages = []string{l}
	}
	apps, _ := filepath.Glob("/Applications/*.app/Contents/Info.plist")
	for _, p := range apps {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		kv := parsePlist(f)
		f.Close()
		name := kv["CFBundleName"]
		if name == "" {
			name = strings.TrimSuffix(filepath.Base(filepath.Dir(filepath.Dir(p))), ".app")
		}
		inv.Software = append(inv.Software, inventory.Software{Name: name, Version: kv["CFBundleShortVersionString"],
			ProductCode: kv["CFBundleIdentifier"], Scope: "machine"})
	}
	return nil
}
