package model

import (
	"fmt"

	"gorm.io/gorm"
)

func init() {
	register(migration{9, "maintenance windows, denied updates and deployment delays per target", m009Maintenance})
}

// m009Maintenance creates the tables that limit when and whether policies install:
// maintenance windows and the targets they apply to, updates denied everywhere, and the
// deployment delay (rings) of a target. Targets are named, not keyed, like policy_targets: a
// target that is removed simply stops matching.
func m009Maintenance(tx *gorm.DB) error {
	stmts := []struct{ what, sql string }{
		{"maintenance_windows", `CREATE TABLE maintenance_windows (
			id          INTEGER  PRIMARY KEY AUTOINCREMENT,
			name        TEXT     NOT NULL COLLATE NOCASE UNIQUE,
			spec        TEXT     NOT NULL,
			description TEXT     NOT NULL DEFAULT '',
			enabled     NUMERIC  NOT NULL DEFAULT true,
			created_at  DATETIME NOT NULL,
			updated_at  DATETIME NOT NULL
		)`},
		{"maintenance_window_targets", `CREATE TABLE maintenance_window_targets (
			window_id INTEGER NOT NULL REFERENCES maintenance_windows(id) ON DELETE CASCADE,
			target    TEXT    NOT NULL COLLATE NOCASE,
			PRIMARY KEY (window_id, target)
		) WITHOUT ROWID`},
		{"denied_updates", `CREATE TABLE denied_updates (
			update_id TEXT     PRIMARY KEY,
			reason    TEXT     NOT NULL DEFAULT '',
			denied_by TEXT     NOT NULL DEFAULT '',
			denied_at DATETIME NOT NULL
		) WITHOUT ROWID`},
		{"target_delays", `CREATE TABLE target_delays (
			target     TEXT     PRIMARY KEY COLLATE NOCASE,
			days       INTEGER  NOT NULL,
			updated_at DATETIME NOT NULL
		) WITHOUT ROWID`},
	}
	for _, st := range stmts {
		if err := tx.Exec(st.sql).Error; err != nil {
			return fmt.Errorf("create %s: %w", st.what, err)
		}
	}
	return nil
}
