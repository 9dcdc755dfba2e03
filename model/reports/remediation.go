package reports

import (
	"context"
	"fmt"
	"time"

	"patchdesk/model"
)

// The Remediation status folder. Download status reads the package store; the delivery
// summary by execution and policy status by computer join it when the agents' delivery events
// are stored and queryable (model/delivery*.go, being built).
func init() {
	register(&Report{
		Name: "remediation-download-status", Title: "Download status", Category: RemediationStatus,
		Description: "Every package the download-packages job was asked for, with its state (wanted, downloading, downloaded, failed, quarantined), charted by state.",
		Params: []Param{vendorParam, {Name: "state", Title: "State", Kind: KindChoice, Help: "only this state (empty: all)",
			Choices: []string{"", model.PackageWanted, model.PackageDownloading, model.PackageDownloaded, model.PackageFailed, model.PackageQuarantined}}},
		run: downloadStatus,
	})
}

var packageColors = map[string]string{model.PackageDownloaded: ColorSuccess, model.PackageFailed: ColorError,
	model.PackageQuarantined: ColorError, model.PackageWanted: ColorNeutral, model.PackageDownloading: ColorPrimary}

func downloadStatus(ctx context.Context, q query) (*Result, error) {
	sql := `SELECT p.update_id, p.bulletin_id, COALESCE(v.name, ''), p.state, p.size, p.source, p.attempts, p.error, p.requested_at, p.downloaded_at
		FROM packages p LEFT JOIN bulletins b ON b.id = p.bulletin_id LEFT JOIN vendors v ON v.id = b.vendor_id WHERE 1 = 1`
	var args []any
	if v := q.p["vendor"]; v != "" {
		sql, args = sql+" AND v.name = ?", append(args, v)
	}
	if s := q.p["state"]; s != "" {
		sql, args = sql+" AND p.state = ?", append(args, s)
	}
	rows, err := q.store.DB.WithContext(ctx).Raw(sql+" ORDER BY p.state, p.bulletin_id, p.update_id", args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("list packages: %w", err)
	}
	defer rows.Close()
	t := Table{Columns: []Column{
		{"update", "Update", TypeString},
		{"bulletin", "Bulletin", TypeString},
		{"vendor", "Vendor", TypeString},
		{"state", "State", TypeString},
		{"size", "Size (bytes)", TypeInt},
		{"source", "Source", TypeString},
		{"attempts", "Attempts", TypeInt},
		{"error", "Error", TypeString},
		{"requested", "Requested", TypeTime},
		{"downloaded", "Downloaded", TypeTime},
	}, Rows: [][]any{}}
	counts := map[string]int64{}
	var bytes int64
	for rows.Next() {
		var upd, bul, vendor, state, source, msg string
		var size, attempts int64
		var requested time.Time
		var downloaded *time.Time
		if err := rows.Scan(&upd, &bul, &vendor, &state, &size, &source, &attempts, &msg, &requested, &downloaded); err != nil {
			return nil, fmt.Errorf("list packages: %w", err)
		}
		counts[state]++
		if state == model.PackageDownloaded {
			bytes += size
		}
		t.Rows = append(t.Rows, []any{upd, bul, vendor, state, size, source, attempts, msg, requested.UTC(), timeCell(downloaded)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list packages: %w", err)
	}
	order := []string{model.PackageDownloaded, model.PackageDownloading, model.PackageWanted, model.PackageFailed, model.PackageQuarantined}
	data := Table{Columns: []Column{{"state", "State", TypeString}}}
	var series, colors []string
	row := []any{"packages"}
	for _, s := range order {
		if counts[s] == 0 {
			continue
		}
		data.Columns = append(data.Columns, Column{s, s, TypeInt})
		series, colors = append(series, s), append(colors, packageColors[s])
		row = append(row, counts[s])
	}
	data.Rows = [][]any{row}
	res := &Result{Table: t, Chart: &Chart{Kind: ChartBar, Title: "Packages by state", Label: "state", Values: series, Colors: colors, Data: data}}
	res.Summary = []Fact{{"Packages", fmt.Sprint(len(t.Rows))},
		{"Downloaded / failed", fmt.Sprintf("%d / %d", counts[model.PackageDownloaded], counts[model.PackageFailed]+counts[model.PackageQuarantined])},
		{"Stored", fmt.Sprintf("%.1f MiB", float64(bytes)/(1<<20))}}
	return res, nil
}
