package rules

import (
	"strings"
	"unicode"
)

// CompareVersions orders two dotted version strings: -1 when a < b, 0 when equal, +1 when a > b.
//
// Vendors write versions in many ways ("8.0.4710.9", "2.10.38.1", "19.00", "0.76.0.0",
// "10.0.17763.5329", "3.0.21"), so the comparison is deliberately forgiving: segments split at
// '.', '-', '_' and '+'; a segment is compared run by run, digit runs as numbers (leading zeros
// ignored, no overflow on long runs) and letter runs case-insensitively; missing trailing
// segments count as zero, so "1.2" equals "1.2.0". A letter run sorts below a digit run in the
// same place, which puts "1.0-rc1" below "1.0.1".
func CompareVersions(a, b string) int {
	as, bs := splitVersion(a), splitVersion(b)
	for i := 0; i < max(len(as), len(bs)); i++ {
		var x, y string
		if i < len(as) {
			x = as[i]
		}
		if i < len(bs) {
			y = bs[i]
		}
		if c := compareSegment(x, y); c != 0 {
			return c
		}
	}
	return 0
}

func splitVersion(v string) []string {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(strings.TrimPrefix(v, "v"), "V")
	return strings.FieldsFunc(v, func(r rune) bool { return r == '.' || r == '-' || r == '_' || r == '+' })
}

// compareSegment compares one segment; an empty segment behaves like "0".
func compareSegment(x, y string) int {
	if x == "" {
		x = "0"
	}
	if y == "" {
		y = "0"
	}
	xr, yr := runs(x), runs(y)
	for i := 0; i < max(len(xr), len(yr)); i++ {
		switch {
		case i >= len(xr):
			if isDigits(yr[i]) && trimZeros(yr[i]) == "" {
				continue
			}
			return -1
		case i >= len(yr):
			if isDigits(xr[i]) && trimZeros(xr[i]) == "" {
				continue
			}
			return 1
		}
		if c := compareRun(xr[i], yr[i]); c != 0 {
			return c
		}
	}
	return 0
}

func compareRun(x, y string) int {
	xd, yd := isDigits(x), isDigits(y)
	switch {
	case xd && yd:
		x, y = trimZeros(x), trimZeros(y)
		if len(x) != len(y) {
			if len(x) < len(y) {
				return -1
			}
			return 1
		}
		return strings.Compare(x, y)
	case xd:
		return 1
	case yd:
		return -1
	}
	return strings.Compare(strings.ToLower(x), strings.ToLower(y))
}

// runs splits "12rc3" into "12", "rc", "3".
func runs(s string) []string {
	var out []string
	start, prevDigit := 0, false
	for i, r := range s {
		d := unicode.IsDigit(r)
		if i > start && d != prevDigit {
			out = append(out, s[start:i])
			start = i
		}
		prevDigit = d
	}
	return append(out, s[start:])
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func trimZeros(s string) string { return strings.TrimLeft(s, "0") }
