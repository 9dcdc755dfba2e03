package rules

import (
	"strconv"
	"strings"

	"patchdesk/model/inventory"
)

// Tri is a three-valued truth: a test the inventory cannot answer is Unknown, never a silent
// false, so compliance can say "not reported" instead of "not applicable".
type Tri int8

const (
	Unknown Tri = iota
	False
	True
)

func (t Tri) String() string {
	switch t {
	case True:
		return "true"
	case False:
		return "false"
	}
	return "unknown"
}

// MarshalText lets a Tri travel in JSON as "true", "false" or "unknown".
func (t Tri) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

func tri(b bool) Tri {
	if b {
		return True
	}
	return False
}

// Eval evaluates the rule against an inventory with Kleene logic: all is false as soon as one
// child is false, otherwise unknown when one is unknown; any is true as soon as one child is
// true, otherwise unknown when one is unknown; not keeps unknown.
func (r Rule) Eval(inv *inventory.Inventory) Tri {
	switch r.Op {
	case All:
		out := True
		for _, c := range r.Rules {
			switch c.Eval(inv) {
			case False:
				return False
			case Unknown:
				out = Unknown
			}
		}
		return out
	case Any:
		out := False
		for _, c := range r.Rules {
			switch c.Eval(inv) {
			case True:
				return True
			case Unknown:
				out = Unknown
			}
		}
		return out
	case Not:
		if len(r.Rules) != 1 {
			return Unknown
		}
		switch r.Rules[0].Eval(inv) {
		case True:
			return False
		case False:
			return True
		}
		return Unknown
	case OS:
		return r.evalOS(inv.OS)
	case Arch:
		if inv.OS.Arch == "" {
			return Unknown
		}
		return tri(archIn(r.Values, NormalizeArch(inv.OS.Arch)))
	case Language:
		if len(inv.Languages) == 0 {
			return Unknown
		}
		for _, l := range inv.Languages {
			for _, want := range r.Values {
				if LanguageMatches(want, l) {
					return True
				}
			}
		}
		return False
	case Product:
		return r.evalProduct(inv.Software)
	case KB:
		if len(inv.KBs) == 0 {
			// An inventory without a single KB did not report them (every Windows has some).
			return Unknown
		}
		return tri(inv.HasKB(r.KB))
	case File:
		for _, f := range inv.Files {
			if strings.EqualFold(f.Path, r.Path) {
				return r.inRange(f.Version)
			}
		}
		return Unknown
	case Registry:
		for _, v := range inv.Registry {
			if strings.EqualFold(v.Key, r.Key) && strings.EqualFold(v.Name, r.Name) {
				if r.Value == "" {
					return True
				}
				return tri(v.Value == r.Value)
			}
		}
		return Unknown
	}
	return Unknown
}

func (r Rule) evalOS(o inventory.OS) Tri {
	out := True
	and := func(t Tri) {
		if t == False || out == False {
			out = False
		} else if t == Unknown {
			out = Unknown
		}
	}
	field := func(want, have string, match func(a, b string) bool) {
		if want == "" {
			return
		}
		if have == "" {
			and(Unknown)
			return
		}
		and(tri(match(have, want)))
	}
	field(r.Family, o.Family, strings.EqualFold)
	field(r.Name, o.Name, containsFoldStr)
	field(r.Edition, o.Edition, strings.EqualFold)
	field(r.ProductType, o.ProductType, strings.EqualFold)
	if r.Min != "" || r.Below != "" {
		and(r.inRange(FullOSVersion(o)))
	}
	return out
}

func (r Rule) evalProduct(sw []inventory.Software) Tri {
	if len(sw) == 0 {
		return Unknown // no software reported at all
	}
	out := False
	for _, s := range sw {
		if !r.productMatches(s) {
			continue
		}
		switch r.inRange(s.Version) {
		case True:
			return True
		case Unknown:
			out = Unknown
		}
	}
	return out
}

func (r Rule) productMatches(s inventory.Software) bool {
	if r.ProductCode != "" && strings.EqualFold(strings.TrimSpace(s.ProductCode), r.ProductCode) {
		return true
	}
	if r.Name == "" {
		return false
	}
	if prefix, ok := strings.CutSuffix(r.Name, "*"); ok {
		return len(s.Name) >= len(prefix) && strings.EqualFold(s.Name[:len(prefix)], prefix)
	}
	return strings.EqualFold(strings.TrimSpace(s.Name), r.Name)
}

// inRange tests a reported version against Min and Below; no range means "present".
func (r Rule) inRange(v string) Tri {
	if r.Min == "" && r.Below == "" {
		return True
	}
	if strings.TrimSpace(v) == "" {
		return Unknown
	}
	if r.Min != "" && CompareVersions(v, r.Min) < 0 {
		return False
	}
	if r.Below != "" && CompareVersions(v, r.Below) >= 0 {
		return False
	}
	return True
}

// FullOSVersion is the OS version with the Windows build and revision folded in, so that
// "10.0" with build 17763 and UBR 5329 reads "10.0.17763.5329", the form MSRC's FixedBuild
// uses. Empty when the inventory reported no version.
func FullOSVersion(o inventory.OS) string {
	parts := splitVersion(o.Version)
	if o.Build == 0 {
		return strings.Join(parts, ".")
	}
	if len(parts) < 2 {
		return "" // a build without major.minor cannot be placed
	}
	parts = append(parts[:2:2], strconv.Itoa(o.Build), strconv.Itoa(o.UBR))
	return strings.Join(parts, ".")
}

// NormalizeArch maps the many spellings of an architecture to x86, x64, arm, arm64 or neutral.
func NormalizeArch(a string) string {
	switch strings.ToLower(strings.TrimSpace(a)) {
	case "x64", "amd64", "x86_64", "x86-64", "64-bit", "x64-based":
		return "x64"
	case "x86", "386", "i386", "i686", "32-bit", "x86-based":
		return "x86"
	case "arm64", "aarch64", "arm64-based":
		return "arm64"
	case "arm", "armv7", "arm-based":
		return "arm"
	case "neutral", "", "any":
		return "neutral"
	}
	return strings.ToLower(a)
}

// LanguageMatches tells whether a wanted language (BCP 47, "en" or "en-US") covers a reported
// one: equal tags match, and a bare base language covers its regional variants.
func LanguageMatches(want, have string) bool {
	want, have = strings.ToLower(strings.ReplaceAll(want, "_", "-")), strings.ToLower(strings.ReplaceAll(have, "_", "-"))
	if want == have {
		return true
	}
	wb, _, wr := strings.Cut(want, "-")
	hb, _, _ := strings.Cut(have, "-")
	return !wr && wb == hb
}

// archIn accepts "neutral" as any architecture.
func archIn(list []string, s string) bool {
	for _, v := range list {
		if n := NormalizeArch(v); n == s || n == "neutral" {
			return true
		}
	}
	return false
}

func containsFoldStr(have, want string) bool {
	return strings.Contains(strings.ToLower(have), strings.ToLower(want))
}
