package reports

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"patchdesk/model"
)

// Diagnostics about agents and their inventories. In PatchDesk a computer is known only
// because its agent enrolled (there is no network discovery), so "computers without the
// agent" are never listed: the installation status says which enrolled agents are active,
// revoked, silent or have not sent an inventory yet, and says plainly that computers which never
// enrolled are not known.
func init() {
	register(&Report{
		Name: "diagnostics-agent-status", Title: "Agent installation status", Category: Diagnostics,
		Description: "Every known computer with its agent's state (reporting, not reporting, no inventory yet, revoked) and whether it is in the target, charted by state.",
		Params: []Param{
			withDefault(targetParam, model.TargetWindowsAgents, "mark the members of this target (default: the default target)"),
			{Name: "days", Title: "Days", Kind: KindInt, Default: "7", Min: 1, Max: 3650, Help: "no check-in for this many days counts as not reporting"},
		},
		run: agentStatus,
	})
	register(&Report{
		Name: "diagnostics-not-reporting", Title: "Computers not reporting inventory", Category: Diagnostics,
		Description: "Computers (agent not revoked) whose last inventory is older than the given days, or that never sent one.",
		Params:      []Param{{Name: "days", Title: "Days", Kind: KindInt, Default: "7", Min: 1, Max: 3650, Help: "no inventory for this many days"}},
		run:         notReporting,
	})
	register(&Report{
		Name: "diagnostics-agent-versions", Title: "Agent versions", Category: Diagnostics,
		Description: "How many computers run each agent version (revoked agents left out).",
		run:         agentVersions,
	})
	register(&Report{
		Name: "diagnostics-vulnerability-summary", Title: "Vulnerability summary", Category: Diagnostics,
		Description: "Computers by the most severe missing update: how many miss a critical, an important… update, how many miss nothing and how many were never evaluated.",
		run:         vulnerabilitySummary,
	})
}

func withDefault(p Param, def, help string) Param {
	p.Default, p.Help = def, help
	return p
}

type agentRow struct {
	ID                 uint
	Name, OS, Version  string
	Revoked            bool
	Checkin, Inventory *time.Time
	Member             bool
}

func readAgents(ctx context.Context, store *model.Store, target string) ([]agentRow, error) {
	var tid uint
	if target != "" {
		t, err := store.Target(ctx, target)
		if err != nil {
			return nil, err
		}
		tid = t.ID
	}
	rows, err := store.DB.WithContext(ctx).Raw(`SELECT k.id, k.name, k.os_name, k.agent_version, k.revoked, k.last_checkin_at, k.last_inventory_at,
		EXISTS (SELECT 1 FROM target_members tm WHERE tm.target_id = ? AND tm.computer_id = k.id)
		FROM computers k ORDER BY k.name, k.id`, tid).Rows()
	if err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	defer rows.Close()
	var out []agentRow
	for rows.Next() {
		var a agentRow
		if err := rows.Scan(&a.ID, &a.Name, &a.OS, &a.Version, &a.Revoked, &a.Checkin, &a.Inventory, &a.Member); err != nil {
			return nil, fmt.Errorf("list agents: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Agent states, in the order charts show them.
const (
	agentReporting    = "reporting"
	agentNotReporting = "not reporting"
	agentNoInventory  = "no inventory yet"
	agentRevoked      = "revoked"
)

var agentColors = map[string]string{agentReporting: ColorSuccess, agentNotReporting: ColorWarning, agentNoInventory: ColorNeutral, agentRevoked: ColorError}

func agentState(a agentRow, cutoff time.Time) string {
	switch {
	case a.Revoked:
		return agentRevoked
	case a.Checkin == nil || a.Checkin.Before(cutoff):
		return agentNotReporting
	case a.Inventory == nil:
		return agentNoInventory
	}
	return agentReporting
}

func timeCell(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

func agentStatus(ctx context.Context, q query) (*Result, error) {
	agents, err := readAgents(ctx, q.store, q.p["target"])
	if err != nil {
		return nil, err
	}
	cutoff := q.now.AddDate(0, 0, -q.p.Int("days"))
	t := Table{Columns: []Column{
		{"computer", "Computer", TypeString},
		{"os", "Operating system", TypeString},
		{"state", "Agent", TypeString},
		{"in_target", "In target", TypeBool},
		{"version", "Agent version", TypeString},
		{"last_checkin", "Last check-in", TypeTime},
		{"last_inventory", "Last inventory", TypeTime},
	}, Rows: [][]any{}}
	counts := map[string]int64{}
	var members int64
	for _, a := range agents {
		st := agentState(a, cutoff)
		counts[st]++
		if a.Member {
			members++
		}
		t.Rows = append(t.Rows, []any{a.Name, a.OS, st, a.Member, a.Version, timeCell(a.Checkin), timeCell(a.Inventory)})
	}
	res := &Result{Table: t, Chart: stateCountChart("Computers by agent state", counts,
		[]string{agentReporting, agentNotReporting, agentNoInventory, agentRevoked})}
	target := q.p["target"]
	if target == "" {
		target = "(none)"
	}
	res.Summary = []Fact{
		{"Computers with an enrolled agent", fmt.Sprint(len(agents))},
		{"In target " + target, fmt.Sprint(members)},
		{"Reporting / not reporting / no inventory / revoked", fmt.Sprintf("%d / %d / %d / %d",
			counts[agentReporting], counts[agentNotReporting], counts[agentNoInventory], counts[agentRevoked])},
		{"Computers without the agent", "not known: PatchDesk learns of a computer when its agent enrols (no network discovery)"},
	}
	return res, nil
}

// stateCountChart is a pie of counts in a fixed label order, zero labels left out.
func stateCountChart(title string, counts map[string]int64, order []string) *Chart {
	data := Table{Columns: []Column{{"state", "State", TypeString}, {"computers", "Computers", TypeInt}}}
	for _, l := range orderLabels(slices.Sorted(maps.Keys(counts)), counts, order) {
		data.Rows = append(data.Rows, []any{l, counts[l]})
	}
	return &Chart{Kind: ChartPie, Title: title, Label: "state", Values: []string{"computers"}, Data: data}
}

func notReporting(ctx context.Context, q query) (*Result, error) {
	agents, err := readAgents(ctx, q.store, "")
	if err != nil {
		return nil, err
	}
	cutoff := q.now.AddDate(0, 0, -q.p.Int("days"))
	t := Table{Columns: []Column{
		{"computer", "Computer", TypeString},
		{"os", "Operating system", TypeString},
		{"last_inventory", "Last inventory", TypeTime},
		{"days", "Days without inventory", TypeInt},
		{"last_checkin", "Last check-in", TypeTime},
	}, Rows: [][]any{}}
	counts := map[string]int64{}
	for _, a := range agents {
		if a.Revoked || (a.Inventory != nil && !a.Inventory.Before(cutoff)) {
			continue
		}
		var days any
		label := "never"
		if a.Inventory != nil {
			n := int64(q.now.Sub(*a.Inventory) / (24 * time.Hour))
			days, label = n, ageBucket(n)
		}
		counts[label]++
		t.Rows = append(t.Rows, []any{a.Name, a.OS, timeCell(a.Inventory), days, timeCell(a.Checkin)})
	}
	res := &Result{Table: t, Chart: stateCountChart("Computers by time without inventory", counts, []string{"under 30 days", "30 to 90 days", "over 90 days", "never"})}
	res.Chart.Data.Columns[0].Title = "Without inventory"
	res.Summary = []Fact{{"Not reporting", fmt.Sprint(len(t.Rows))}, {"Cut-off", cutoff.Format("2006-01-02 15:04Z")}}
	return res, nil
}

func ageBucket(days int64) string {
	switch {
	case days < 30:
		return "under 30 days"
	case days <= 90:
		return "30 to 90 days"
	}
	return "over 90 days"
}

func agentVersions(ctx context.Context, q query) (*Result, error) {
	var rows []struct {
		Version string
		N       int64
	}
	if err := q.store.DB.WithContext(ctx).Raw(`SELECT agent_version AS version, COUNT(*) AS n
		FROM computers WHERE NOT revoked GROUP BY agent_version ORDER BY n DESC, agent_version`).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count agent versions: %w", err)
	}
	t := Table{Columns: []Column{{"version", "Agent version", TypeString}, {"computers", "Computers", TypeInt}}, Rows: [][]any{}}
	var total int64
	for _, r := range rows {
		v := r.Version
		if v == "" {
			v = "(not reported)"
		}
		total += r.N
		t.Rows = append(t.Rows, []any{v, r.N})
	}
	res := &Result{Table: t, Chart: &Chart{Kind: ChartPie, Title: "Computers by agent version", Label: "version", Values: []string{"computers"}, Data: t}}
	res.Summary = []Fact{{"Computers", fmt.Sprint(total)}, {"Versions", fmt.Sprint(len(rows))}}
	return res, nil
}

func vulnerabilitySummary(ctx context.Context, q query) (*Result, error) {
	// The worst severity a computer misses is the highest rank among its missing rows; computers
	// with an inventory that miss nothing, and computers never evaluated, are their own lines.
	var rows []struct {
		Rank int
		N    int64
		M    int64
	}
	err := q.store.DB.WithContext(ctx).Raw(`SELECT rank, COUNT(*) AS n, SUM(missing) AS m FROM (
		SELECT cc.computer_id, cc.missing,
			COALESCE((SELECT MAX(b.severity_rank) FROM compliance c JOIN bulletins b ON b.id = c.bulletin_id
				WHERE c.computer_id = cc.computer_id AND c.state = 3), -1) AS rank
		FROM compliance_computers cc) GROUP BY rank ORDER BY rank DESC`).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("summarise vulnerabilities: %w", err)
	}
	var never int64
	if err := q.store.DB.WithContext(ctx).Raw(`SELECT COUNT(*) FROM computers k WHERE NOT k.revoked
		AND NOT EXISTS (SELECT 1 FROM compliance_computers cc WHERE cc.computer_id = k.id)`).Row().Scan(&never); err != nil {
		return nil, fmt.Errorf("count computers never evaluated: %w", err)
	}
	ranks, err := severityNamesByRank(ctx, q.store)
	if err != nil {
		return nil, err
	}
	t := Table{Columns: []Column{{"worst", "Most severe missing", TypeString}, {"computers", "Computers", TypeInt}, {"missing", "Missing updates", TypeInt}}, Rows: [][]any{}}
	for _, r := range rows {
		name := ranks[r.Rank]
		switch {
		case r.Rank < 0:
			name = "nothing missing"
		case name == "":
			name = "(no severity)"
		}
		t.Rows = append(t.Rows, []any{name, r.N, r.M})
	}
	if never > 0 {
		t.Rows = append(t.Rows, []any{"not evaluated (no inventory yet)", never, nil})
	}
	res := &Result{Table: t, Chart: &Chart{Kind: ChartPie, Title: "Computers by most severe missing update", Label: "worst", Values: []string{"computers"}, Data: t}}
	return res, nil
}

// severityNamesByRank maps the stored severity_rank values back to vendor severity names.
func severityNamesByRank(ctx context.Context, store *model.Store) (map[int]string, error) {
	var rows []struct {
		Rank     int
		Severity string
	}
	if err := store.DB.WithContext(ctx).Raw(`SELECT DISTINCT severity_rank AS rank, severity FROM bulletins`).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("read severity ranks: %w", err)
	}
	out := map[int]string{}
	for _, r := range rows {
		out[r.Rank] = r.Severity
	}
	return out, nil
}
