package reports

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"patchdesk/model"
)

// The Remediation status folder's Software Update Delivery Summary (guide, chapter 7): how the
// latest execution of each update on each computer ended, over the last days.
func init() {
	register(&Report{
		Name: "delivery-summary", Title: "Software update delivery summary", Category: RemediationStatus,
		Description: "For each update that agents worked on in the last days (30 unless the days parameter says otherwise): on how many computers its latest execution succeeded, failed or has not completed yet.",
		Params:      []Param{deliveryDaysParam, deliveryBulletinParam},
		run:         deliverySummary,
	})
}

// The delivery reports' shared parameters.
var (
	deliveryDaysParam     = Param{Name: "days", Title: "Days", Kind: KindInt, Default: "30", Min: 1, Max: 3650, Help: "how many days back"}
	deliveryBulletinParam = Param{Name: "bulletin", Title: "Bulletin", Kind: KindString, Help: "only this bulletin (empty: all)"}
)

// deliveryOutcome sorts a final status into the summary's three columns; "" leaves the pair
// out (the update turned out not to apply or was superseded: nothing was delivered).
func deliveryOutcome(status string) string {
	switch status {
	case model.DeliveryInstalled, model.DeliveryInstalledByUser:
		return "succeeded"
	case model.DeliveryFailed:
		return "failed"
	case model.DeliveryNotApplicable, model.DeliverySuperseded:
		return ""
	}
	return "not_completed" // pending, downloading, scheduled, installing, verifying, rescheduled
}

// deliveryKey is one update of one bulletin.
type deliveryKey struct{ bulletin, update string }

// latestDeliveries counts, per update, the computers whose latest delivery event since the
// given time ended in each outcome ("succeeded", "failed", "not_completed"), and the executions
// not completed by the status they stand at.
func latestDeliveries(ctx context.Context, store *model.Store, since time.Time, bulletin string) (map[deliveryKey]map[string]int64, map[string]int64, error) {
	args := []any{since}
	where := "at >= ?"
	if bulletin != "" {
		where += " AND bulletin_id = ?"
		args = append(args, bulletin)
	}
	// The latest event of each computer × update in the period is where its execution stands.
	var last []struct {
		BulletinID, UpdateID, Status string
	}
	err := store.DB.WithContext(ctx).Raw(`SELECT e.bulletin_id, e.update_id, e.status FROM delivery_events e
		JOIN (SELECT MAX(id) AS id FROM delivery_events WHERE `+where+` GROUP BY computer_id, update_id) l ON l.id = e.id`, args...).
		Scan(&last).Error
	if err != nil {
		return nil, nil, fmt.Errorf("read delivery events: %w", err)
	}
	counts := map[deliveryKey]map[string]int64{}
	pending := map[string]int64{}
	for _, e := range last {
		o := deliveryOutcome(e.Status)
		if o == "" {
			continue
		}
		if o == "not_completed" {
			pending[e.Status]++
		}
		k := deliveryKey{e.BulletinID, e.UpdateID}
		if counts[k] == nil {
			counts[k] = map[string]int64{}
		}
		counts[k][o]++
	}
	return counts, pending, nil
}

// DeliveryTotals is the dashboard's software update delivery by execution: computer × update
// pairs by how their latest execution in the period ended.
type DeliveryTotals struct {
	Succeeded    int64 `json:"succeeded"`
	Failed       int64 `json:"failed"`
	NotCompleted int64 `json:"not_completed"`
}

// LoadDeliveryTotals sums the delivery summary since a time.
func LoadDeliveryTotals(ctx context.Context, store *model.Store, since time.Time) (DeliveryTotals, error) {
	counts, _, err := latestDeliveries(ctx, store, since, "")
	if err != nil {
		return DeliveryTotals{}, err
	}
	var t DeliveryTotals
	for _, c := range counts {
		t.Succeeded += c["succeeded"]
		t.Failed += c["failed"]
		t.NotCompleted += c["not_completed"]
	}
	return t, nil
}

func deliverySummary(ctx context.Context, q query) (*Result, error) {
	since := startOfDay(q.now).AddDate(0, 0, 1-q.p.Int("days"))
	counts, pending, err := latestDeliveries(ctx, q.store, since, q.p["bulletin"])
	if err != nil {
		return nil, err
	}
	type key = deliveryKey
	keys := make([]key, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.bulletin != b.bulletin {
			if a.bulletin < b.bulletin {
				return -1
			}
			return 1
		}
		if a.update < b.update {
			return -1
		}
		if a.update > b.update {
			return 1
		}
		return 0
	})
	res := &Result{}
	res.Columns = []Column{
		{"bulletin", "Bulletin", TypeString},
		{"update", "Update", TypeString},
		{"succeeded", "Succeeded", TypeInt},
		{"failed", "Failed", TypeInt},
		{"not_completed", "Not completed", TypeInt},
		{"computers", "Computers", TypeInt},
	}
	perBulletin := map[string][3]int64{}
	var bulletins []string
	var total [3]int64
	for _, k := range keys {
		c := counts[k]
		row := [3]int64{c["succeeded"], c["failed"], c["not_completed"]}
		res.Rows = append(res.Rows, []any{k.bulletin, k.update, row[0], row[1], row[2], row[0] + row[1] + row[2]})
		if _, seen := perBulletin[k.bulletin]; !seen {
			bulletins = append(bulletins, k.bulletin)
		}
		b := perBulletin[k.bulletin]
		for i := range row {
			b[i] += row[i]
			total[i] += row[i]
		}
		perBulletin[k.bulletin] = b
	}
	res.Summary = []Fact{
		{"Period", fmt.Sprintf("since %s", since.Format("2006-01-02"))},
		{"Succeeded", fmt.Sprint(total[0])},
		{"Failed", fmt.Sprint(total[1])},
		{"Not completed", fmt.Sprint(total[2])},
	}
	if len(pending) > 0 {
		// Where the executions not completed stand now; delivery-events has every step.
		statuses := slices.Sorted(maps.Keys(pending))
		parts := make([]string, len(statuses))
		for i, st := range statuses {
			parts[i] = fmt.Sprintf("%s %d", st, pending[st])
		}
		res.Summary = append(res.Summary, Fact{"Not completed, by status", strings.Join(parts, ", ")})
	}
	data := Table{Columns: []Column{{"bulletin", "Bulletin", TypeString}, {"succeeded", "Succeeded", TypeInt}, {"failed", "Failed", TypeInt}, {"not_completed", "Not completed", TypeInt}}}
	for _, b := range bulletins {
		v := perBulletin[b]
		data.Rows = append(data.Rows, []any{b, v[0], v[1], v[2]})
	}
	res.Chart = &Chart{Kind: ChartBar, Title: "Latest execution by bulletin", Label: "bulletin",
		Values: []string{"succeeded", "failed", "not_completed"}, Colors: []string{ColorSuccess, ColorError, ColorWarning}, Data: data}
	return res, nil
}
