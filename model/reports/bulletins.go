package reports

import (
	"context"
	"fmt"
	"strings"
	"time"

	"patchdesk/model"
)

// The Software bulletins folder. "Staged" and "with policies" join it when package downloads
// and policies are stored; until then they would be reports without data.
func init() {
	register(&Report{
		Name: "bulletins-all", Title: "All software bulletins", Category: SoftwareBulletins,
		Description: "Every bulletin of the catalog with its vendor and custom severity, charted by vendor severity.",
		Params: []Param{vendorParam, severityParam, customSeverityParam,
			{Name: "released-from", Title: "Released from", Kind: KindDate, Help: "first release day included (YYYY-MM-DD)"},
			{Name: "released-to", Title: "Released to", Kind: KindDate, Help: "last release day included (YYYY-MM-DD)"},
			{Name: "include-superseded", Title: "Include superseded", Kind: KindBool, Default: "true"},
			{Name: "include-disabled", Title: "Include disabled", Kind: KindBool, Default: "true"},
		},
		run: func(ctx context.Context, q query) (*Result, error) {
			f := bulletinQuery{vendor: q.p["vendor"], severity: q.p["severity"], custom: q.p["custom-severity"],
				from: q.p.Date("released-from"), to: q.p.Date("released-to")}
			if !f.to.IsZero() {
				f.to = f.to.AddDate(0, 0, 1)
			}
			if !q.p.Bool("include-superseded") {
				f.where = append(f.where, "NOT b.superseded")
			}
			if !q.p.Bool("include-disabled") {
				f.where = append(f.where, "NOT b.disabled")
			}
			return bulletinResult(ctx, q, f, severityChart)
		},
	})
	register(&Report{
		Name: "bulletins-custom-severity", Title: "Software bulletins with a custom severity", Category: SoftwareBulletins,
		Description: "Bulletins an administrator gave a custom severity level, charted by level.",
		Params:      []Param{customSeverityParam, vendorParam},
		run: func(ctx context.Context, q query) (*Result, error) {
			f := bulletinQuery{vendor: q.p["vendor"], custom: q.p["custom-severity"], where: []string{"b.custom_severity_id IS NOT NULL"}}
			return bulletinResult(ctx, q, f, func(t Table) *Chart {
				return countChart(t, ChartPie, "Bulletins by custom severity", "custom_severity", "Custom severity", nil, 0)
			})
		},
	})
	register(&Report{
		Name: "bulletins-new-30-days", Title: "New software bulletins in the last 30 days", Category: SoftwareBulletins,
		Description: "Bulletins released in the last days (30 unless the days parameter says otherwise), charted by release day.",
		Params: []Param{{Name: "days", Title: "Days", Kind: KindInt, Default: "30", Min: 1, Max: 3650, Help: "how many days back"},
			vendorParam, severityParam},
		run: func(ctx context.Context, q query) (*Result, error) {
			days := q.p.Int("days")
			since := startOfDay(q.now).AddDate(0, 0, 1-days)
			f := bulletinQuery{vendor: q.p["vendor"], severity: q.p["severity"], from: since, order: "b.released DESC, b.id"}
			return bulletinResult(ctx, q, f, func(t Table) *Chart { return perDayChart(t, since, days) })
		},
	})
	register(&Report{
		Name: "bulletins-superseded", Title: "Superseded software bulletins", Category: SoftwareBulletins,
		Description: "Bulletins a newer bulletin replaces, charted by vendor.",
		Params:      []Param{vendorParam},
		run: func(ctx context.Context, q query) (*Result, error) {
			f := bulletinQuery{vendor: q.p["vendor"], where: []string{"b.superseded"}}
			return bulletinResult(ctx, q, f, func(t Table) *Chart {
				return countChart(t, ChartPie, "Superseded bulletins by vendor", "vendor", "Vendor", nil, 10)
			})
		},
	})
	register(&Report{
		Name: "bulletins-disabled", Title: "Disabled software bulletins", Category: SoftwareBulletins,
		Description: "Bulletins disabled for distribution: policies that hold them do not install them.",
		Params:      []Param{vendorParam},
		run: func(ctx context.Context, q query) (*Result, error) {
			f := bulletinQuery{vendor: q.p["vendor"], where: []string{"b.disabled"}}
			return bulletinResult(ctx, q, f, severityChart)
		},
	})
}

var (
	vendorParam = Param{Name: "vendor", Title: "Vendor", Kind: KindChoice, Help: "only this vendor (empty: all)",
		Lookup: func(ctx context.Context, s *model.Store) ([]string, error) { return s.VendorNames(ctx) }}
	severityParam = Param{Name: "severity", Title: "Severity", Kind: KindChoice, Help: "vendor severity (none: without one; empty: all)",
		Choices: append([]string{""}, append(model.VendorSeverities, "none")...)}
	customSeverityParam = Param{Name: "custom-severity", Title: "Custom severity", Kind: KindChoice, Help: "custom severity level (none: without one; empty: all)",
		Choices: []string{"", "none"},
		Lookup: func(ctx context.Context, s *model.Store) ([]string, error) {
			levels, err := s.SeverityLevels(ctx)
			names := make([]string, len(levels))
			for i, l := range levels {
				names[i] = l.Name
			}
			return names, err
		}}
)

// bulletinColumns are the columns of every bulletin report: the Remediation Center's (guide
// Table 7-1) that the catalog holds.
var bulletinColumns = []Column{
	{"bulletin", "Bulletin", TypeString},
	{"vendor", "Vendor", TypeString},
	{"software", "Software", TypeString},
	{"severity", "Severity", TypeString},
	{"custom_severity", "Custom Severity", TypeString},
	{"released", "Released", TypeDate},
	{"revised", "Revised", TypeDate},
	{"updates", "Updates", TypeInt},
	{"superseded", "Superseded", TypeBool},
	{"disabled", "Disabled", TypeBool},
	{"cves", "CVEs", TypeString},
	{"title", "Title", TypeString},
}

// bulletinQuery selects bulletins; empty fields select all.
type bulletinQuery struct {
	vendor, severity, custom string
	from, to                 time.Time // released in [from, to)
	where                    []string  // extra conditions without arguments
	order                    string
}

type bulletinScan struct {
	ID, Vendor, Software, Severity, CustomSeverity, Title string
	CVEs                                                  string `gorm:"column:cves"`
	Released, Revised                                     time.Time
	UpdateCount                                           int64
	Superseded, Disabled                                  bool
}

func bulletinResult(ctx context.Context, q query, f bulletinQuery, chart func(Table) *Chart) (*Result, error) {
	where := append([]string{}, f.where...)
	var args []any
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	if f.vendor != "" {
		add("v.name = ?", f.vendor)
	}
	switch {
	case f.severity == "none":
		add("b.severity = ''")
	case f.severity != "":
		add("lower(b.severity) = lower(?)", f.severity)
	}
	switch {
	case f.custom == "none":
		add("b.custom_severity_id IS NULL")
	case f.custom != "":
		add("lower(cs.name) = lower(?)", f.custom)
	}
	if !f.from.IsZero() {
		add("b.released >= ?", f.from)
	}
	if !f.to.IsZero() {
		add("b.released < ?", f.to)
	}
	sql := `SELECT b.id, v.name AS vendor, s.name AS software, b.severity, COALESCE(cs.name, '') AS custom_severity,
		b.title, b.cves, b.released, b.revised, b.update_count, b.superseded, b.disabled
		FROM bulletins b
		JOIN vendors v ON v.id = b.vendor_id
		JOIN software s ON s.id = b.software_id
		LEFT JOIN severity_levels cs ON cs.id = b.custom_severity_id`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	order := f.order
	if order == "" {
		order = "b.severity_rank DESC, b.released DESC, b.id"
	}
	sql += " ORDER BY " + order
	var scans []bulletinScan
	if err := q.store.DB.WithContext(ctx).Raw(sql, args...).Scan(&scans).Error; err != nil {
		return nil, fmt.Errorf("list bulletins: %w", err)
	}
	t := Table{Columns: bulletinColumns, Rows: make([][]any, len(scans))}
	for i, b := range scans {
		t.Rows[i] = []any{b.ID, b.Vendor, b.Software, b.Severity, b.CustomSeverity, day(b.Released), day(b.Revised),
			b.UpdateCount, b.Superseded, b.Disabled, strings.Join(strings.Fields(b.CVEs), " "), b.Title}
	}
	res := &Result{Table: t, Chart: chart(t)}
	res.Summary = []Fact{{"Bulletins", fmt.Sprint(len(scans))}}
	return res, nil
}

// day keeps a date column empty rather than showing year 1 when a source gave no date.
func day(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func startOfDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
