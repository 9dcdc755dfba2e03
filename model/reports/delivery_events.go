package reports

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Every status an agent reported on the way to its delivery summary: the summary says where
// each execution ended, this says how it got there (Pending, Download required, Installation is
// in Progress, Verification…), with exit codes, for one computer or bulletin when asked.
func init() {
	register(&Report{
		Name: "delivery-events", Title: "Software update delivery details", Category: RemediationStatus,
		Description: "Every status change agents reported in the last days (30 unless the days parameter says otherwise), oldest first, with the attempt, exit code and the agent's message; charted by status.",
		Params: []Param{
			deliveryDaysParam,
			deliveryBulletinParam,
			{Name: "computer", Title: "Computer", Kind: KindString, Help: "only this computer (name or id; empty: all)"},
			{Name: "limit", Title: "Rows", Kind: KindInt, Default: "5000", Min: 0, Max: 10_000_000,
				Help: "at most this many rows, the newest (0: all); the summary counts them all"},
		},
		run: deliveryEvents,
	})
}

func deliveryEvents(ctx context.Context, q query) (*Result, error) {
	since := startOfDay(q.now).AddDate(0, 0, 1-q.p.Int("days"))
	where, args := "e.at >= ?", []any{since}
	if b := strings.TrimSpace(q.p["bulletin"]); b != "" {
		where, args = where+" AND e.bulletin_id = ?", append(args, b)
	}
	if name := strings.TrimSpace(q.p["computer"]); name != "" {
		k, err := q.store.FindComputer(ctx, name)
		if err != nil {
			return nil, err
		}
		where, args = where+" AND e.computer_id = ?", append(args, k.ID)
	}
	var total int64
	if err := q.store.DB.WithContext(ctx).Raw(`SELECT count(*) FROM delivery_events e WHERE `+where, args...).Scan(&total).Error; err != nil {
		return nil, fmt.Errorf("count delivery events: %w", err)
	}
	// The newest rows when limited, shown oldest first so each update reads as its story.
	limit := q.p.Int("limit")
	if limit == 0 {
		limit = -1
	}
	rows, err := q.store.DB.WithContext(ctx).Raw(`SELECT * FROM (SELECT e.id, e.at, COALESCE(k.name, ''), e.bulletin_id, e.update_id,
		e.attempt, e.status, e.exit_code, e.message FROM delivery_events e LEFT JOIN computers k ON k.id = e.computer_id
		WHERE `+where+` ORDER BY e.at DESC, e.id DESC LIMIT ?) ORDER BY 2, 1`, append(args, limit)...).Rows()
	if err != nil {
		return nil, fmt.Errorf("read delivery events: %w", err)
	}
	defer rows.Close()
	res := &Result{}
	res.Columns = []Column{
		{"at", "Time", TypeTime},
		{"computer", "Computer", TypeString},
		{"bulletin", "Bulletin", TypeString},
		{"update", "Update", TypeString},
		{"attempt", "Attempt", TypeInt},
		{"status", "Status", TypeString},
		{"exit_code", "Exit code", TypeInt},
		{"message", "Message", TypeString},
	}
	counts := map[string]int64{}
	var order []string
	for rows.Next() {
		var (
			id                               uint
			at                               time.Time
			computer, bulletin, update, stat string
			attempt                          int64
			exit                             *int64
			msg                              string
		)
		if err := rows.Scan(&id, &at, &computer, &bulletin, &update, &attempt, &stat, &exit, &msg); err != nil {
			return nil, fmt.Errorf("read delivery events: %w", err)
		}
		var code any
		if exit != nil {
			code = *exit
		}
		res.Rows = append(res.Rows, []any{at.UTC(), computer, bulletin, update, attempt, stat, code, msg})
		if counts[stat] == 0 {
			order = append(order, stat)
		}
		counts[stat]++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read delivery events: %w", err)
	}
	res.Summary = []Fact{
		{"Period", fmt.Sprintf("since %s", since.Format("2006-01-02"))},
		{"Status changes", fmt.Sprint(total)},
	}
	if int64(len(res.Rows)) < total {
		res.Summary = append(res.Summary, Fact{"Shown", fmt.Sprintf("the newest %d", len(res.Rows))})
	}
	data := Table{Columns: []Column{{"status", "Status", TypeString}, {"events", "Status changes", TypeInt}}}
	for _, s := range order {
		data.Rows = append(data.Rows, []any{s, counts[s]})
	}
	res.Chart = &Chart{Kind: ChartBar, Title: "Status changes by status", Label: "status", Values: []string{"events"}, Data: data}
	return res, nil
}
