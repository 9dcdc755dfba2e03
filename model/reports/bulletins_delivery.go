package reports

import (
	"context"
	"fmt"

	"patchdesk/model"
)

// The Software bulletins reports that need the package store and policies: staged bulletins
// (every update's package downloaded and verified) and bulletins that policies hold. They read
// the Remediation Center's list (Store.Bulletins), so Staged and Policies mean what its columns
// mean.
func init() {
	register(&Report{
		Name: "bulletins-staged", Title: "Staged software bulletins", Category: SoftwareBulletins,
		Description: "Bulletins whose every update's package is downloaded and verified in the package store, charted by vendor severity.",
		Params:      []Param{vendorParam, severityParam},
		run: func(ctx context.Context, q query) (*Result, error) {
			return deliveryBulletins(ctx, q, func(b model.BulletinRow) bool { return b.Staged }, severityChart)
		},
	})
	register(&Report{
		Name: "bulletins-with-policies", Title: "Software bulletins with policies", Category: SoftwareBulletins,
		Description: "Bulletins that at least one policy distributes, with how many policies and whether they are staged, charted by vendor severity.",
		Params:      []Param{vendorParam, severityParam},
		run: func(ctx context.Context, q query) (*Result, error) {
			return deliveryBulletins(ctx, q, func(b model.BulletinRow) bool { return b.Policies > 0 }, severityChart)
		},
	})
}

func deliveryBulletins(ctx context.Context, q query, keep func(model.BulletinRow) bool, chart func(Table) *Chart) (*Result, error) {
	list, err := q.store.Bulletins(ctx, model.BulletinFilter{Vendor: q.p["vendor"], Severity: q.p["severity"], Sort: "severity", Desc: true})
	if err != nil {
		return nil, err
	}
	t := Table{Columns: []Column{
		{"bulletin", "Bulletin", TypeString},
		{"vendor", "Vendor", TypeString},
		{"severity", "Severity", TypeString},
		{"custom_severity", "Custom Severity", TypeString},
		{"released", "Released", TypeDate},
		{"updates", "Updates", TypeInt},
		{"downloaded", "Downloaded", TypeInt},
		{"staged", "Staged", TypeBool},
		{"policies", "Policies", TypeInt},
		{"not_installed", "Not installed", TypeInt},
		{"title", "Title", TypeString},
	}, Rows: [][]any{}}
	for _, b := range list {
		if !keep(b) {
			continue
		}
		t.Rows = append(t.Rows, []any{b.ID, b.Vendor, b.Severity, b.CustomSeverity, day(b.Released), int64(b.Updates),
			int64(b.Downloaded), b.Staged, int64(b.Policies), int64(b.NotInstalled), b.Title})
	}
	res := &Result{Table: t, Chart: chart(t)}
	res.Summary = []Fact{{"Bulletins", fmt.Sprint(len(t.Rows))}}
	return res, nil
}
