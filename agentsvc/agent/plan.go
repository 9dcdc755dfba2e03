package agent

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"patchdesk/model/schedule"
)

// scanPlan is the System Assessment Scan schedule as the host last sent it.
type scanPlan struct {
	spec schedule.Spec
	cron cron.Schedule
}

func parsePlan(text string) (scanPlan, error) {
	sp, err := schedule.Parse(text)
	if err != nil {
		return scanPlan{}, fmt.Errorf("scan schedule from host: %w", err)
	}
	p := scanPlan{spec: sp}
	if sp.Kind == schedule.Cron {
		if p.cron, err = cron.ParseStandard(sp.Cron); err != nil {
			return scanPlan{}, fmt.Errorf("scan schedule from host: %w", err)
		}
	}
	return p, nil
}

// next is when the scan after one run at last is due, in local time; the zero time for a manual
// schedule. A computer that was off through a due time scans once when it comes back, not once
// per missed run.
func (p scanPlan) next(last time.Time) time.Time {
	sp := p.spec
	switch sp.Kind {
	case schedule.Every:
		return last.Add(sp.Every)
	case schedule.Daily, schedule.Weekly:
		l := last.Local()
		t := time.Date(l.Year(), l.Month(), l.Day(), sp.Hour, sp.Minute, 0, 0, time.Local)
		for !t.After(l) || (sp.Kind == schedule.Weekly && !containsDay(sp.Days, t.Weekday())) {
			t = t.AddDate(0, 0, 1)
		}
		return t
	case schedule.Cron:
		return p.cron.Next(last.Local())
	}
	return time.Time{}
}

func containsDay(days []time.Weekday, d time.Weekday) bool {
	for _, x := range days {
		if x == d {
			return true
		}
	}
	return false
}
