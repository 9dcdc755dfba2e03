package simulate

import (
	"cmp"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"patchdesk/model/inventory"
	"patchdesk/model/rules"
)

// profile is what simulated PCs are made of, derived once from a catalog's rules so that the
// host's compliance shows a realistic mix: Windows releases at builds before, between and at
// the catalog's fixed builds, and the catalog's applications below, at and above its versions.
type profile struct {
	images []osImage
	apps   []app
}

// osImage is a Windows release with its patch levels, oldest first.
type osImage struct {
	name, version, display, edition, productType, arch string
	build                                              int
	// ubrs are the levels: one older than every fixed build the catalog names, then each of them.
	ubrs []int
	// fixes are the cumulative updates: a PC lists the KB of each fix at or below its UBR.
	fixes []fix
	// releaseKBs are the release's updates detected by KB alone (.NET, servicing stack); a PC
	// has each with some chance, so they show both installed and not installed.
	releaseKBs []string
	weight     int
	latest     time.Time // the newest fix's release
}

type fix struct {
	ubr int
	kb  string
}

// app is a product with versions from older to newer.
type app struct {
	name, publisher string
	versions        []string
	share           float64 // fraction of PCs that have it
	msi             bool    // has a product code: the catalog's, or a random one
	// names and codes, when set, go with versions: a product's display name and product code
	// change between versions, and each bulletin's rule names its own.
	names, codes []string
}

var displayVersionRe = regexp.MustCompile(`(?i)\bversion (\d{2}H\d|\d{4})\b`)

// newProfile derives the Windows releases from the updates whose applicable rule is an OS
// build range ending at a fixed build (MSRC cumulative updates), and the applications from
// the updates whose installed rule is "product at this version or higher" (winget).
func newProfile(bulletins []Bulletin) (*profile, error) {
	type imageKey struct {
		name, productType, version, arch string
		build                            int
	}
	images := map[imageKey]*osImage{}
	type appVersion struct{ name, code, version string }
	type appVersions struct {
		app      app
		versions []appVersion
	}
	apps := map[string]*appVersions{}
	var latest time.Time // the newest Windows fix: releases fixed then are still serviced
	var appOrder []string

	for _, b := range bulletins {
		for _, u := range b.Updates {
			if u.Applicable != nil {
				if leaf, arch, ok := osLeaf(*u.Applicable); ok {
					if build, ubr, ok := fixedBuild(leaf); ok {
						k := imageKey{leaf.Name, leaf.ProductType, majorMinor(leaf.Min), cmp.Or(arch, "x64"), build}
						img := images[k]
						if img == nil {
							img = newImage(k.name, k.productType, k.version, k.arch, build, u.Product)
							images[k] = img
						}
						img.fixes = append(img.fixes, fix{ubr, cmp.Or(u.KB, b.ID)})
						if b.Released.After(img.latest) {
							img.latest = b.Released
						}
						if b.Released.After(latest) {
							latest = b.Released
						}
					}
				}
			}
			if u.Installed != nil {
				if name, code, version, ok := productLeaf(*u.Installed); ok {
					// winget bulletin ids are "<package> <version>"; a package's versions are one app.
					pkg := name
					if i := strings.LastIndexByte(b.ID, ' '); i > 0 {
						pkg = b.ID[:i]
					}
					a := apps[pkg]
					if a == nil {
						a = &appVersions{app: app{publisher: b.Vendor, share: shareOf(pkg)}}
						apps[pkg] = a
						appOrder = append(appOrder, pkg)
					}
					a.versions = append(a.versions, appVersion{strings.TrimSpace(strings.TrimSuffix(name, "*")), code, version})
				}
			}
		}
	}
	if len(images) == 0 {
		return nil, errors.New("the catalog has no Windows updates with fixed builds to model PCs on")
	}

	p := &profile{}
	for _, img := range images {
		slices.SortFunc(img.fixes, func(a, b fix) int { return cmp.Or(cmp.Compare(a.ubr, b.ubr), strings.Compare(a.kb, b.kb)) })
		img.fixes = slices.Compact(img.fixes)
		oldest := img.fixes[0].ubr
		img.ubrs = []int{max(1, oldest-max(1, min(100, oldest/2)))}
		for _, f := range img.fixes {
			if f.ubr != img.ubrs[len(img.ubrs)-1] {
				img.ubrs = append(img.ubrs, f.ubr)
			}
		}
		img.weight = imageWeight(*img, latest)
		if img.weight > 0 {
			p.images = append(p.images, *img)
		}
	}
	slices.SortFunc(p.images, func(a, b osImage) int {
		return cmp.Or(strings.Compare(a.name, b.name), cmp.Compare(a.build, b.build), strings.Compare(a.arch, b.arch))
	})

	// Updates that need only a KB on a release: try each on a bare PC of every image.
	for i := range p.images {
		img := &p.images[i]
		bare := inventory.Inventory{OS: img.os(img.ubrs[0]), Languages: []string{"en-US"}}
		for _, b := range bulletins {
			for _, u := range b.Updates {
				if u.Applicable == nil || u.Installed == nil || u.Installed.Op != rules.KB {
					continue
				}
				if u.Applicable.Eval(&bare) == rules.True && !slices.ContainsFunc(img.fixes, func(f fix) bool { return f.kb == u.Installed.KB }) {
					img.releaseKBs = append(img.releaseKBs, inventory.NormalizeKB(u.Installed.KB))
				}
			}
		}
		slices.Sort(img.releaseKBs)
		img.releaseKBs = slices.Compact(img.releaseKBs)
	}

	var names []string
	for _, pkg := range appOrder {
		a := apps[pkg]
		byVersion := func(x, y appVersion) int { return rules.CompareVersions(x.version, y.version) }
		slices.SortStableFunc(a.versions, byVersion)
		a.versions = slices.CompactFunc(a.versions, func(x, y appVersion) bool { return byVersion(x, y) == 0 })
		if older := olderVersion(a.versions[0].version); older != "" {
			first := a.versions[0]
			first.version = older
			a.versions = append([]appVersion{first}, a.versions...)
		}
		for _, v := range a.versions {
			a.app.versions = append(a.app.versions, v.version)
			a.app.names = append(a.app.names, v.name)
			a.app.codes = append(a.app.codes, v.code)
			a.app.msi = a.app.msi || v.code != ""
			names = append(names, v.name+"*")
		}
		a.app.name = a.app.names[len(a.app.names)-1]
		p.apps = append(p.apps, a.app)
	}
	// The built-in applications the catalog does not cover fill the inventories out to a
	// realistic size; the ones it covers would list the product twice.
	for _, o := range otherApps {
		if !slices.ContainsFunc(names, func(name string) bool { return productMatches(name, o.name) }) {
			p.apps = append(p.apps, app{name: o.name, publisher: o.publisher, versions: o.versions, share: o.share, msi: o.msi})
		}
	}
	return p, nil
}

func newImage(name, productType, version, arch string, build int, product string) *osImage {
	img := &osImage{version: version, productType: productType, arch: arch, build: build}
	if m := displayVersionRe.FindStringSubmatch(product); m != nil {
		img.display = strings.ToUpper(m[1])
	}
	if productType == "server" {
		img.name, img.edition = name+" Standard", "ServerStandard"
	} else {
		img.name, img.edition = name+" Pro", "Professional"
	}
	return img
}

// imageWeight is a release's share of the fleet: mostly 64-bit workstations on releases still
// serviced in the catalog's newest month, some servers, and a tail of other architectures and
// of releases out of service.
func imageWeight(img osImage, latest time.Time) int {
	serviced := img.latest.Year() == latest.Year() && img.latest.Month() == latest.Month()
	switch {
	case !serviced && img.arch == "x64":
		return 1
	case !serviced:
		return 0
	case img.arch != "x64":
		return 2
	case img.productType == "server":
		return 10
	}
	return 40
}

func (img osImage) os(ubr int) inventory.OS {
	return inventory.OS{Family: "windows", Name: img.name, Version: img.version, DisplayVersion: img.display,
		Build: img.build, UBR: ubr, Edition: img.edition, Arch: img.arch, ProductType: img.productType}
}

// osLeaf finds a Windows release test in an applicable rule: an os leaf, alone or in an all
// with an arch leaf.
func osLeaf(r rules.Rule) (leaf rules.Rule, arch string, ok bool) {
	switch r.Op {
	case rules.OS:
		leaf, ok = r, true
	case rules.All:
		for _, c := range r.Rules {
			switch c.Op {
			case rules.OS:
				leaf, ok = c, true
			case rules.Arch:
				if len(c.Values) == 1 {
					arch = c.Values[0]
				}
			}
		}
	}
	ok = ok && strings.EqualFold(leaf.Family, "windows") && leaf.Name != "" && leaf.Min != "" && leaf.Below != ""
	return leaf, arch, ok
}

// fixedBuild reads "min 10.0.19045, below 10.0.19045.3930" as build 19045 fixed at UBR 3930.
func fixedBuild(leaf rules.Rule) (build, ubr int, ok bool) {
	lo, hi := strings.Split(leaf.Min, "."), strings.Split(leaf.Below, ".")
	if len(lo) != 3 || len(hi) != 4 || leaf.Min != strings.Join(hi[:3], ".") {
		return 0, 0, false
	}
	major, err1 := strconv.Atoi(lo[0])
	build, err2 := strconv.Atoi(lo[2])
	ubr, err3 := strconv.Atoi(hi[3])
	if err1 != nil || err2 != nil || err3 != nil || major < 6 || build == 0 || ubr == 0 {
		return 0, 0, false
	}
	return build, ubr, true
}

func majorMinor(v string) string {
	parts := strings.Split(v, ".")
	return strings.Join(parts[:min(2, len(parts))], ".")
}

// productLeaf reads an installed rule of the form "product at this version or higher" (alone
// or in an any of alternatives): the first name, a product code, and the version.
func productLeaf(r rules.Rule) (name, code, version string, ok bool) {
	leaves := []rules.Rule{r}
	if r.Op == rules.Any {
		leaves = r.Rules
	}
	for _, l := range leaves {
		if l.Op != rules.Product || l.Min == "" || l.Below != "" {
			return "", "", "", false
		}
		if version == "" {
			version = l.Min
		}
		if name == "" && l.Name != "" {
			name = l.Name
		}
		if code == "" && strings.HasPrefix(l.ProductCode, "{") {
			code = l.ProductCode
		}
	}
	return name, code, version, name != "" && version != ""
}

// productMatches is the product rule's name test: exact, or a prefix with a trailing '*'.
func productMatches(pattern, name string) bool {
	p, n := strings.ToLower(pattern), strings.ToLower(name)
	if prefix, ok := strings.CutSuffix(p, "*"); ok {
		return strings.HasPrefix(n, strings.TrimSpace(prefix))
	}
	return p == n
}

// olderVersion is a version just below v (its last non-zero number less one), so some PCs
// have a product older than every bulletin of it; "" when v has no such number.
func olderVersion(v string) string {
	parts := strings.Split(v, ".")
	for i := len(parts) - 1; i >= 0; i-- {
		n, err := strconv.Atoi(parts[i])
		if err != nil || n == 0 {
			continue
		}
		parts[i] = fmt.Sprintf("%0*d", len(parts[i]), n-1) // keeps "19.00" → "18.00"
		if out := strings.Join(parts, "."); rules.CompareVersions(out, v) < 0 {
			return out
		}
		return ""
	}
	return ""
}

// shareOf is the fraction of PCs with a product, fixed per product name so runs repeat.
func shareOf(name string) float64 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return 0.2 + 0.6*float64(h.Sum32()%1000)/1000
}

func (p *profile) pickImage(r interface{ IntN(int) int }) osImage {
	total := 0
	for _, img := range p.images {
		total += img.weight
	}
	n := r.IntN(total)
	for _, img := range p.images {
		if n < img.weight {
			return img
		}
		n -= img.weight
	}
	return p.images[0]
}
