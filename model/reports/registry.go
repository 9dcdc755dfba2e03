package reports

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"patchdesk/model"
)

// Category groups reports as the guide's report tree does (Reports > Software > Patch Management).
type Category string

// The guide's four report folders, in its order.
const (
	Compliance        Category = "Compliance"
	Diagnostics       Category = "Diagnostics"
	RemediationStatus Category = "Remediation status"
	SoftwareBulletins Category = "Software bulletins"
)

// Categories lists the report folders in the order front ends show them.
var Categories = []Category{Compliance, Diagnostics, RemediationStatus, SoftwareBulletins}

// Report is one registered report.
type Report struct {
	Name        string // stable: `patchdesk report NAME`, URLs, JSON
	Title       string
	Category    Category
	Description string
	Params      []Param
	run         func(ctx context.Context, q query) (*Result, error)
}

// query is what a report's run function works with.
type query struct {
	store *model.Store
	p     Values
	now   time.Time
}

// Run validates the parameters and runs the report against the store at the current time.
func (r *Report) Run(ctx context.Context, store *model.Store, params Values) (*Result, error) {
	return r.RunAt(ctx, store, params, time.Now())
}

// RunAt is Run with the time that relative parameters ("the last 30 days") count from, so a
// screen with its own clock and the tests get reports that do not move with the day.
func (r *Report) RunAt(ctx context.Context, store *model.Store, params Values, now time.Time) (*Result, error) {
	p, err := Validate(r.Params, params)
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", r.Name, err)
	}
	res, err := r.run(ctx, query{store: store, p: p, now: now.UTC()})
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", r.Name, err)
	}
	res.Report, res.Title, res.Category, res.Params, res.At = r.Name, r.Title, r.Category, p, now.UTC()
	if res.Rows == nil {
		res.Rows = [][]any{}
	}
	if res.Summary == nil {
		res.Summary = []Fact{}
	}
	return res, nil
}

var registry []*Report

// register adds a report; each report file registers its own in init, as model's migrations do.
func register(r *Report) {
	if r.Name == "" || r.run == nil || !slices.Contains(Categories, r.Category) {
		panic(fmt.Sprintf("reports: incomplete report %+v", r))
	}
	if Find(r.Name) != nil {
		panic("reports: " + r.Name + " registered twice")
	}
	registry = append(registry, r)
}

// All lists the reports by category (in Categories' order), then in the order they were
// registered, which puts each folder's broadest report first.
func All() []*Report {
	out := slices.Clone(registry)
	slices.SortStableFunc(out, func(a, b *Report) int {
		return slices.Index(Categories, a.Category) - slices.Index(Categories, b.Category)
	})
	return out
}

// Find returns the report with that name, or nil.
func Find(name string) *Report {
	for _, r := range registry {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// Lookup is Find with an error that lists the known names.
func Lookup(name string) (*Report, error) {
	if r := Find(name); r != nil {
		return r, nil
	}
	names := make([]string, 0, len(registry))
	for _, r := range All() {
		names = append(names, r.Name)
	}
	return nil, fmt.Errorf("no report %q (reports: %s): %w", name, strings.Join(names, ", "), model.ErrNotFound)
}
