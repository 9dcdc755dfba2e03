package reports

import (
	"context"
	"fmt"
	"time"
)

// The Software bulletins folder's "denied": updates an administrator denied everywhere
// (`patchdesk update deny`), which no policy delivers, with their bulletin and the reason.
func init() {
	register(&Report{
		Name: "bulletins-denied", Title: "Denied software updates", Category: SoftwareBulletins,
		Description: "Updates denied on every computer (never installed, even when a policy holds them), with their bulletin, who denied them and why, charted by vendor.",
		Params:      []Param{vendorParam},
		run:         deniedUpdates,
	})
}

func deniedUpdates(ctx context.Context, q query) (*Result, error) {
	sql := `SELECT d.update_id, COALESCE(u.bulletin_id, '') AS bulletin, COALESCE(u.name, '') AS name,
		COALESCE(v.name, '') AS vendor, COALESCE(b.severity, '') AS severity, d.reason, d.denied_by, d.denied_at
		FROM denied_updates d
		LEFT JOIN updates u ON u.id = d.update_id
		LEFT JOIN bulletins b ON b.id = u.bulletin_id
		LEFT JOIN vendors v ON v.id = b.vendor_id`
	var args []any
	if vendor := q.p["vendor"]; vendor != "" {
		sql += " WHERE v.name = ?"
		args = append(args, vendor)
	}
	sql += " ORDER BY d.denied_at DESC, d.update_id"
	var rows []struct {
		UpdateID, Bulletin, Name, Vendor, Severity, Reason, DeniedBy string
		DeniedAt                                                     time.Time
	}
	if err := q.store.DB.WithContext(ctx).Raw(sql, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("list denied updates: %w", err)
	}
	res := &Result{}
	res.Columns = []Column{
		{"update", "Update", TypeString},
		{"name", "Name", TypeString},
		{"bulletin", "Bulletin", TypeString},
		{"vendor", "Vendor", TypeString},
		{"severity", "Severity", TypeString},
		{"reason", "Reason", TypeString},
		{"denied_by", "Denied by", TypeString},
		{"denied_at", "Denied", TypeTime},
	}
	for _, r := range rows {
		name := r.Name
		if name == "" {
			name = "(no longer in the catalog)"
		}
		res.Rows = append(res.Rows, []any{r.UpdateID, name, r.Bulletin, r.Vendor, r.Severity, r.Reason, r.DeniedBy, r.DeniedAt.UTC()})
	}
	res.Summary = []Fact{{"Denied updates", fmt.Sprint(len(rows))}}
	res.Chart = countChart(res.Table, ChartPie, "Denied updates by vendor", "vendor", "Vendor", nil, 10)
	return res, nil
}
