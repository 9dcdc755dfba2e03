package model

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

func init() {
	register(migration{5, "package store and software update policies", m005PackagesPolicies})
}

// m005PackagesPolicies creates the package store's index and the software update policies.
// Packages and policy members refer to updates and bulletins by id without foreign keys: a
// catalog import may remove an update, and the package (to be purged) and the policy (to be
// revised) must outlive it.
func m005PackagesPolicies(tx *gorm.DB) error {
	type pkg struct {
		UpdateID     string    `gorm:"primaryKey"`
		BulletinID   string    `gorm:"not null;index:idx_packages_bulletin_state,priority:1"`
		State        string    `gorm:"not null;index:idx_packages_bulletin_state,priority:2;index:idx_packages_state"`
		Root         string    `gorm:"not null;default:''"`
		RelPath      string    `gorm:"not null;default:''"`
		FileName     string    `gorm:"not null;default:''"`
		SHA256       string    `gorm:"column:sha256;not null;default:'';index:idx_packages_sha256"`
		Size         int64     `gorm:"not null;default:0"`
		Source       string    `gorm:"not null;default:''"`
		Error        string    `gorm:"not null;default:''"`
		Attempts     int       `gorm:"not null;default:0"`
		Force        bool      `gorm:"not null;default:false"`
		RequestedAt  time.Time `gorm:"not null"`
		RequestedBy  string    `gorm:"not null;default:''"`
		DownloadedAt *time.Time
		VerifiedAt   *time.Time
		LastUsedAt   *time.Time
	}
	type policy struct {
		ID                         uint   `gorm:"primaryKey"`
		Name                       string `gorm:"not null;uniqueIndex:idx_policies_name"`
		Description                string `gorm:"not null;default:''"`
		Enabled                    bool   `gorm:"not null;default:false"`
		Run                        string `gorm:"not null;default:'agent_default'"`
		Schedule                   string `gorm:"not null;default:''"`
		AllowImmediateRestart      bool   `gorm:"not null;default:false"`
		WakeOnLAN                  bool   `gorm:"column:wake_on_lan;not null;default:false"`
		OverrideMaintenanceWindows bool   `gorm:"not null;default:false"`
		Revision                   int    `gorm:"not null;default:1"`
		CreatedAt                  time.Time
		UpdatedAt                  time.Time
	}
	type policyBulletin struct {
		PolicyID   uint    `gorm:"primaryKey"`
		Policy     *policy `gorm:"constraint:OnDelete:CASCADE"`
		BulletinID string  `gorm:"primaryKey;index:idx_policy_bulletins_bulletin"`
	}
	type policyUpdate struct {
		PolicyID   uint    `gorm:"primaryKey"`
		Policy     *policy `gorm:"constraint:OnDelete:CASCADE"`
		UpdateID   string  `gorm:"primaryKey;index:idx_policy_updates_update"`
		BulletinID string  `gorm:"not null"`
		Enabled    bool    `gorm:"not null;default:true"`
	}
	type policyTarget struct {
		PolicyID uint    `gorm:"primaryKey"`
		Policy   *policy `gorm:"constraint:OnDelete:CASCADE"`
		Target   string  `gorm:"primaryKey"`
	}
	for _, t := range []struct {
		name  string
		model any
	}{
		{"packages", &pkg{}}, {"policies", &policy{}}, {"policy_bulletins", &policyBulletin{}},
		{"policy_updates", &policyUpdate{}}, {"policy_targets", &policyTarget{}},
	} {
		if err := tx.Table(t.name).Migrator().CreateTable(t.model); err != nil {
			return fmt.Errorf("create %s: %w", t.name, err)
		}
	}
	return nil
}
