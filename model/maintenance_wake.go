package model

import (
	"context"
	"fmt"
	"time"
)

// Wake on LAN (the wizard's "Power on computer"): the host sends a magic packet to the
// computers of a policy when it becomes due. The store's part is which policies ask for it and
// which network adapters their computers have.

// WakePolicy is an enabled policy with Power on computer set.
type WakePolicy struct {
	ID        uint
	Name      string
	Run       string
	Schedule  string
	Revision  int
	UpdatedAt time.Time
}

// WakePolicies lists the enabled policies that power computers on.
func (s *Store) WakePolicies(ctx context.Context) ([]WakePolicy, error) {
	var ps []WakePolicy
	err := s.DB.WithContext(ctx).Model(&Policy{}).Where("enabled AND wake_on_lan").Order("id").
		Select("id", "name", "run", "schedule", "revision", "updated_at").Scan(&ps).Error
	if err != nil {
		return nil, fmt.Errorf("policies that power computers on: %w", err)
	}
	return ps, nil
}

// ComputerMACs is a computer and the MAC addresses of its latest inventory.
type ComputerMACs struct {
	ID   uint
	Name string
	MACs []string
}

// PolicyComputerMACs lists the computers one of the policy's targets holds, with the MACs
// their latest inventories report (none before the first inventory).
func (s *Store) PolicyComputerMACs(ctx context.Context, policyID uint) ([]ComputerMACs, error) {
	var cs []Computer
	err := s.DB.WithContext(ctx).Raw(`SELECT k.id, k.name, k.inventory FROM computers k WHERE NOT k.revoked AND k.id IN (
		SELECT tm.computer_id FROM policy_targets pt
		JOIN targets t ON t.name = pt.target COLLATE NOCASE
		JOIN target_members tm ON tm.target_id = t.id
		WHERE pt.policy_id = ?) ORDER BY k.name`, policyID).Scan(&cs).Error
	if err != nil {
		return nil, fmt.Errorf("computers of policy %d: %w", policyID, err)
	}
	out := make([]ComputerMACs, 0, len(cs))
	for _, c := range cs {
		inv, ok, err := c.DecodeInventory()
		if err != nil {
			return nil, err
		}
		m := ComputerMACs{ID: c.ID, Name: c.Name}
		if ok {
			m.MACs = inv.MACs
		}
		out = append(out, m)
	}
	return out, nil
}
