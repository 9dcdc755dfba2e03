package model

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

func init() {
	register(migration{2, "software update catalog: vendors, software, bulletins, updates, CVEs, supersedence, sources", m002Catalog})
}

// The m002 types freeze the catalog tables as migration 2 created them; the entities in
// catalog.go may move on, this never does.
type (
	m002SeverityLevel struct{ ID uint }
	m002Vendor        struct {
		ID   uint   `gorm:"primaryKey"`
		Name string `gorm:"not null;uniqueIndex:idx_vendors_name"`
	}
	m002Software struct {
		ID       uint        `gorm:"primaryKey"`
		VendorID uint        `gorm:"not null;uniqueIndex:idx_software_vendor_name,priority:1"`
		Vendor   *m002Vendor `gorm:"constraint:OnDelete:CASCADE"`
		Name     string      `gorm:"not null;uniqueIndex:idx_software_vendor_name,priority:2"`
	}
	m002Language struct {
		Code string `gorm:"primaryKey"`
	}
	m002CVE struct {
		ID       string `gorm:"primaryKey"`
		Title    string `gorm:"not null;default:''"`
		Severity string `gorm:"not null;default:''"`
	}
	m002Bulletin struct {
		ID               string             `gorm:"primaryKey"`
		VendorID         uint               `gorm:"not null;index:idx_bulletins_vendor"`
		Vendor           *m002Vendor        `gorm:"constraint:OnDelete:RESTRICT"`
		SoftwareID       uint               `gorm:"not null;index:idx_bulletins_software"`
		Software         *m002Software      `gorm:"constraint:OnDelete:RESTRICT"`
		Title            string             `gorm:"not null"`
		Description      string             `gorm:"not null;default:''"`
		Severity         string             `gorm:"not null;default:''"`
		SeverityRank     int                `gorm:"not null;default:0;index:idx_bulletins_severity_rank"`
		CustomSeverityID *uint              `gorm:"index:idx_bulletins_custom_severity"`
		CustomSeverity   *m002SeverityLevel `gorm:"constraint:OnDelete:SET NULL"`
		Released         time.Time          `gorm:"index:idx_bulletins_released"`
		Revised          time.Time          `gorm:"index:idx_bulletins_revised"`
		Disabled         bool               `gorm:"not null;default:false"`
		Superseded       bool               `gorm:"not null;default:false;index:idx_bulletins_superseded"`
		UpdateCount      int                `gorm:"not null;default:0"`
		CVEs             string             `gorm:"column:cves;not null;default:''"`
		Source           string             `gorm:"not null;default:'';index:idx_bulletins_source"`
		Digest           string             `gorm:"not null;default:''"`
	}
	m002Update struct {
		ID             string        `gorm:"primaryKey"`
		BulletinID     string        `gorm:"not null;index:idx_updates_bulletin"`
		Bulletin       *m002Bulletin `gorm:"constraint:OnDelete:CASCADE"`
		Name           string        `gorm:"not null"`
		KB             string        `gorm:"column:kb;not null;default:'';index:idx_updates_kb"`
		Product        string        `gorm:"not null;default:''"`
		Language       string        `gorm:"not null;default:''"`
		Architecture   string        `gorm:"not null;default:''"`
		ApplicableRule string        `gorm:"not null;default:''"`
		InstalledRule  string        `gorm:"not null;default:''"`
		URL            string        `gorm:"column:url;not null;default:''"`
		ManualDownload bool          `gorm:"not null;default:false"`
		FileName       string        `gorm:"not null;default:''"`
		Size           int64         `gorm:"not null;default:0"`
		SHA256         string        `gorm:"column:sha256;not null;default:'';index:idx_updates_sha256"`
		CommandLine    string        `gorm:"not null;default:''"`
		SuccessCodes   string        `gorm:"not null;default:'[0]'"`
		RebootCodes    string        `gorm:"not null;default:'[]'"`
		Restart        string        `gorm:"not null;default:''"`
		SupersededBy   string        `gorm:"not null;default:''"`
		Digest         string        `gorm:"not null;default:''"`
	}
	m002BulletinCVE struct {
		BulletinID string        `gorm:"primaryKey"`
		Bulletin   *m002Bulletin `gorm:"constraint:OnDelete:CASCADE"`
		CVEID      string        `gorm:"column:cve_id;primaryKey;index:idx_bulletin_cves_cve"`
	}
	m002BulletinSupersedence struct {
		BulletinID   string        `gorm:"primaryKey"`
		Bulletin     *m002Bulletin `gorm:"constraint:OnDelete:CASCADE"`
		SupersedesID string        `gorm:"primaryKey;index:idx_bulletin_supersedes_target"`
	}
	m002UpdateSupersedence struct {
		UpdateID     string      `gorm:"primaryKey"`
		Update       *m002Update `gorm:"constraint:OnDelete:CASCADE"`
		SupersedesID string      `gorm:"primaryKey;index:idx_update_supersedes_target"`
	}
	m002CatalogSource struct {
		Location   string    `gorm:"primaryKey"`
		Unit       string    `gorm:"primaryKey"`
		Digest     string    `gorm:"not null"`
		Selection  string    `gorm:"not null;default:''"`
		Offer      string    `gorm:"not null;default:'{}'"`
		Bulletins  int       `gorm:"not null;default:0"`
		ImportedAt time.Time `gorm:"not null"`
	}
)

func (m002SeverityLevel) TableName() string        { return "severity_levels" }
func (m002Vendor) TableName() string               { return "vendors" }
func (m002Software) TableName() string             { return "software" }
func (m002Language) TableName() string             { return "languages" }
func (m002CVE) TableName() string                  { return "cves" }
func (m002Bulletin) TableName() string             { return "bulletins" }
func (m002Update) TableName() string               { return "updates" }
func (m002BulletinCVE) TableName() string          { return "bulletin_cves" }
func (m002BulletinSupersedence) TableName() string { return "bulletin_supersedes" }
func (m002UpdateSupersedence) TableName() string   { return "update_supersedes" }
func (m002CatalogSource) TableName() string        { return "catalog_sources" }

func m002Catalog(tx *gorm.DB) error {
	for _, m := range []any{
		&m002Vendor{}, &m002Software{}, &m002Language{}, &m002CVE{}, &m002Bulletin{}, &m002Update{},
		&m002BulletinCVE{}, &m002BulletinSupersedence{}, &m002UpdateSupersedence{}, &m002CatalogSource{},
	} {
		if err := tx.Migrator().CreateTable(m); err != nil {
			return fmt.Errorf("create %T: %w", m, err)
		}
	}
	return nil
}
