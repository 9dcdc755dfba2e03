package model

import (
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// perComputerTokens runs a query of (computer_id, token) rows ordered by computer and joins
// each computer's tokens ("7:3,9:1,") into the string its revision is made of, so that a change
// of any row changes that computer's revision and nobody else's.
func perComputerTokens(db *gorm.DB, sql string, args ...any) (map[uint]string, error) {
	var rows []struct {
		ComputerID uint
		Token      string
	}
	if err := db.Raw(sql, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("revisions per computer: %w", err)
	}
	out := map[uint]string{}
	var b strings.Builder
	for i, r := range rows {
		if i > 0 && rows[i-1].ComputerID != r.ComputerID {
			out[rows[i-1].ComputerID] = b.String()
			b.Reset()
		}
		b.WriteString(r.Token + ",")
	}
	if len(rows) > 0 {
		out[rows[len(rows)-1].ComputerID] = b.String()
	}
	return out, nil
}
