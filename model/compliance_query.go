package model

import (
	"context"
	"fmt"
	"strings"
)

// ComplianceFilter selects rows of `patchdesk compliance` and of a computer's Updates tab.
type ComplianceFilter struct {
	Bulletin   string // exact bulletin id
	ComputerID uint   // 0: every computer
	// States keeps only these states; empty keeps all.
	States []ComplianceState
	// NotApplicable also lists the updates that do not apply to evaluated computers. Without
	// a computer or a bulletin that is every computer times every update: use with care.
	NotApplicable bool
	Limit         int // 0: no limit
}

// ComplianceRow is one update's state on one computer.
type ComplianceRow struct {
	ComputerID uint            `json:"computer_id"`
	Computer   string          `json:"computer"`
	Bulletin   string          `json:"bulletin"`
	Update     string          `json:"update"`
	UpdateName string          `json:"update_name"`
	KB         string          `json:"kb"`
	State      ComplianceState `json:"state"`
	Superseded bool            `json:"superseded"`
}

// Compliance lists stored compliance rows by computer name, bulletin and update. The states are
// as of each computer's last evaluation (see RecomputeCompliance).
func (s *Store) Compliance(ctx context.Context, f ComplianceFilter) ([]ComplianceRow, error) {
	var where []string
	var args []any
	if f.Bulletin != "" {
		where, args = append(where, "u.bulletin_id = ?"), append(args, f.Bulletin)
	}
	if f.ComputerID != 0 {
		where, args = append(where, "k.id = ?"), append(args, f.ComputerID)
	}
	cond := ""
	if len(where) > 0 {
		cond = " AND " + strings.Join(where, " AND ")
	}
	q := `SELECT k.id, k.name, u.bulletin_id, u.id, u.name, u.kb, c.state, c.superseded
		FROM compliance c JOIN computers k ON k.id = c.computer_id JOIN updates u ON u.id = c.update_id
		WHERE 1 = 1` + cond
	qargs := append([]any(nil), args...)
	if f.NotApplicable {
		q += ` UNION ALL SELECT k.id, k.name, u.bulletin_id, u.id, u.name, u.kb, 0, u.superseded_by <> ''
		FROM compliance_computers cc JOIN computers k ON k.id = cc.computer_id CROSS JOIN updates u
		WHERE NOT EXISTS (SELECT 1 FROM compliance c WHERE c.computer_id = k.id AND c.update_id = u.id)` + cond
		qargs = append(qargs, args...)
	}
	if len(f.States) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(f.States)), ", ")
		q = "SELECT * FROM (" + q + ") WHERE state IN (" + marks + ")"
		for _, st := range f.States {
			qargs = append(qargs, int(st))
		}
	}
	q += " ORDER BY 2, 1, 3, 4"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.DB.WithContext(ctx).Raw(q, qargs...).Rows()
	if err != nil {
		return nil, fmt.Errorf("list compliance: %w", err)
	}
	defer rows.Close()
	out := []ComplianceRow{}
	for rows.Next() {
		var r ComplianceRow
		if err := rows.Scan(&r.ComputerID, &r.Computer, &r.Bulletin, &r.Update, &r.UpdateName, &r.KB, &r.State, &r.Superseded); err != nil {
			return nil, fmt.Errorf("list compliance: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list compliance: %w", err)
	}
	return out, nil
}

// ComputerCompliance returns the Computers screen's applicable / installed / missing counts of
// the given computers, or of every evaluated computer when ids is empty. A computer never
// evaluated (no inventory yet) is absent from the map.
func (s *Store) ComputerCompliance(ctx context.Context, ids ...uint) (map[uint]ComplianceCounts, error) {
	q := s.DB.WithContext(ctx).Table("compliance_computers").
		Select("computer_id", "installed", "missing", "unknown", "missing_superseded")
	if len(ids) > 0 {
		q = q.Where("computer_id IN ?", ids)
	}
	rows, err := q.Rows()
	if err != nil {
		return nil, fmt.Errorf("read computer compliance: %w", err)
	}
	defer rows.Close()
	out := map[uint]ComplianceCounts{}
	for rows.Next() {
		var id uint
		c := ComplianceCounts{Evaluated: true}
		if err := rows.Scan(&id, &c.Installed, &c.Missing, &c.Unknown, &c.MissingSuperseded); err != nil {
			return nil, fmt.Errorf("read computer compliance: %w", err)
		}
		c.Applicable = c.Installed + c.Missing
		out[id] = c
	}
	return out, rows.Err()
}

// BulletinComplianceCounts returns the Remediation Center's applicable / installed / not
// installed counts (in computers) of the given bulletins, or of every bulletin that applies
// somewhere when ids is empty. A bulletin that applies to no computer is absent.
func (s *Store) BulletinComplianceCounts(ctx context.Context, ids ...string) (map[string]BulletinCompliance, error) {
	q := s.DB.WithContext(ctx).Table("compliance_bulletins").Select("bulletin_id", "installed", "not_installed", "unknown")
	if len(ids) > 0 {
		q = q.Where("bulletin_id IN ?", ids)
	}
	rows, err := q.Rows()
	if err != nil {
		return nil, fmt.Errorf("read bulletin compliance: %w", err)
	}
	defer rows.Close()
	out := map[string]BulletinCompliance{}
	for rows.Next() {
		var id string
		var b BulletinCompliance
		if err := rows.Scan(&id, &b.Installed, &b.NotInstalled, &b.Unknown); err != nil {
			return nil, fmt.Errorf("read bulletin compliance: %w", err)
		}
		b.Applicable = b.Installed + b.NotInstalled
		if b != (BulletinCompliance{}) {
			out[id] = b
		}
	}
	return out, rows.Err()
}

// bulletinComplianceJoin is the LEFT JOIN that gives the Remediation Center's bulletin list
// its counts (used by bulletinSelect in catalog_query.go, alias bc).
const bulletinComplianceJoin = ` LEFT JOIN compliance_bulletins bc ON bc.bulletin_id = b.id`
