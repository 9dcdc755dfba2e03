package model

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// computerResult is one computer's evaluation, ready to store.
type computerResult struct {
	id      uint
	digest  string // of the inventory evaluated
	rev     int64  // catalog revision evaluated against
	results []updateResult
}

// insertRowsPerStatement bounds a multi-row INSERT: 100 rows × 5 values stays far below
// SQLite's parameter limit and cuts the per-statement cost a hundredfold.
const insertRowsPerStatement = 100

// writeCompliance stores some computers' results in one transaction: their old rows go, the
// new ones and their per-computer counts are written. A computer deleted meanwhile, or whose
// stored inventory is no longer the one evaluated (a newer upload's evaluation follows), is
// skipped. With deltas the per-bulletin counts are adjusted by what changed; the full pass
// passes false and rebuilds them once at its end instead. It returns how many computers it wrote.
func (s *Store) writeCompliance(ctx context.Context, batch []computerResult, deltas bool, now time.Time) (int, error) {
	if len(batch) == 0 {
		return 0, nil
	}
	written := 0
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ids := make([]uint, len(batch))
		for i, r := range batch {
			ids[i] = r.id
		}
		current, err := storedDigests(tx, ids)
		if err != nil {
			return err
		}
		keep := batch[:0:0]
		ids = ids[:0]
		for _, r := range batch {
			if d, ok := current[r.id]; ok && d == r.digest {
				keep = append(keep, r)
				ids = append(ids, r.id)
			}
		}
		if len(keep) == 0 {
			return nil
		}
		var before map[bulletinOnComputer]ComplianceState
		if deltas {
			if before, err = bulletinStates(tx, ids); err != nil {
				return err
			}
		}
		if err := tx.Exec("DELETE FROM compliance WHERE computer_id IN ?", ids).Error; err != nil {
			return fmt.Errorf("clear old compliance: %w", err)
		}
		pool := tx.Statement.ConnPool
		if err := insertComplianceRows(ctx, pool, keep); err != nil {
			return err
		}
		if err := upsertComputerCounts(ctx, pool, keep, now); err != nil {
			return err
		}
		if deltas {
			if err := applyBulletinDeltas(ctx, pool, before, keep); err != nil {
				return err
			}
		}
		written = len(keep)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store compliance of %d computers: %w", len(batch), err)
	}
	return written, nil
}

func storedDigests(tx *gorm.DB, ids []uint) (map[uint]string, error) {
	rows, err := tx.Raw("SELECT id, inventory_digest FROM computers WHERE id IN ?", ids).Rows()
	if err != nil {
		return nil, fmt.Errorf("read inventory digests: %w", err)
	}
	defer rows.Close()
	out := make(map[uint]string, len(ids))
	for rows.Next() {
		var id uint
		var d string
		if err := rows.Scan(&id, &d); err != nil {
			return nil, fmt.Errorf("read inventory digests: %w", err)
		}
		out[id] = d
	}
	return out, rows.Err()
}

type bulletinOnComputer struct {
	computer uint
	bulletin string
}

// bulletinStates reads each bulletin's state on the computers: the highest of its updates'.
func bulletinStates(tx *gorm.DB, ids []uint) (map[bulletinOnComputer]ComplianceState, error) {
	rows, err := tx.Raw("SELECT computer_id, bulletin_id, MAX(state) FROM compliance WHERE computer_id IN ? GROUP BY computer_id, bulletin_id", ids).Rows()
	if err != nil {
		return nil, fmt.Errorf("read bulletin states: %w", err)
	}
	defer rows.Close()
	out := map[bulletinOnComputer]ComplianceState{}
	for rows.Next() {
		var k bulletinOnComputer
		var st ComplianceState
		if err := rows.Scan(&k.computer, &k.bulletin, &st); err != nil {
			return nil, fmt.Errorf("read bulletin states: %w", err)
		}
		out[k] = st
	}
	return out, rows.Err()
}

// insertComplianceRows writes the rows with prepared multi-row INSERTs: the full pass writes
// hundreds of thousands of rows, and GORM's per-row reflection would dominate its time.
func insertComplianceRows(ctx context.Context, pool gorm.ConnPool, rs []computerResult) error {
	type row struct {
		computer uint
		r        updateResult
	}
	var pending []row
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	flush := func() error {
		n := len(pending)
		if n == 0 {
			return nil
		}
		st, ok := stmts[n]
		if !ok {
			q := "INSERT INTO compliance (computer_id, update_id, bulletin_id, state, superseded) VALUES " +
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?), ", n), ", ")
			var err error
			if st, err = pool.PrepareContext(ctx, q); err != nil {
				return fmt.Errorf("write compliance: %w", err)
			}
			stmts[n] = st
		}
		args := make([]any, 0, 5*n)
		for _, p := range pending {
			args = append(args, p.computer, p.r.update.id, p.r.update.bulletin, int(p.r.state), p.r.superseded)
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("write compliance: %w", err)
		}
		pending = pending[:0]
		return nil
	}
	for _, c := range rs {
		for _, r := range c.results {
			pending = append(pending, row{c.id, r})
			if len(pending) == insertRowsPerStatement {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

// countResults sums one computer's results for the Computers screen.
func countResults(rs []updateResult) ComplianceCounts {
	c := ComplianceCounts{Evaluated: true}
	for _, r := range rs {
		switch r.state {
		case StateInstalled:
			c.Installed++
		case StateNotInstalled:
			c.Missing++
			if r.superseded {
				c.MissingSuperseded++
			}
		case StateUnknown:
			c.Unknown++
		}
	}
	c.Applicable = c.Installed + c.Missing
	return c
}

func upsertComputerCounts(ctx context.Context, pool gorm.ConnPool, rs []computerResult, now time.Time) error {
	st, err := pool.PrepareContext(ctx, `INSERT INTO compliance_computers
		(computer_id, inventory_digest, catalog_rev, evaluated_at, installed, missing, unknown, missing_superseded)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (computer_id) DO UPDATE SET inventory_digest = excluded.inventory_digest,
		catalog_rev = excluded.catalog_rev, evaluated_at = excluded.evaluated_at, installed = excluded.installed,
		missing = excluded.missing, unknown = excluded.unknown, missing_superseded = excluded.missing_superseded`)
	if err != nil {
		return fmt.Errorf("write compliance counts: %w", err)
	}
	defer st.Close()
	for _, r := range rs {
		c := countResults(r.results)
		if _, err := st.ExecContext(ctx, r.id, r.digest, r.rev, now, c.Installed, c.Missing, c.Unknown, c.MissingSuperseded); err != nil {
			return fmt.Errorf("write compliance counts of computer %d: %w", r.id, err)
		}
	}
	return nil
}

// applyBulletinDeltas moves each bulletin's computer counts by the change between the states
// before and after, so an upload costs work in proportion to what it changed.
func applyBulletinDeltas(ctx context.Context, pool gorm.ConnPool, before map[bulletinOnComputer]ComplianceState, rs []computerResult) error {
	after := map[bulletinOnComputer]ComplianceState{}
	for _, c := range rs {
		for _, r := range c.results {
			k := bulletinOnComputer{c.id, r.update.bulletin}
			after[k] = max(after[k], r.state)
		}
	}
	delta := map[string]*[4]int{} // indexed by ComplianceState
	bump := func(bulletin string, st ComplianceState, by int) {
		d := delta[bulletin]
		if d == nil {
			d = &[4]int{}
			delta[bulletin] = d
		}
		d[st] += by
	}
	for k, st := range before {
		if after[k] != st {
			bump(k.bulletin, st, -1)
		}
	}
	for k, st := range after {
		if before[k] != st {
			bump(k.bulletin, st, +1)
		}
	}
	if len(delta) == 0 {
		return nil
	}
	st, err := pool.PrepareContext(ctx, `INSERT INTO compliance_bulletins (bulletin_id, installed, unknown, not_installed)
		VALUES (?, ?, ?, ?) ON CONFLICT (bulletin_id) DO UPDATE SET installed = installed + excluded.installed,
		unknown = unknown + excluded.unknown, not_installed = not_installed + excluded.not_installed`)
	if err != nil {
		return fmt.Errorf("update bulletin counts: %w", err)
	}
	defer st.Close()
	for b, d := range delta {
		if _, err := st.ExecContext(ctx, b, d[StateInstalled], d[StateUnknown], d[StateNotInstalled]); err != nil {
			return fmt.Errorf("update counts of bulletin %s: %w", b, err)
		}
	}
	return nil
}

// rebuildBulletinCounts recounts every bulletin from the stored rows; the full pass ends with
// it, which also repairs any drift.
func (s *Store) rebuildBulletinCounts(ctx context.Context) error {
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("DELETE FROM compliance_bulletins").Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO compliance_bulletins (bulletin_id, installed, unknown, not_installed)
			SELECT bulletin_id, SUM(s = 1), SUM(s = 2), SUM(s = 3)
			FROM (SELECT bulletin_id, computer_id, MAX(state) AS s FROM compliance GROUP BY bulletin_id, computer_id)
			GROUP BY bulletin_id`).Error
	})
	if err != nil {
		return fmt.Errorf("recount bulletin compliance: %w", err)
	}
	return nil
}
