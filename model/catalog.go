package model

import (
	"strings"
	"time"
)

// The software update catalog: vendors → software → bulletins → updates, plus CVEs, languages,
// supersedence and the sources it was imported from. The import-catalog job writes it; the
// Remediation Center, the CLI and (later) compliance read it.

// Vendor publishes software ("Microsoft", "Google LLC").
type Vendor struct {
	ID   uint   `gorm:"primaryKey"`
	Name string `gorm:"not null"`
}

func (Vendor) TableName() string { return "vendors" }

// Software is a product of a vendor ("Windows", "Google Chrome").
type Software struct {
	ID       uint   `gorm:"primaryKey"`
	VendorID uint   `gorm:"not null"`
	Name     string `gorm:"not null"`
}

func (Software) TableName() string { return "software" }

// Language is a language some imported update is for (BCP 47).
type Language struct {
	Code string `gorm:"primaryKey"`
}

func (Language) TableName() string { return "languages" }

// CVE is a vulnerability a bulletin fixes.
type CVE struct {
	ID       string `gorm:"primaryKey" json:"id"`
	Title    string `gorm:"not null;default:''" json:"title"`
	Severity string `gorm:"not null;default:''" json:"severity"`
}

func (CVE) TableName() string { return "cves" }

// URL is the vulnerability's public page: cve.org for CVEs, MSRC for its advisories.
func (c CVE) URL() string {
	if strings.HasPrefix(c.ID, "CVE-") {
		return "https://www.cve.org/CVERecord?id=" + c.ID
	}
	return "https://msrc.microsoft.com/update-guide/vulnerability/" + c.ID
}

// Bulletin is a bundle of updates released together ("KB5034127", "Google.Chrome 138.0.7204.101").
// UpdateCount and CVEs are kept on the row so the Remediation Center lists 10,000 bulletins
// with one query and no aggregation.
type Bulletin struct {
	ID               string `gorm:"primaryKey"`
	VendorID         uint   `gorm:"not null"`
	SoftwareID       uint   `gorm:"not null"`
	Title            string `gorm:"not null"`
	Description      string `gorm:"not null;default:''"`
	Severity         string `gorm:"not null;default:''"` // the vendor's, one of VendorSeverities or ""
	SeverityRank     int    `gorm:"not null;default:0"`
	CustomSeverityID *uint
	Released         time.Time
	Revised          time.Time
	Disabled         bool   `gorm:"not null;default:false"`
	Superseded       bool   `gorm:"not null;default:false"`
	UpdateCount      int    `gorm:"not null;default:0"`
	CVEs             string `gorm:"column:cves;not null;default:''"` // space-separated, for listing and search
	Source           string `gorm:"not null;default:''"`             // catalog source unit that supplied it
	Digest           string `gorm:"not null;default:''"`             // content digest, to count changes on re-import
}

func (Bulletin) TableName() string { return "bulletins" }

// Update is one installable file of a bulletin for one product, language and architecture.
type Update struct {
	ID             string `gorm:"primaryKey"`
	BulletinID     string `gorm:"not null"`
	Name           string `gorm:"not null"`
	KB             string `gorm:"column:kb;not null;default:''"`
	Product        string `gorm:"not null;default:''"`
	Language       string `gorm:"not null;default:''"` // "" is language-neutral
	Architecture   string `gorm:"not null;default:''"`
	ApplicableRule string `gorm:"not null;default:''"` // JSON of a rules.Rule
	InstalledRule  string `gorm:"not null;default:''"` // JSON of a rules.Rule
	URL            string `gorm:"column:url;not null;default:''"`
	// ManualDownload marks a URL that is a catalog or support page, not the file (MSRC): the
	// file must come from the staging location or a PatchDesk catalog.
	ManualDownload bool   `gorm:"not null;default:false"`
	FileName       string `gorm:"not null;default:''"`
	Size           int64  `gorm:"not null;default:0"`
	SHA256         string `gorm:"column:sha256;not null;default:''"`
	CommandLine    string `gorm:"not null;default:''"`
	SuccessCodes   string `gorm:"not null;default:'[0]'"` // JSON array of exit codes
	RebootCodes    string `gorm:"not null;default:'[]'"`  // JSON array of exit codes meaning "restart needed"
	Restart        string `gorm:"not null;default:''"`    // RestartNever, RestartMaybe, RestartAlways
	SupersededBy   string `gorm:"not null;default:''"`
	Digest         string `gorm:"not null;default:''"`
}

func (Update) TableName() string { return "updates" }

// Restart behaviours of an update.
const (
	RestartNever  = "never"
	RestartMaybe  = "maybe"
	RestartAlways = "always"
)

// DefaultSuccessCodes and DefaultRebootCodes are the Windows installer conventions: 3010 and
// 1641 mean success with a restart needed.
var (
	DefaultSuccessCodes = []int{0, 3010, 1641}
	DefaultRebootCodes  = []int{3010, 1641}
)

// BulletinCVE links a bulletin to a CVE it fixes.
type BulletinCVE struct {
	BulletinID string `gorm:"primaryKey"`
	CVEID      string `gorm:"column:cve_id;primaryKey"`
}

func (BulletinCVE) TableName() string { return "bulletin_cves" }

// BulletinSupersedence says BulletinID replaces SupersedesID, which need not be in the catalog.
type BulletinSupersedence struct {
	BulletinID   string `gorm:"primaryKey"`
	SupersedesID string `gorm:"primaryKey"`
}

func (BulletinSupersedence) TableName() string { return "bulletin_supersedes" }

// UpdateSupersedence says UpdateID replaces SupersedesID, which need not be in the catalog.
type UpdateSupersedence struct {
	UpdateID     string `gorm:"primaryKey"`
	SupersedesID string `gorm:"primaryKey"`
}

func (UpdateSupersedence) TableName() string { return "update_supersedes" }

// CatalogSource is one unit of a catalog location as last imported (a native catalog file, a
// CVRF folder, a winget package), so an incremental import skips units whose digest and
// selection are unchanged.
type CatalogSource struct {
	Location   string    `gorm:"primaryKey" json:"location"`
	Unit       string    `gorm:"primaryKey" json:"unit"`
	Digest     string    `gorm:"not null" json:"digest"`
	Selection  string    `gorm:"not null;default:''" json:"-"`        // digest of the vendor/software/language selection used
	Offer      string    `gorm:"not null;default:'{}'" json:"-"`      // JSON CatalogOffer of everything the unit holds
	Bulletins  int       `gorm:"not null;default:0" json:"bulletins"` // bulletins imported from it
	ImportedAt time.Time `gorm:"not null" json:"imported_at"`
}

func (CatalogSource) TableName() string { return "catalog_sources" }

// SourceKey names a unit of a location in Bulletin.Source.
func SourceKey(location, unit string) string { return location + "|" + unit }

// SeverityRank orders vendor severities for sorting: Critical highest, none lowest.
func SeverityRank(severity string) int {
	switch strings.ToLower(strings.TrimSpace(severity)) {
	case "critical":
		return 4
	case "important", "high":
		return 3
	case "moderate", "medium":
		return 2
	case "low":
		return 1
	}
	return 0
}

// NormalizeSeverity maps a vendor's word to one of VendorSeverities ("" stays "").
func NormalizeSeverity(severity string) string {
	switch SeverityRank(severity) {
	case 4:
		return "Critical"
	case 3:
		return "Important"
	case 2:
		return "Moderate"
	case 1:
		return "Low"
	}
	if strings.TrimSpace(severity) == "" {
		return ""
	}
	return "Unspecified"
}
