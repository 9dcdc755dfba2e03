// Package windows evaluates maintenance windows: recurring time periods in which software
// updates may be installed and computers restarted (guide chapter 5, "About software update
// policies and maintenance windows"). The host stores windows as text and sends them to agents,
// and the agent evaluates them on its own clock in its own time zone, so this package has no
// database and no host dependencies and builds for every agent platform.
package windows

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Spec is one recurring window: on certain days (days of the week, or the nth weekday of the
// month plus an offset in days, e.g. "Patch Tuesday + 3 days") from Start to End, minutes after
// midnight in the computer's time zone. An End at or before Start ends the next day, so a window
// may run across midnight; equal Start and End mean the whole day.
type Spec struct {
	Days []time.Weekday // weekly windows; empty for monthly ones
	// Monthly windows: the Nth (1-4, or Last) Weekday of the month, shifted by Offset days.
	Nth     int
	Weekday time.Weekday
	Offset  int
	Start   int // minutes after midnight
	End     int
}

// Last is the Nth of "the last weekday of the month".
const Last = -1

// MaxOffset bounds a monthly window's offset: a month's worth of days either way keeps the
// window in one predictable place relative to its anchor.
const MaxOffset = 27

var dayNames = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday,
	"wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

var nthNames = map[string]int{"1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3, "4th": 4, "fourth": 4, "last": Last}

// Parse reads a window text:
//
//	daily 22:00-04:00
//	mon,wed,fri 20:00-23:00
//	sat-sun 00:00-00:00          (the whole of both days)
//	2nd tue 22:00-02:00          (Patch Tuesday)
//	2nd tue +3 01:00-05:00       (Patch Tuesday + 3 days)
//	last fri -1 18:00-22:00
func Parse(text string) (Spec, error) {
	f := strings.Fields(strings.ToLower(strings.TrimSpace(text)))
	if len(f) < 2 {
		return Spec{}, fmt.Errorf("maintenance window %q: want DAYS START-END, e.g. \"sat 22:00-04:00\" or \"2nd tue +3 01:00-05:00\"", text)
	}
	var sp Spec
	var err error
	if sp.Start, sp.End, err = parseRange(f[len(f)-1]); err != nil {
		return Spec{}, fmt.Errorf("maintenance window %q: %w", text, err)
	}
	days := f[:len(f)-1]
	if n, ok := nthNames[days[0]]; ok {
		err = sp.parseMonthly(n, days[1:])
	} else {
		if len(days) != 1 {
			return Spec{}, fmt.Errorf("maintenance window %q: days are one list without spaces, e.g. mon,wed,fri", text)
		}
		sp.Days, err = parseDays(days[0])
	}
	if err != nil {
		return Spec{}, fmt.Errorf("maintenance window %q: %w", text, err)
	}
	return sp, nil
}

func (sp *Spec) parseMonthly(n int, rest []string) error {
	// "tue+3" and "tue +3" both read as the weekday and its offset.
	if len(rest) == 1 {
		if i := strings.IndexAny(rest[0], "+-"); i > 0 {
			rest = []string{rest[0][:i], rest[0][i:]}
		}
	}
	if len(rest) == 0 || len(rest) > 2 {
		return errors.New("a monthly window is NTH WEEKDAY [+/-DAYS], e.g. 2nd tue +3")
	}
	wd, ok := dayNames[rest[0]]
	if !ok {
		return fmt.Errorf("%q is not a weekday (sun, mon, tue, wed, thu, fri, sat)", rest[0])
	}
	sp.Nth, sp.Weekday = n, wd
	if len(rest) == 2 {
		off, err := strconv.Atoi(rest[1])
		if err != nil || (rest[1][0] != '+' && rest[1][0] != '-') {
			return fmt.Errorf("offset %q: want +N or -N days", rest[1])
		}
		if off < -MaxOffset || off > MaxOffset {
			return fmt.Errorf("offset %d: at most %d days either way", off, MaxOffset)
		}
		sp.Offset = off
	}
	return nil
}

func parseDays(s string) ([]time.Weekday, error) {
	if s == "daily" || s == "*" {
		return []time.Weekday{0, 1, 2, 3, 4, 5, 6}, nil
	}
	var out []time.Weekday
	for part := range strings.SplitSeq(s, ",") {
		from, to, isRange := strings.Cut(part, "-")
		a, ok := dayNames[from]
		if !ok {
			return nil, fmt.Errorf("%q is not a weekday (sun, mon, tue, wed, thu, fri, sat, or daily)", from)
		}
		b := a
		if isRange {
			if b, ok = dayNames[to]; !ok {
				return nil, fmt.Errorf("%q is not a weekday", to)
			}
		}
		for d := a; ; d = (d + 1) % 7 {
			out = append(out, d)
			if d == b {
				break
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func parseRange(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, fmt.Errorf("time range %q: want START-END, e.g. 22:00-04:00", s)
	}
	start, err := parseClock(a)
	if err != nil {
		return 0, 0, err
	}
	end, err := parseClock(b)
	if err != nil {
		return 0, 0, err
	}
	return start, end, nil
}

func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("time %q: want HH:MM (24-hour)", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// String is the canonical text, which Parse reads back.
func (sp Spec) String() string {
	var days string
	switch {
	case sp.Nth != 0:
		days = nthText(sp.Nth) + " " + shortDay(sp.Weekday)
		if sp.Offset != 0 {
			days += fmt.Sprintf(" %+d", sp.Offset)
		}
	case len(sp.Days) == 7:
		days = "daily"
	default:
		names := make([]string, len(sp.Days))
		for i, d := range sp.Days {
			names[i] = shortDay(d)
		}
		days = strings.Join(names, ",")
	}
	return fmt.Sprintf("%s %s-%s", days, clock(sp.Start), clock(sp.End))
}

// Describe says it in words, for lists: "2nd Tuesday of the month + 3 days, 01:00–05:00".
func (sp Spec) Describe() string {
	var days string
	switch {
	case sp.Nth != 0:
		days = nthText(sp.Nth) + " " + sp.Weekday.String() + " of the month"
		if sp.Offset != 0 {
			days += fmt.Sprintf(" %+d days", sp.Offset)
			days = strings.Replace(days, " +", " + ", 1)
			days = strings.Replace(days, " -", " − ", 1)
		}
	case len(sp.Days) == 7:
		days = "every day"
	default:
		names := make([]string, len(sp.Days))
		for i, d := range sp.Days {
			names[i] = d.String()
		}
		days = strings.Join(names, ", ")
	}
	span := clock(sp.Start) + "–" + clock(sp.End)
	if sp.End <= sp.Start {
		span += " (next day)"
		if sp.End == sp.Start {
			span = "all day"
		}
	}
	return days + ", " + span
}

func nthText(n int) string {
	if n == Last {
		return "last"
	}
	return [...]string{"", "1st", "2nd", "3rd", "4th"}[n]
}

func shortDay(d time.Weekday) string { return strings.ToLower(d.String()[:3]) }

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }
