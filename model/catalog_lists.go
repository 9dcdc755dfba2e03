package model

import (
	"context"
	"fmt"
)

// VendorNames lists the vendors that have bulletins, for the Remediation Center's filter.
func (s *Store) VendorNames(ctx context.Context) ([]string, error) {
	var names []string
	err := s.DB.WithContext(ctx).Raw("SELECT DISTINCT v.name FROM vendors v JOIN bulletins b ON b.vendor_id = v.id ORDER BY v.name").Scan(&names).Error
	if err != nil {
		return nil, fmt.Errorf("list vendors: %w", err)
	}
	return names, nil
}
