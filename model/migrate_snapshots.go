package model

import (
	"fmt"

	"gorm.io/gorm"
)

func init() {
	register(migration{8, "daily compliance snapshots for the dashboard's compliance-over-time line", m008Snapshots})
}

// m008Snapshots creates compliance_snapshots: one row per UTC day with the fleet's compliance
// figures as they stood when the day's last snapshot was taken. Compliance rows themselves keep
// only the present, so history has to be written down as it happens.
func m008Snapshots(tx *gorm.DB) error {
	if err := tx.Exec(`CREATE TABLE compliance_snapshots (
		day                 TEXT     PRIMARY KEY,
		taken_at            DATETIME NOT NULL,
		computers           INTEGER  NOT NULL DEFAULT 0,
		compliant_computers INTEGER  NOT NULL DEFAULT 0,
		installed           INTEGER  NOT NULL DEFAULT 0,
		not_installed       INTEGER  NOT NULL DEFAULT 0,
		unknown             INTEGER  NOT NULL DEFAULT 0,
		missing_updates     INTEGER  NOT NULL DEFAULT 0
	) WITHOUT ROWID`).Error; err != nil {
		return fmt.Errorf("create compliance_snapshots: %w", err)
	}
	return nil
}
