package model

import (
	"fmt"

	"gorm.io/gorm"
)

func init() {
	register(migration{7, "delivery events of the agent install cycle", m007Delivery})
}

// m007Delivery creates delivery_events: every status change an agent reports for an update,
// one row per change, keyed for the two reads that matter: a computer's history of one update
// (computer, update, attempt) and the delivery summary's window (by update and time). The
// update id has no foreign key: a catalog import may drop the update, its history stays.
func m007Delivery(tx *gorm.DB) error {
	stmts := []struct{ what, sql string }{
		{"delivery_events", `CREATE TABLE delivery_events (
			id          INTEGER  PRIMARY KEY AUTOINCREMENT,
			computer_id INTEGER  NOT NULL REFERENCES computers(id) ON DELETE CASCADE,
			update_id   TEXT     NOT NULL,
			bulletin_id TEXT     NOT NULL DEFAULT '',
			policy_id   INTEGER  NOT NULL DEFAULT 0,
			attempt     INTEGER  NOT NULL DEFAULT 0,
			status      TEXT     NOT NULL,
			exit_code   INTEGER,
			message     TEXT     NOT NULL DEFAULT '',
			log_tail    TEXT     NOT NULL DEFAULT '',
			at          DATETIME NOT NULL,
			received_at DATETIME NOT NULL
		)`},
		{"delivery_events computer index", `CREATE INDEX idx_delivery_events_computer ON delivery_events (computer_id, update_id, attempt, at)`},
		{"delivery_events update index", `CREATE INDEX idx_delivery_events_update ON delivery_events (update_id, at)`},
	}
	for _, st := range stmts {
		if err := tx.Exec(st.sql).Error; err != nil {
			return fmt.Errorf("create %s: %w", st.what, err)
		}
	}
	return nil
}
