package reports

import (
	"context"
	"fmt"
	"math"
	"strings"

	"patchdesk/model"
)

// The Compliance folder: which computers miss which updates, counted by bulletin, update,
// computer and severity, and listed pair by pair (missing updates). Every report reads the
// stored compliance results (model/compliance*.go); nothing is evaluated here, so a report
// shows what the Remediation Center and the Computers screen show.
//
// The parameters are shared: target (only its members, as last computed), vendor, vendor
// severity, custom severity, release date range and whether superseded ones count.

// The folder's reports in the order the front ends list them: the guide's by-bulletin report
// first, the drill-down and the history last.
func init() {
	for _, r := range []*Report{complianceByBulletin, complianceByUpdate, complianceByComputer, complianceBySeverity,
		complianceMissing, complianceBulletinComputers, bulletinTargetedComputers, complianceHistory} {
		register(r)
	}
}

var (
	targetParam = Param{Name: "target", Title: "Target", Kind: KindChoice, Choices: []string{""},
		Help: "only computers in this target (empty: every computer)",
		Lookup: func(ctx context.Context, s *model.Store) ([]string, error) {
			ts, err := s.Targets(ctx)
			names := make([]string, len(ts))
			for i, t := range ts {
				names[i] = t.Name
			}
			return names, err
		}}
	releasedFromParam      = Param{Name: "released-from", Title: "Released from", Kind: KindDate, Help: "first release day included (YYYY-MM-DD)"}
	releasedToParam        = Param{Name: "released-to", Title: "Released to", Kind: KindDate, Help: "last release day included (YYYY-MM-DD)"}
	includeSupersededParam = Param{Name: "include-superseded", Title: "Include superseded", Kind: KindBool, Default: "true",
		Help: "count superseded bulletins and updates too"}
)

// complianceParams are the parameters every compliance report takes.
var complianceParams = []Param{targetParam, vendorParam, severityParam, customSeverityParam, releasedFromParam, releasedToParam, includeSupersededParam}

// scope is a compliance report's selection as SQL over the aliases b (bulletins), v (vendors)
// and cs (severity_levels); targetID is 0 for every computer.
type scope struct {
	where    []string
	args     []any
	targetID uint
	target   string
}

// cond is the WHERE clause (with a leading AND) of the bulletin conditions.
func (s scope) cond() string {
	if len(s.where) == 0 {
		return ""
	}
	return " AND " + strings.Join(s.where, " AND ")
}

// targetJoin restricts an alias's computer_id column to the target's members.
func (s scope) targetJoin(alias string) string {
	if s.targetID == 0 {
		return ""
	}
	return fmt.Sprintf(" JOIN target_members tm ON tm.computer_id = %s.computer_id AND tm.target_id = %d", alias, s.targetID)
}

// bulletinJoins joins the bulletin, vendor and custom severity of an alias's bulletin_id.
func bulletinJoins(alias string) string {
	return ` JOIN bulletins b ON b.id = ` + alias + `.bulletin_id
		JOIN vendors v ON v.id = b.vendor_id
		LEFT JOIN severity_levels cs ON cs.id = b.custom_severity_id`
}

// readScope turns the validated parameters into a scope; an unknown target is an error rather
// than an empty report, since a typo would otherwise read as "fully compliant".
func readScope(ctx context.Context, q query) (scope, error) {
	var s scope
	add := func(c string, a ...any) { s.where = append(s.where, c); s.args = append(s.args, a...) }
	if v := q.p["vendor"]; v != "" {
		add("v.name = ?", v)
	}
	switch sev := q.p["severity"]; {
	case sev == "none":
		add("b.severity = ''")
	case sev != "":
		add("lower(b.severity) = lower(?)", sev)
	}
	switch c := q.p["custom-severity"]; {
	case c == "none":
		add("b.custom_severity_id IS NULL")
	case c != "":
		add("lower(cs.name) = lower(?)", c)
	}
	if from := q.p.Date("released-from"); !from.IsZero() {
		add("b.released >= ?", from)
	}
	if to := q.p.Date("released-to"); !to.IsZero() {
		add("b.released < ?", to.AddDate(0, 0, 1))
	}
	if !q.p.Bool("include-superseded") {
		add("NOT b.superseded")
	}
	if name := q.p["target"]; name != "" {
		t, err := q.store.Target(ctx, name)
		if err != nil {
			return s, err // the store names the target
		}
		s.targetID, s.target = t.ID, t.Name
	}
	return s, nil
}

// scopeFacts are the summary lines that say what a compliance report counted.
func scopeFacts(s scope) []Fact {
	who := "every computer with an inventory"
	if s.targetID != 0 {
		who = "members of target " + s.target + " (as last computed)"
	}
	return []Fact{{"Computers", who}}
}

// percent is the installed share of the applicable computers, nil when nothing applies.
func percent(installed, applicable int64) any {
	if applicable == 0 {
		return nil
	}
	return math.Round(float64(installed)*1000/float64(applicable)) / 10
}

// stateColumns are the counted columns of the compliance reports, with their chart colours.
var (
	stateColumns = []Column{
		{"applicable", "Applicable", TypeInt},
		{"installed", "Installed", TypeInt},
		{"not_installed", "Not installed", TypeInt},
		{"unknown", "Unknown", TypeInt},
		{"compliance", "Compliance %", TypeFloat},
	}
	stateSeries = []string{"installed", "not_installed", "unknown"}
	stateColors = []string{ColorSuccess, ColorError, ColorWarning}
)

// stateChart charts the first top rows of t (already ordered, most missing first) as stacked
// installed / not installed / unknown bars labelled by the label column.
func stateChart(t Table, title, label string, top int) *Chart {
	data := Table{Columns: []Column{t.Columns[t.Col(label)]}}
	idx := []int{t.Col(label)}
	for _, name := range stateSeries {
		data.Columns = append(data.Columns, t.Columns[t.Col(name)])
		idx = append(idx, t.Col(name))
	}
	for r, row := range t.Rows {
		if top > 0 && r >= top {
			break
		}
		out := make([]any, len(idx))
		for i, c := range idx {
			out[i] = row[c]
		}
		data.Rows = append(data.Rows, out)
	}
	return &Chart{Kind: ChartBar, Title: title, Label: label, Values: stateSeries, Colors: stateColors, Data: data}
}
