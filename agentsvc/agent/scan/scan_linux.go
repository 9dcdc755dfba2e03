package scan

import (
	"context"
	"os"

	"patchdesk/model/inventory"
)

func scanOS(ctx context.Context, inv *inventory.Inventory) error {
	inv.OS.Family = "linux"
	if f, err := os.Open("/etc/os-release"); err == nil {
		kv := parseOSRelease(f)
		f.Close()
		inv.OS.Name = kv["PRETTY_NAME"]
		if inv.OS.Name == "" {
			inv.OS.Name = kv["NAME"]
		}
		inv.OS.Version = kv["VERSION_ID"]
		inv.OS.Edition = kv["ID"]
	}
	if inv.OS.Name == "" {
		inv.OS.Name = "Linux"
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		inv.LastBoot = bootTime(b)
	}
	if _, err := os.Stat("/var/run/reboot-required"); err == nil {
		inv.RebootNeeded = true
	}
	if f, err := os.Open("/etc/resolv.conf"); err == nil {
		inv.Domain = resolvDomain(f)
		f.Close()
	}
	if l := linuxLanguage(); l != "" {
		inv.Languages = []string{l}
	}
	inv.Software = linuxPackages(ctx)
	return nil
}
