package windows

import (
	"testing"
	"time"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s: %v", name, err)
	}
	return loc
}

func TestParseRoundTrip(t *testing.T) {
	cases := []struct{ in, want, describe string }{
		{"daily 22:00-04:00", "daily 22:00-04:00", "every day, 22:00–04:00 (next day)"},
		{"Mon,Wed,Fri 20:00-23:00", "mon,wed,fri 20:00-23:00", "Monday, Wednesday, Friday, 20:00–23:00"},
		{"sat-sun 00:00-00:00", "sun,sat 00:00-00:00", "Sunday, Saturday, all day"},
		{"fri-mon 01:00-02:00", "sun,mon,fri,sat 01:00-02:00", "Sunday, Monday, Friday, Saturday, 01:00–02:00"},
		{"2nd tue 22:00-02:00", "2nd tue 22:00-02:00", "2nd Tuesday of the month, 22:00–02:00 (next day)"},
		{"2nd tue +3 01:00-05:00", "2nd tue +3 01:00-05:00", "2nd Tuesday of the month + 3 days, 01:00–05:00"},
		{"second tue+3 01:00-05:00", "2nd tue +3 01:00-05:00", "2nd Tuesday of the month + 3 days, 01:00–05:00"},
		{"last fri -1 18:00-22:00", "last fri -1 18:00-22:00", "last Friday of the month − 1 days, 18:00–22:00"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			sp, err := Parse(c.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.in, err)
			}
			if got := sp.String(); got != c.want {
				t.Errorf("Parse(%q).String() = %q, want %q", c.in, got, c.want)
			}
			if got := sp.Describe(); got != c.describe {
				t.Errorf("Parse(%q).Describe() = %q, want %q", c.in, got, c.describe)
			}
			again, err := Parse(sp.String())
			if err != nil || again.String() != c.want {
				t.Errorf("Parse(String()) = %q, %v", again.String(), err)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"", "22:00-04:00", "mon", "mon 22:00", "mon 25:00-26:00", "xyz 01:00-02:00",
		"mon, tue 01:00-02:00", "5th tue 01:00-02:00", "2nd xyz 01:00-02:00", "2nd tue 3 01:00-02:00",
		"2nd tue +40 01:00-02:00", "2nd tue +3 +4 01:00-02:00", "2nd 01:00-02:00"} {
		if sp, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %q, want an error", in, sp.String())
		}
	}
}

func TestNextAndOpen(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	tokyo := mustLoc(t, "Asia/Tokyo")
	at := func(loc *time.Location, s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name, spec string
		loc        *time.Location
		now        string
		open       bool
		start, end string
	}{
		// July 2025: Tuesdays 1, 8, 15; Patch Tuesday is the 8th, + 3 days is Friday the 11th.
		{"patch tuesday +3 before", "2nd tue +3 01:00-05:00", ny, "2025-07-01 12:00", false, "2025-07-11 01:00", "2025-07-11 05:00"},
		{"patch tuesday +3 inside", "2nd tue +3 01:00-05:00", ny, "2025-07-11 03:00", true, "2025-07-11 01:00", "2025-07-11 05:00"},
		{"patch tuesday +3 end is exclusive", "2nd tue +3 01:00-05:00", ny, "2025-07-11 05:00", false, "2025-08-15 01:00", "2025-08-15 05:00"},
		// The offset carries the window into the next month: 2nd Tue of Sept 2025 is the 9th, +27 = Oct 6.
		{"offset across months", "2nd tue +27 01:00-02:00", ny, "2025-09-30 00:00", false, "2025-10-06 01:00", "2025-10-06 02:00"},
		{"negative offset", "last fri -1 18:00-22:00", ny, "2025-07-01 00:00", false, "2025-07-24 18:00", "2025-07-24 22:00"},
		{"overnight, open since yesterday", "sat 22:00-04:00", ny, "2025-07-06 03:59", true, "2025-07-05 22:00", "2025-07-06 04:00"},
		{"overnight, just closed", "sat 22:00-04:00", ny, "2025-07-06 04:00", false, "2025-07-12 22:00", "2025-07-13 04:00"},
		{"all day", "sun 00:00-00:00", ny, "2025-07-06 23:59", true, "2025-07-06 00:00", "2025-07-07 00:00"},
		{"daily later today", "daily 20:00-21:00", tokyo, "2025-07-06 19:00", false, "2025-07-06 20:00", "2025-07-06 21:00"},
		// Daylight saving starts 2025-03-09 02:00 in New York: the window keeps its wall-clock hours.
		{"across DST start", "sun 01:00-05:00", ny, "2025-03-09 00:30", false, "2025-03-09 01:00", "2025-03-09 05:00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sp, err := Parse(c.spec)
			if err != nil {
				t.Fatal(err)
			}
			now := at(c.loc, c.now)
			if got := sp.Open(now); got != c.open {
				t.Errorf("%q.Open(%s) = %v, want %v", c.spec, now, got, c.open)
			}
			p, ok := sp.Next(now)
			if !ok || !p.Start.Equal(at(c.loc, c.start)) || !p.End.Equal(at(c.loc, c.end)) {
				t.Errorf("%q.Next(%s) = %s–%s %v, want %s–%s", c.spec, now, p.Start, p.End, ok, c.start, c.end)
			}
		})
	}
	// A DST day is 23 hours long: the wall-clock window spans three real hours.
	sp, _ := Parse("sun 01:00-05:00")
	p, _ := sp.Next(at(ny, "2025-03-09 00:30"))
	if d := p.End.Sub(p.Start); d != 3*time.Hour {
		t.Errorf("window on the DST day lasts %s, want 3h", d)
	}
}

// The same instant is inside a window in one time zone and outside it in another: agents
// evaluate in their own zone.
func TestTimeZoneOfTheComputer(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	tokyo := mustLoc(t, "Asia/Tokyo")
	sp, _ := Parse("daily 22:00-23:00")
	instant := time.Date(2025, 7, 7, 2, 30, 0, 0, time.UTC) // 22:30 in New York, 11:30 in Tokyo
	if !sp.Open(instant.In(ny)) {
		t.Errorf("closed at %s, want open", instant.In(ny))
	}
	if sp.Open(instant.In(tokyo)) {
		t.Errorf("open at %s, want closed", instant.In(tokyo))
	}
}

func TestSet(t *testing.T) {
	utc := time.UTC
	set, err := ParseSet([]string{"sat 22:00-04:00", "daily 12:00-13:00", "wed 11:00-15:00"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		now   time.Time
		open  bool
		next  time.Time // NextOpen
		start time.Time // Next().Start
	}{
		{"before noon picks the earlier start", time.Date(2025, 7, 7, 9, 0, 0, 0, utc), false, time.Date(2025, 7, 7, 12, 0, 0, 0, utc), time.Date(2025, 7, 7, 12, 0, 0, 0, utc)},
		{"open now", time.Date(2025, 7, 7, 12, 30, 0, 0, utc), true, time.Date(2025, 7, 7, 12, 30, 0, 0, utc), time.Date(2025, 7, 7, 12, 0, 0, 0, utc)},
		{"two open: the longer one", time.Date(2025, 7, 9, 12, 30, 0, 0, utc), true, time.Date(2025, 7, 9, 12, 30, 0, 0, utc), time.Date(2025, 7, 9, 11, 0, 0, 0, utc)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := set.Open(c.now); got != c.open {
				t.Errorf("Open(%s) = %v, want %v", c.now, got, c.open)
			}
			if got, ok := set.NextOpen(c.now); !ok || !got.Equal(c.next) {
				t.Errorf("NextOpen(%s) = %s, want %s", c.now, got, c.next)
			}
			if p, ok := set.Next(c.now); !ok || !p.Start.Equal(c.start) {
				t.Errorf("Next(%s).Start = %s, want %s", c.now, p.Start, c.start)
			}
		})
	}
	var none Set
	now := time.Date(2025, 7, 7, 9, 0, 0, 0, utc)
	if !none.Open(now) {
		t.Error("an empty set must not restrict")
	}
	if got, ok := none.NextOpen(now); !ok || !got.Equal(now) {
		t.Errorf("empty NextOpen = %s %v, want now", got, ok)
	}
}
