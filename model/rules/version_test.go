package rules

import "testing"

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.2.10", "1.2.9", 1},
		{"1.2.9", "1.2.10", -1},
		{"1.2", "1.2.0", 0},
		{"1.2.0.0", "1.2", 0},
		{"8.0.4710.9", "8.0.291", 1}, // Oracle JRE winget versions
		{"2.10.38.1", "2.10.38", 1},
		{"2.10.38.1", "2.10.22", 1},
		{"19.00", "25.01", -1},
		{"19.00", "19.0", 0},
		{"0.76.0.0", "0.83.0.0", -1},
		{"10.0.17763.5329", "10.0.17763.5328", 1},
		{"10.0.17763.999", "10.0.17763.5329", -1},
		{"3.12.10", "3.12.0", 1},
		{"138.0.7204.101", "106.0.5249.119", 1},
		{"1.0-rc1", "1.0.1", -1},
		{"1.0a", "1.0b", -1},
		{"v2.0", "2.0", 0},
		{"", "0", 0},
		{"99999999999999999999999.1", "99999999999999999999998.9", 1},
		{"1.02", "1.2", 0},
	}
	for _, tt := range tests {
		if got := CompareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := CompareVersions(tt.b, tt.a); got != -tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d (antisymmetry)", tt.b, tt.a, got, -tt.want)
		}
	}
}

func FuzzCompareVersions(f *testing.F) {
	for _, s := range []string{"1.2.10", "8.0.4710.9", "19.00", "1.0-rc1", "", "v2", "1..2", "ä.1"} {
		f.Add(s, "1.2.9")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if CompareVersions(a, b) != -CompareVersions(b, a) {
			t.Fatalf("not antisymmetric for %q, %q", a, b)
		}
		if CompareVersions(a, a) != 0 {
			t.Fatalf("%q differs from itself", a)
		}
	})
}
