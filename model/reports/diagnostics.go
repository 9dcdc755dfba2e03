package reports

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"patchdesk/model"
)

// importJob is the job that writes the catalog (package jobs names it; model may not import jobs).
const importJob = "import-catalog"

// The Diagnostics folder. Agent installation status, computers not reporting and agent versions
// join it with the computers' inventory data.
func init() {
	register(&Report{
		Name: "diagnostics-catalog", Title: "Catalog version and last import", Category: Diagnostics,
		Description: "The catalog's version, its contents and the source units it was imported from, with the last import run.",
		run:         catalogDiagnostics,
	})
	register(&Report{
		Name: "diagnostics-job-history", Title: "Server job history", Category: Diagnostics,
		Description: "Runs of the server jobs (catalog import, maintenance, …) with their outcome, charted by job and outcome.",
		Params: []Param{
			{Name: "job", Title: "Job", Kind: KindChoice, Choices: []string{""}, Help: "only this job (empty: all)",
				Lookup: func(ctx context.Context, s *model.Store) ([]string, error) {
					var jobs []string
					err := s.DB.WithContext(ctx).Model(&model.JobRun{}).Distinct("job").Order("job").Pluck("job", &jobs).Error
					return jobs, err
				}},
			{Name: "days", Title: "Days", Kind: KindInt, Default: "30", Min: 1, Max: 3650, Help: "how many days back"},
			{Name: "outcome", Title: "Outcome", Kind: KindChoice, Choices: append([]string{""}, outcomes...), Help: "only runs with this outcome (empty: all)"},
		},
		run: jobHistory,
	})
}

// CatalogVersion names the imported catalog: a digest over every source unit's content digest,
// so it changes exactly when an import changed what the catalog was built from. Two hosts with
// the same version hold the same catalog.
func CatalogVersion(sources []model.CatalogSource) string {
	if len(sources) == 0 {
		return ""
	}
	keys := make([]string, len(sources))
	for i, s := range sources {
		keys[i] = s.Location + "\x00" + s.Unit + "\x00" + s.Digest
	}
	slices.Sort(keys)
	h := sha256.Sum256([]byte(strings.Join(keys, "\n")))
	return hex.EncodeToString(h[:6])
}

func catalogDiagnostics(ctx context.Context, q query) (*Result, error) {
	s := q.store
	sources, err := s.CatalogSources(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := s.CatalogCounts(ctx)
	if err != nil {
		return nil, err
	}
	db := s.DB.WithContext(ctx)
	var revised []time.Time
	if err := db.Model(&model.Bulletin{}).Order("revised DESC").Limit(1).Pluck("revised", &revised).Error; err != nil {
		return nil, fmt.Errorf("read newest revision: %w", err)
	}
	var last, lastOK []model.JobRun
	if err := db.Where("job = ?", importJob).Order("started_at DESC, id DESC").Limit(1).Find(&last).Error; err != nil {
		return nil, fmt.Errorf("read last import: %w", err)
	}
	if err := db.Where("job = ? AND outcome = ?", importJob, model.OutcomeSucceeded).Order("started_at DESC, id DESC").Limit(1).Find(&lastOK).Error; err != nil {
		return nil, fmt.Errorf("read last successful import: %w", err)
	}

	version := CatalogVersion(sources)
	if version == "" {
		version = "none: no catalog was imported"
	}
	res := &Result{Summary: []Fact{
		{"Catalog version", version},
		{"Contents", fmt.Sprintf("%d bulletins, %d updates, %d vendors", counts.Bulletins, counts.Updates, counts.Vendors)},
		{"Source units", fmt.Sprint(len(sources))},
	}}
	if len(revised) == 1 && !revised[0].IsZero() {
		res.Summary = append(res.Summary, Fact{"Newest bulletin revision", revised[0].UTC().Format(time.DateOnly)})
	}
	res.Summary = append(res.Summary, Fact{"Last import", describeRun(last)}, Fact{"Last successful import", describeRun(lastOK)})

	res.Columns = []Column{
		{"location", "Location", TypeString},
		{"unit", "Unit", TypeString},
		{"bulletins", "Bulletins", TypeInt},
		{"digest", "Digest", TypeString},
		{"imported_at", "Imported", TypeTime},
	}
	perLocation := map[string]int64{}
	for _, src := range sources {
		res.Rows = append(res.Rows, []any{src.Location, src.Unit, int64(src.Bulletins), shortDigest(src.Digest), src.ImportedAt.UTC()})
		perLocation[src.Location] += int64(src.Bulletins)
	}
	data := Table{Columns: []Column{{"location", "Location", TypeString}, {"bulletins", "Bulletins", TypeInt}}}
	locations := slices.Collect(maps.Keys(perLocation))
	sortByCount(locations, perLocation)
	for _, l := range locations {
		data.Rows = append(data.Rows, []any{l, perLocation[l]})
	}
	res.Chart = &Chart{Kind: ChartBar, Title: "Bulletins by catalog location", Label: "location", Values: []string{"bulletins"}, Data: data}
	return res, nil
}

func shortDigest(d string) string {
	d = strings.TrimPrefix(d, "sha256:")
	if len(d) > 16 {
		return d[:16]
	}
	return d
}

func describeRun(runs []model.JobRun) string {
	if len(runs) == 0 {
		return "never"
	}
	r := runs[0]
	text := fmt.Sprintf("%s, %s", r.StartedAt.UTC().Format("2006-01-02 15:04:05Z"), r.Outcome)
	if r.EndedAt != nil {
		text += fmt.Sprintf(" after %s", r.EndedAt.Sub(r.StartedAt).Round(time.Second))
	}
	if r.Message != "" {
		text += ": " + r.Message
	}
	return text
}

// outcomes are the job run outcomes in the order charts stack them, with their colours.
var (
	outcomes      = []string{model.OutcomeSucceeded, model.OutcomeFailed, model.OutcomeCancelled, model.OutcomeInterrupted, model.OutcomeRunning}
	outcomeColors = map[string]string{model.OutcomeSucceeded: ColorSuccess, model.OutcomeFailed: ColorError,
		model.OutcomeCancelled: ColorNeutral, model.OutcomeInterrupted: ColorWarning, model.OutcomeRunning: ColorPrimary}
)

func jobHistory(ctx context.Context, q query) (*Result, error) {
	since := startOfDay(q.now).AddDate(0, 0, 1-q.p.Int("days"))
	db := q.store.DB.WithContext(ctx).Where("started_at >= ?", since)
	if j := q.p["job"]; j != "" {
		db = db.Where("job = ?", j)
	}
	if o := q.p["outcome"]; o != "" {
		db = db.Where("outcome = ?", o)
	}
	var runs []model.JobRun
	if err := db.Order("started_at DESC, id DESC").Find(&runs).Error; err != nil {
		return nil, fmt.Errorf("list job runs: %w", err)
	}
	res := &Result{}
	res.Columns = []Column{
		{"started", "Started", TypeTime},
		{"job", "Job", TypeString},
		{"trigger", "Trigger", TypeString},
		{"outcome", "Outcome", TypeString},
		{"seconds", "Duration (s)", TypeFloat},
		{"host", "Host", TypeString},
		{"counts", "Counts", TypeString},
		{"message", "Message", TypeString},
	}
	perJob := map[string]map[string]int64{}
	var jobs []string
	for _, r := range runs {
		var secs any
		if r.EndedAt != nil {
			secs = r.EndedAt.Sub(r.StartedAt).Round(time.Millisecond).Seconds()
		}
		res.Rows = append(res.Rows, []any{r.StartedAt.UTC(), r.Job, r.Trigger, r.Outcome, secs, r.Host, countsText(r.DecodeCounts()), r.Message})
		if perJob[r.Job] == nil {
			perJob[r.Job] = map[string]int64{}
			jobs = append(jobs, r.Job)
		}
		perJob[r.Job][r.Outcome]++
	}
	slices.Sort(jobs)
	var failed int64
	data := Table{Columns: []Column{{"job", "Job", TypeString}}}
	var series, colors []string
	for _, o := range outcomes {
		var n int64
		for _, j := range jobs {
			n += perJob[j][o]
		}
		if n == 0 {
			continue
		}
		if o == model.OutcomeFailed {
			failed = n
		}
		data.Columns = append(data.Columns, Column{o, o, TypeInt})
		series = append(series, o)
		colors = append(colors, outcomeColors[o])
	}
	for _, j := range jobs {
		row := []any{j}
		for _, o := range series {
			row = append(row, perJob[j][o])
		}
		data.Rows = append(data.Rows, row)
	}
	res.Summary = []Fact{{"Runs", fmt.Sprint(len(runs))}, {"Failed", fmt.Sprint(failed)}, {"Since", since.Format(time.DateOnly)}}
	res.Chart = &Chart{Kind: ChartBar, Title: "Job runs by outcome", Label: "job", Values: series, Colors: colors, Data: data}
	return res, nil
}

func countsText(m map[string]int64) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, " ")
}
