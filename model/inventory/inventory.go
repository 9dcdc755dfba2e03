// Package inventory is the system assessment scan's result: what an agent reports about its
// computer, and what the rules package evaluates applicability and installation against. The
// agent builds it from the live machine; the host stores what agents send. It is pure data
// with no dependencies, so the agent binary can use it.
package inventory

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Inventory is one computer's scan.
type Inventory struct {
	Hostname     string     `json:"hostname"`
	Domain       string     `json:"domain,omitempty"`
	IPs          []string   `json:"ips,omitempty"`
	MACs         []string   `json:"macs,omitempty"`
	OS           OS         `json:"os"`
	Languages    []string   `json:"languages,omitempty"` // BCP 47, system UI language first
	LastBoot     time.Time  `json:"last_boot,omitzero"`
	RebootNeeded bool       `json:"reboot_pending"`
	Software     []Software `json:"software,omitempty"`
	KBs          []string   `json:"kbs,omitempty"` // installed Microsoft updates, "KB5034441"
	Files        []File     `json:"files,omitempty"`
	Registry     []RegValue `json:"registry,omitempty"`
	AgentVersion string     `json:"agent_version,omitempty"`
	ScannedAt    time.Time  `json:"scanned_at,omitzero"`
}

// OS describes the operating system.
type OS struct {
	Family         string `json:"family"` // windows, linux, macos
	Name           string `json:"name"`   // "Windows 10 Pro", "Debian GNU/Linux 12"
	Version        string `json:"version"`
	DisplayVersion string `json:"display_version,omitempty"` // "22H2"
	Build          int    `json:"build,omitempty"`           // Windows CurrentBuild, 19045
	UBR            int    `json:"ubr,omitempty"`             // Windows update build revision, 3803
	Edition        string `json:"edition,omitempty"`         // Professional, ServerStandard
	Arch           string `json:"arch"`                      // x64, x86, arm64
	ProductType    string `json:"product_type,omitempty"`    // workstation, server, domain_controller
}

// FullBuild is the Windows build with its revision, "19045.3803".
func (o OS) FullBuild() string {
	if o.Build == 0 {
		return ""
	}
	if o.UBR == 0 {
		return itoa(o.Build)
	}
	return itoa(o.Build) + "." + itoa(o.UBR)
}

// Software is one installed product (an Uninstall registry entry, a dpkg/rpm package, an app).
type Software struct {
	Name        string `json:"name"`
	Publisher   string `json:"publisher,omitempty"`
	Version     string `json:"version,omitempty"`
	ProductCode string `json:"product_code,omitempty"` // MSI product code, "{...}"
	InstallDate string `json:"install_date,omitempty"` // YYYY-MM-DD where known
	Arch        string `json:"arch,omitempty"`
	Scope       string `json:"scope,omitempty"` // machine or user
}

// File is a file version the scan was asked to report.
type File struct {
	Path    string `json:"path"`
	Version string `json:"version"`
}

// RegValue is a registry value the scan was asked to report.
type RegValue struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Normalize sorts and de-duplicates lists so equal machines give equal digests.
func (inv *Inventory) Normalize() {
	for i := range inv.KBs {
		inv.KBs[i] = NormalizeKB(inv.KBs[i])
	}
	slices.Sort(inv.KBs)
	inv.KBs = slices.Compact(inv.KBs)
	slices.Sort(inv.IPs)
	inv.IPs = slices.Compact(inv.IPs)
	slices.Sort(inv.MACs)
	inv.MACs = slices.Compact(inv.MACs)
	slices.SortFunc(inv.Software, func(a, b Software) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		if c := strings.Compare(a.Version, b.Version); c != 0 {
			return c
		}
		return strings.Compare(a.ProductCode, b.ProductCode)
	})
	inv.Software = slices.Compact(inv.Software)
	slices.SortFunc(inv.Files, func(a, b File) int { return strings.Compare(strings.ToLower(a.Path), strings.ToLower(b.Path)) })
	slices.SortFunc(inv.Registry, func(a, b RegValue) int {
		return strings.Compare(strings.ToLower(a.Key+"\\"+a.Name), strings.ToLower(b.Key+"\\"+b.Name))
	})
}

// Digest identifies the inventory's content, leaving out what changes on every scan (scan time,
// last boot), so an agent can send it "only if changed".
func (inv Inventory) Digest() string {
	c := inv
	c.ScannedAt = time.Time{}
	c.LastBoot = time.Time{}
	c.Normalize()
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// HasKB tells whether a Microsoft update is installed ("KB5034441" or "5034441").
func (inv Inventory) HasKB(kb string) bool {
	kb = NormalizeKB(kb)
	for _, k := range inv.KBs {
		if NormalizeKB(k) == kb {
			return true
		}
	}
	return false
}

// NormalizeKB writes a KB number as "KB" plus digits.
func NormalizeKB(kb string) string {
	kb = strings.ToUpper(strings.TrimSpace(kb))
	if !strings.HasPrefix(kb, "KB") {
		kb = "KB" + kb
	}
	return kb
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
