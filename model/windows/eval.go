package windows

import "time"

// Period is one occurrence of a window: open from Start (inclusive) to End (exclusive).
type Period struct {
	Start, End time.Time
}

// Contains reports whether t falls in the period.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.Start) && t.Before(p.End) }

// horizon bounds the search for the next occurrence: every valid spec occurs at least once a
// month, so a year and a bit only matters for specs no caller can build.
const horizon = 400

// matches reports whether an occurrence of the window starts on the calendar day d (midnight in
// the computer's time zone).
func (sp Spec) matches(d time.Time) bool {
	if sp.Nth == 0 {
		for _, w := range sp.Days {
			if d.Weekday() == w {
				return true
			}
		}
		return false
	}
	a := d.AddDate(0, 0, -sp.Offset) // the anchor: the nth weekday itself
	if a.Weekday() != sp.Weekday {
		return false
	}
	if sp.Nth == Last {
		return a.AddDate(0, 0, 7).Month() != a.Month()
	}
	return (a.Day()-1)/7+1 == sp.Nth
}

// on is the occurrence that starts on day d. Times are built from the wall clock, so a window
// keeps its hours across daylight saving changes (and an hour that does not exist moves as
// time.Date moves it).
func (sp Spec) on(d time.Time) Period {
	y, m, day := d.Date()
	loc := d.Location()
	start := time.Date(y, m, day, sp.Start/60, sp.Start%60, 0, 0, loc)
	endDay := day
	if sp.End <= sp.Start {
		endDay++
	}
	return Period{Start: start, End: time.Date(y, m, endDay, sp.End/60, sp.End%60, 0, 0, loc)}
}

// Next is the occurrence open at t, or else the first one that opens after t, evaluated in t's
// location (the agent passes its local time). ok is false only for a spec that never occurs.
func (sp Spec) Next(t time.Time) (Period, bool) {
	y, m, d := t.Date()
	// Start the day before: an occurrence that began yesterday may still be open.
	day := time.Date(y, m, d-1, 0, 0, 0, 0, t.Location())
	for range horizon {
		if sp.matches(day) {
			if p := sp.on(day); p.End.After(t) {
				return p, true
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return Period{}, false
}

// Open reports whether the window is open at t.
func (sp Spec) Open(t time.Time) bool {
	p, ok := sp.Next(t)
	return ok && p.Contains(t)
}

// Set is a computer's windows: installation may proceed while any of them is open.
type Set []Spec

// Open reports whether one of the windows is open at t. An empty set restricts nothing.
func (s Set) Open(t time.Time) bool {
	if len(s) == 0 {
		return true
	}
	for _, sp := range s {
		if sp.Open(t) {
			return true
		}
	}
	return false
}

// Next is the period open at t that lasts longest, or else the one that opens first after t,
// across the set. Overlapping windows are not merged: a caller that waits for Start and checks
// Open then acts correctly either way.
func (s Set) Next(t time.Time) (Period, bool) {
	var best Period
	found := false
	for _, sp := range s {
		p, ok := sp.Next(t)
		if !ok {
			continue
		}
		switch {
		case !found:
			best, found = p, true
		case p.Contains(t) && best.Contains(t):
			if p.End.After(best.End) {
				best = p
			}
		case p.Contains(t) != best.Contains(t):
			if p.Contains(t) {
				best = p
			}
		case p.Start.Before(best.Start):
			best = p
		}
	}
	return best, found
}

// NextOpen is t itself when a window is open at t, else the start of the next window; with no
// windows it is t. ok is false when windows exist but none ever opens.
func (s Set) NextOpen(t time.Time) (time.Time, bool) {
	if len(s) == 0 {
		return t, true
	}
	p, ok := s.Next(t)
	if !ok {
		return time.Time{}, false
	}
	if p.Contains(t) {
		return t, true
	}
	return p.Start, true
}

// ParseSet parses several window texts; the error names the first bad one.
func ParseSet(texts []string) (Set, error) {
	out := make(Set, 0, len(texts))
	for _, t := range texts {
		sp, err := Parse(t)
		if err != nil {
			return nil, err
		}
		out = append(out, sp)
	}
	return out, nil
}
