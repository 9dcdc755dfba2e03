// Package scan is the System Assessment Scan: it inventories the machine it runs on (OS,
// network identity, installed software and updates, languages, boot and reboot state) into an
// inventory.Inventory. Each OS has its own file; this one holds what they share.
package scan

import (
	"context"
	"net"
	"os"
	"runtime"
	"strings"
	"time"

	"patchdesk/model/inventory"
)

// Scan inventories this computer. Parts that cannot be read are left empty rather than failing
// the scan: an inventory without the software list is still worth having.
func Scan(ctx context.Context, agentVersion string) (inventory.Inventory, error) {
	inv := inventory.Inventory{AgentVersion: agentVersion, ScannedAt: time.Now().UTC()}
	inv.Hostname, _ = os.Hostname()
	inv.IPs, inv.MACs = addresses()
	inv.OS.Arch = arch(runtime.GOARCH)
	if err := scanOS(ctx, &inv); err != nil {
		return inv, err
	}
	inv.Normalize()
	return inv, nil
}

// arch names a Go architecture as Windows does, which the catalog's rules use.
func arch(goarch string) string {
	switch goarch {
	case "amd64":
		return "x64"
	case "386":
		return "x86"
	}
	return goarch
}

// addresses lists the unicast IPs and MACs of the interfaces that are up, leaving out loopback
// and link-local addresses, which say nothing about where the computer is.
func addresses() (ips, macs []string) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, nil
	}
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		if len(ifc.HardwareAddr) == 6 {
			macs = append(macs, strings.ToUpper(ifc.HardwareAddr.String()))
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok || ipn.IP.IsLinkLocalUnicast() || ipn.IP.IsLoopback() {
				continue
			}
			ips = append(ips, ipn.IP.String())
		}
	}
	return ips, macs
}

// posixLanguage turns a POSIX locale ("de_DE.UTF-8") into a BCP 47 tag ("de-DE").
func posixLanguage(locale string) string {
	locale, _, _ = strings.Cut(locale, ".")
	locale, _, _ = strings.Cut(locale, "@")
	if locale == "" || locale == "C" || locale == "POSIX" {
		return ""
	}
	return strings.ReplaceAll(locale, "_", "-")
}
