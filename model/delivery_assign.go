package model

import (
	"context"
	"fmt"
)

// What the agent install cycle fetches: the enabled policies whose targets hold a computer,
// with their enabled updates of enabled bulletins, and a revision that moves whenever any of
// that may have changed.

// AssignedPolicy is one policy as it reaches a computer.
type AssignedPolicy struct {
	Policy
	Updates []AssignedUpdate
}

// AssignedUpdate is an update with the package an agent downloads; Package is empty while no
// verified file is stored.
type AssignedUpdate struct {
	Update
	PackageSHA256 string
	PackageSize   int64
	PackageName   string
}

// policiesOfComputerSQL picks the enabled policies one of whose targets holds the computer.
// Target names compare without case, as the targets table stores them.
const policiesOfComputerSQL = `SELECT DISTINCT p.id FROM policies p
	JOIN policy_targets pt ON pt.policy_id = p.id
	JOIN targets t ON t.name = pt.target COLLATE NOCASE
	JOIN target_members tm ON tm.target_id = t.id
	WHERE p.enabled AND tm.computer_id = ?`

// Assignments lists what the computer must install, policies by id and updates by id.
func (s *Store) Assignments(ctx context.Context, computerID uint) ([]AssignedPolicy, error) {
	db := s.DB.WithContext(ctx)
	var ids []uint
	if err := db.Raw(policiesOfComputerSQL+" ORDER BY p.id", computerID).Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("assignments of computer %d: %w", computerID, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var ps []Policy
	if err := db.Where("id IN ?", ids).Order("id").Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("assignments of computer %d: policies: %w", computerID, err)
	}
	var rows []struct {
		Update
		PolicyID      uint
		PackageSHA256 string `gorm:"column:package_sha256"`
		PackageSize   int64
		PackageName   string
	}
	err := db.Raw(`SELECT u.*, pu.policy_id, COALESCE(pk.sha256, '') AS package_sha256,
			COALESCE(pk.size, 0) AS package_size, COALESCE(pk.file_name, '') AS package_name
		FROM policy_updates pu
		JOIN updates u ON u.id = pu.update_id
		JOIN bulletins b ON b.id = u.bulletin_id
		LEFT JOIN packages pk ON pk.update_id = u.id AND pk.state = ?
		WHERE pu.enabled AND NOT b.disabled AND pu.policy_id IN ?
		ORDER BY pu.policy_id, u.id`, PackageDownloaded, ids).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("assignments of computer %d: updates: %w", computerID, err)
	}
	out := make([]AssignedPolicy, len(ps))
	at := make(map[uint]int, len(ps))
	for i, p := range ps {
		out[i].Policy, at[p.ID] = p, i
	}
	for _, r := range rows {
		i := at[r.PolicyID]
		out[i].Updates = append(out[i].Updates, AssignedUpdate{Update: r.Update, PackageSHA256: r.PackageSHA256,
			PackageSize: r.PackageSize, PackageName: r.PackageName})
	}
	return out, nil
}

// AssignmentRevisions is what an agent's copy of its assignments depends on. Global covers what
// every computer shares (catalog rules, disabled bulletins, stored packages); ByComputer lists,
// per computer that a policy reaches, its policies' ids and revisions.
type AssignmentRevisions struct {
	Global     string
	ByComputer map[uint]string
}

// AssignmentRevisions reads the revisions of every computer in two queries, so the listener can
// answer check-ins from memory.
func (s *Store) AssignmentRevisions(ctx context.Context) (AssignmentRevisions, error) {
	db := s.DB.WithContext(ctx)
	var g struct {
		CatalogRev int64
		Disabled   int64
		Packages   int64
		Newest     string
	}
	err := db.Raw(`SELECT (SELECT COALESCE(MAX(catalog_rev), 0) FROM compliance_state) AS catalog_rev,
		(SELECT COUNT(*) FROM bulletins WHERE disabled) AS disabled,
		(SELECT COUNT(*) FROM packages WHERE state = ?) AS packages,
		(SELECT COALESCE(MAX(verified_at), '') FROM packages WHERE state = ?) AS newest`,
		PackageDownloaded, PackageDownloaded).Scan(&g).Error
	if err != nil {
		return AssignmentRevisions{}, fmt.Errorf("assignment revisions: %w", err)
	}
	rev := AssignmentRevisions{Global: fmt.Sprintf("c%d.d%d.p%d.%s", g.CatalogRev, g.Disabled, g.Packages, g.Newest)}
	rev.ByComputer, err = perComputerTokens(db, `SELECT DISTINCT tm.computer_id, p.id || ':' || p.revision AS token FROM policies p
		JOIN policy_targets pt ON pt.policy_id = p.id
		JOIN targets t ON t.name = pt.target COLLATE NOCASE
		JOIN target_members tm ON tm.target_id = t.id
		WHERE p.enabled ORDER BY tm.computer_id, p.id`)
	if err != nil {
		return AssignmentRevisions{}, fmt.Errorf("assignment %w", err)
	}
	return rev, nil
}
