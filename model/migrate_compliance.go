package model

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"gorm.io/gorm"
)

func init() {
	register(migration{6, "compliance results and summaries, computer targets", m006ComplianceTargets})
}

// m006ComplianceTargets creates the compliance store and the targets.
//
// compliance holds one row per (computer, update) that is not "not applicable": at 20,000
// computers and a few hundred updates, storing the not-applicable majority would multiply the
// table (and the full recompute's writes) by twenty for rows nobody reads one by one. A computer
// that has a compliance_computers row was evaluated, so an update without a row is not
// applicable to it. States are ranked so that MAX over a bulletin's updates is the bulletin's
// state on that computer: 1 installed, 2 unknown, 3 not installed.
//
// The triggers keep two things true whichever code writes the tables: compliance_state's
// catalog_rev moves whenever an update's rules, bulletin or supersedence change (so evaluated
// results know they are stale and the evaluator's rule cache knows to reload), and deleting a
// computer takes its share out of the per-bulletin counts before its rows cascade away.
func m006ComplianceTargets(tx *gorm.DB) error {
	epoch := make([]byte, 8)
	if _, err := rand.Read(epoch); err != nil {
		return fmt.Errorf("compliance epoch: %w", err)
	}
	now := time.Now().UTC()
	stmts := []struct {
		what string
		sql  string
		args []any
	}{
		{"compliance", `CREATE TABLE compliance (
			computer_id INTEGER NOT NULL REFERENCES computers(id) ON DELETE CASCADE,
			update_id   TEXT    NOT NULL,
			bulletin_id TEXT    NOT NULL,
			state       INTEGER NOT NULL,
			superseded  NUMERIC NOT NULL DEFAULT false,
			PRIMARY KEY (computer_id, update_id)
		) WITHOUT ROWID`, nil},
		{"compliance index", `CREATE INDEX idx_compliance_bulletin ON compliance (bulletin_id, computer_id, state)`, nil},
		{"compliance_computers", `CREATE TABLE compliance_computers (
			computer_id        INTEGER PRIMARY KEY REFERENCES computers(id) ON DELETE CASCADE,
			inventory_digest   TEXT     NOT NULL DEFAULT '',
			catalog_rev        INTEGER  NOT NULL DEFAULT 0,
			evaluated_at       DATETIME NOT NULL,
			installed          INTEGER  NOT NULL DEFAULT 0,
			missing            INTEGER  NOT NULL DEFAULT 0,
			unknown            INTEGER  NOT NULL DEFAULT 0,
			missing_superseded INTEGER  NOT NULL DEFAULT 0
		)`, nil},
		{"compliance_bulletins", `CREATE TABLE compliance_bulletins (
			bulletin_id   TEXT PRIMARY KEY,
			installed     INTEGER NOT NULL DEFAULT 0,
			not_installed INTEGER NOT NULL DEFAULT 0,
			unknown       INTEGER NOT NULL DEFAULT 0
		) WITHOUT ROWID`, nil},
		{"compliance_state", `CREATE TABLE compliance_state (
			id          INTEGER PRIMARY KEY CHECK (id = 1),
			epoch       TEXT    NOT NULL,
			catalog_rev INTEGER NOT NULL DEFAULT 1
		)`, nil},
		{"compliance_state row", `INSERT INTO compliance_state (id, epoch, catalog_rev) VALUES (1, ?, 1)`, []any{hex.EncodeToString(epoch)}},
		{"trigger on new updates", `CREATE TRIGGER compliance_update_added AFTER INSERT ON updates
			BEGIN UPDATE compliance_state SET catalog_rev = catalog_rev + 1; END`, nil},
		{"trigger on removed updates", `CREATE TRIGGER compliance_update_removed AFTER DELETE ON updates
			BEGIN UPDATE compliance_state SET catalog_rev = catalog_rev + 1; END`, nil},
		{"trigger on changed updates", `CREATE TRIGGER compliance_update_changed AFTER UPDATE ON updates
			WHEN OLD.applicable_rule IS NOT NEW.applicable_rule OR OLD.installed_rule IS NOT NEW.installed_rule
			  OR OLD.superseded_by IS NOT NEW.superseded_by OR OLD.bulletin_id IS NOT NEW.bulletin_id
			BEGIN UPDATE compliance_state SET catalog_rev = catalog_rev + 1; END`, nil},
		{"trigger on removed computers", `CREATE TRIGGER compliance_computer_removed BEFORE DELETE ON computers
			BEGIN
			UPDATE compliance_bulletins SET
				installed     = installed     - ((SELECT MAX(c.state) FROM compliance c WHERE c.computer_id = OLD.id AND c.bulletin_id = compliance_bulletins.bulletin_id) = 1),
				unknown       = unknown       - ((SELECT MAX(c.state) FROM compliance c WHERE c.computer_id = OLD.id AND c.bulletin_id = compliance_bulletins.bulletin_id) = 2),
				not_installed = not_installed - ((SELECT MAX(c.state) FROM compliance c WHERE c.computer_id = OLD.id AND c.bulletin_id = compliance_bulletins.bulletin_id) = 3)
			WHERE bulletin_id IN (SELECT bulletin_id FROM compliance WHERE computer_id = OLD.id);
			END`, nil},
		{"targets", `CREATE TABLE targets (
			id           INTEGER PRIMARY KEY AUTOINCREMENT,
			name         TEXT     NOT NULL COLLATE NOCASE UNIQUE,
			description  TEXT     NOT NULL DEFAULT '',
			builtin      NUMERIC  NOT NULL DEFAULT false,
			query        TEXT     NOT NULL DEFAULT '{}',
			member_count INTEGER  NOT NULL DEFAULT 0,
			evaluated_at DATETIME,
			created_at   DATETIME NOT NULL,
			updated_at   DATETIME NOT NULL
		)`, nil},
		{"target_members", `CREATE TABLE target_members (
			target_id   INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,
			computer_id INTEGER NOT NULL REFERENCES computers(id) ON DELETE CASCADE,
			PRIMARY KEY (target_id, computer_id)
		) WITHOUT ROWID`, nil},
		{"target_members index", `CREATE INDEX idx_target_members_computer ON target_members (computer_id)`, nil},
		{"built-in targets", `INSERT INTO targets (name, description, builtin, query, created_at, updated_at) VALUES
			('Windows computers with the agent', 'Every Windows computer whose agent is enrolled and not revoked (the default target).', true, '{"os_family":"windows","agent":true}', ?, ?),
			('All computers with the agent', 'Every computer whose agent is enrolled and not revoked.', true, '{"agent":true}', ?, ?)`,
			[]any{now, now, now, now}},
	}
	for _, st := range stmts {
		if err := tx.Exec(st.sql, st.args...).Error; err != nil {
			return fmt.Errorf("create %s: %w", st.what, err)
		}
	}
	return nil
}
