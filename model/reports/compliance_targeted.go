package reports

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Targeted computers, the last drill-down of the guide's Table 7-3 from a bulletin row: the
// computers that the bulletin's policies reach, i.e. the members of their targets as last
// computed (update-targets), with the bulletin's compliance state on each. A computer in two of
// the policies' targets is listed once.
var bulletinTargetedComputers = &Report{
	Name: "bulletin-targeted-computers", Title: "Targeted computers", Category: Compliance,
	Description: "The computers in the targets of the policies that distribute one bulletin, with the bulletin's state on each.",
	Params: []Param{
		{Name: "bulletin", Title: "Bulletin", Kind: KindString, Help: "the bulletin's id (required)"},
	},
	run: bulletinTargeted,
}

// TargetedParams are the parameters that open bulletin-targeted-computers for a bulletin row.
func TargetedParams(bulletin string) Values { return Values{"bulletin": bulletin} }

// The bulletin's state on a computer it has no compliance row for.
const (
	stateNotApplicable = "not_applicable"
	stateNoInventory   = "no_inventory"
)

func bulletinTargeted(ctx context.Context, q query) (*Result, error) {
	id := strings.TrimSpace(q.p["bulletin"])
	if id == "" {
		return nil, fmt.Errorf("%w: bulletin: give a bulletin id", ErrBadParam)
	}
	if _, err := q.store.Bulletin(ctx, id); err != nil {
		return nil, err
	}
	// One row per computer × policy × target; the names are gathered in Go because SQLite's
	// GROUP_CONCAT(DISTINCT …) cannot take a separator, and names may hold commas.
	// Target names compare without case, as the targets table stores them (delivery_assign.go).
	const sql = `SELECT k.id, k.name, k.os_name, k.last_inventory_at, p.name, p.enabled, t.name,
		(SELECT MAX(c.state) FROM compliance c WHERE c.computer_id = k.id AND c.bulletin_id = pb.bulletin_id)
		FROM policy_bulletins pb
		JOIN policies p ON p.id = pb.policy_id
		JOIN policy_targets pt ON pt.policy_id = p.id
		JOIN targets t ON t.name = pt.target COLLATE NOCASE
		JOIN target_members tm ON tm.target_id = t.id
		JOIN computers k ON k.id = tm.computer_id
		WHERE pb.bulletin_id = ?
		ORDER BY k.name, k.id, p.name, t.name`
	rows, err := q.store.DB.WithContext(ctx).Raw(sql, id).Rows()
	if err != nil {
		return nil, fmt.Errorf("list targeted computers of bulletin %s: %w", id, err)
	}
	defer rows.Close()
	type computer struct {
		name, os, state   string
		last              *time.Time
		policies, targets []string
	}
	var list []*computer
	byID := map[uint]*computer{}
	policies := map[string]bool{}
	for rows.Next() {
		var cid uint
		var name, os, policy, target string
		var enabled bool
		var last *time.Time
		var st *int
		if err := rows.Scan(&cid, &name, &os, &last, &policy, &enabled, &target, &st); err != nil {
			return nil, fmt.Errorf("list targeted computers of bulletin %s: %w", id, err)
		}
		c := byID[cid]
		if c == nil {
			c = &computer{name: name, os: os, last: last}
			switch {
			case st != nil:
				c.state = stateName(*st)
			case last == nil:
				c.state = stateNoInventory
			default:
				c.state = stateNotApplicable
			}
			byID[cid] = c
			list = append(list, c)
		}
		if !enabled {
			policy += " (disabled)"
		}
		policies[policy] = true
		if !slices.Contains(c.policies, policy) {
			c.policies = append(c.policies, policy)
		}
		if !slices.Contains(c.targets, target) {
			c.targets = append(c.targets, target)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list targeted computers of bulletin %s: %w", id, err)
	}
	t := Table{Columns: []Column{
		{"computer", "Computer", TypeString},
		{"os", "Operating system", TypeString},
		{"state", "State", TypeString},
		{"policies", "Policies", TypeString},
		{"targets", "Targets", TypeString},
		{"last_inventory", "Last inventory", TypeTime},
	}, Rows: [][]any{}}
	for _, c := range list {
		var at any
		if c.last != nil {
			at = c.last.UTC()
		}
		t.Rows = append(t.Rows, []any{c.name, c.os, c.state, strings.Join(c.policies, "; "), strings.Join(c.targets, "; "), at})
	}
	res := &Result{Table: t, Chart: countChart(t, ChartPie, "Targeted computers by state", "state", "State",
		[]string{"not_installed", "unknown", "installed", stateNotApplicable, stateNoInventory}, 0)}
	res.Chart.Data.Columns[1] = Column{"bulletins", "Computers", TypeInt}
	res.Summary = []Fact{{"Bulletin", id}, {"Policies", fmt.Sprint(len(policies))}, {"Computers targeted", fmt.Sprint(len(t.Rows))}}
	return res, nil
}
