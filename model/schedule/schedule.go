// Package schedule parses and prints the schedules that settings hold ("every 4h",
// "daily 01:00", "weekly mon,thu 02:30", "cron 0 3 * * 1-5", "manual") and the day/week-aware
// durations used beside them ("30m", "4h", "1w").
package schedule

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Kind says how a schedule repeats.
type Kind int

const (
	Manual Kind = iota // never runs by itself
	Every              // a fixed interval from the previous start
	Daily              // once a day at a time of day
	Weekly             // on some weekdays at a time of day
	Cron               // a five-field cron expression
)

// Spec is a parsed schedule.
type Spec struct {
	Kind   Kind
	Every  time.Duration
	Hour   int
	Minute int
	Days   []time.Weekday
	Cron   string
}

// MinInterval keeps an "every" schedule from hammering the database.
const MinInterval = time.Minute

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Parse reads a schedule in the settings' text form.
func Parse(s string) (Spec, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	word, rest, _ := strings.Cut(s, " ")
	rest = strings.TrimSpace(rest)
	switch word {
	case "manual", "never":
		if rest != "" {
			return Spec{}, fmt.Errorf("schedule %q: %q takes nothing after it", s, word)
		}
		return Spec{Kind: Manual}, nil
	case "every":
		d, err := ParseDuration(rest)
		if err != nil {
			return Spec{}, fmt.Errorf("schedule %q: %w", s, err)
		}
		if d < MinInterval {
			return Spec{}, fmt.Errorf("schedule %q: interval must be at least %s", s, FormatDuration(MinInterval))
		}
		return Spec{Kind: Every, Every: d}, nil
	case "daily":
		h, m, err := parseClock(rest)
		if err != nil {
			return Spec{}, fmt.Errorf("schedule %q: %w", s, err)
		}
		return Spec{Kind: Daily, Hour: h, Minute: m}, nil
	case "weekly":
		daysText, clock, ok := strings.Cut(rest, " ")
		if !ok {
			return Spec{}, fmt.Errorf("schedule %q: want \"weekly DAYS HH:MM\", e.g. \"weekly mon,thu 02:00\"", s)
		}
		days, err := parseDays(daysText)
		if err != nil {
			return Spec{}, fmt.Errorf("schedule %q: %w", s, err)
		}
		h, m, err := parseClock(strings.TrimSpace(clock))
		if err != nil {
			return Spec{}, fmt.Errorf("schedule %q: %w", s, err)
		}
		return Spec{Kind: Weekly, Days: days, Hour: h, Minute: m}, nil
	case "cron":
		if _, err := cronParser.Parse(rest); err != nil {
			return Spec{}, fmt.Errorf("schedule %q: cron expression: %w", s, err)
		}
		return Spec{Kind: Cron, Cron: strings.Join(strings.Fields(rest), " ")}, nil
	}
	return Spec{}, fmt.Errorf("schedule %q: start with manual, every, daily, weekly or cron", s)
}

// String is the canonical text form; Parse(spec.String()) gives spec back.
func (sp Spec) String() string {
	switch sp.Kind {
	case Every:
		return "every " + FormatDuration(sp.Every)
	case Daily:
		return fmt.Sprintf("daily %02d:%02d", sp.Hour, sp.Minute)
	case Weekly:
		names := make([]string, len(sp.Days))
		for i, d := range sp.Days {
			names[i] = dayNames[d]
		}
		return fmt.Sprintf("weekly %s %02d:%02d", strings.Join(names, ","), sp.Hour, sp.Minute)
	case Cron:
		return "cron " + sp.Cron
	}
	return "manual"
}

// Describe says the schedule in words for the GUI.
func (sp Spec) Describe() string {
	switch sp.Kind {
	case Every:
		return "Every " + FormatDuration(sp.Every)
	case Daily:
		return fmt.Sprintf("Daily at %02d:%02d", sp.Hour, sp.Minute)
	case Weekly:
		names := make([]string, len(sp.Days))
		for i, d := range sp.Days {
			names[i] = d.String()[:3]
		}
		return fmt.Sprintf("Weekly on %s at %02d:%02d", strings.Join(names, ", "), sp.Hour, sp.Minute)
	case Cron:
		return "Cron: " + sp.Cron
	}
	return "Manual only"
}

func parseClock(s string) (int, int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, 0, fmt.Errorf("time of day %q: want HH:MM (24-hour)", s)
	}
	return t.Hour(), t.Minute(), nil
}

func parseDays(s string) ([]time.Weekday, error) {
	var days []time.Weekday
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if len(part) < 3 {
			return nil, fmt.Errorf("weekday %q: use mon, tue, wed, thu, fri, sat or sun", part)
		}
		i := slices.Index(dayNames, part[:3])
		if i < 0 {
			return nil, fmt.Errorf("weekday %q: use mon, tue, wed, thu, fri, sat or sun", part)
		}
		if !slices.Contains(days, time.Weekday(i)) {
			days = append(days, time.Weekday(i))
		}
	}
	slices.Sort(days)
	return days, nil
}

// ParseDuration accepts Go durations ("90m", "4h") plus whole days and weeks ("7d", "1w"),
// which administrators use for retention periods.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.Atoi(n)
			if err != nil {
				return 0, fmt.Errorf("duration %q: want a whole number before %q", s, suffix)
			}
			if v < 0 {
				return 0, fmt.Errorf("duration %q must not be negative", s)
			}
			return time.Duration(v) * unit, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: use a number with s, m, h, d or w, e.g. 30m, 4h, 1w", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("duration %q must not be negative", s)
	}
	return d, nil
}

// FormatDuration prints the largest whole unit that fits ("1w", "30m"), or Go's form.
func FormatDuration(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d == 0:
		return "0s"
	case d%(7*day) == 0:
		return fmt.Sprintf("%dw", d/(7*day))
	case d%day == 0:
		return fmt.Sprintf("%dd", d/day)
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// Next tells when the schedule fires after now. For an interval schedule it counts from the last
// run (or from now when there was none). ok is false for a manual schedule.
func (sp Spec) Next(now, lastRun time.Time) (next time.Time, ok bool) {
	var expr string
	switch sp.Kind {
	case Manual:
		return time.Time{}, false
	case Every:
		if lastRun.IsZero() || lastRun.Add(sp.Every).Before(now) {
			return now.Add(sp.Every), true
		}
		return lastRun.Add(sp.Every), true
	case Daily:
		expr = fmt.Sprintf("%d %d * * *", sp.Minute, sp.Hour)
	case Weekly:
		days := make([]string, len(sp.Days))
		for i, d := range sp.Days {
			days[i] = strconv.Itoa(int(d))
		}
		expr = fmt.Sprintf("%d %d * * %s", sp.Minute, sp.Hour, strings.Join(days, ","))
	case Cron:
		expr = sp.Cron
	}
	c, err := cronParser.Parse(expr)
	if err != nil {
		return time.Time{}, false
	}
	return c.Next(now), true
}
