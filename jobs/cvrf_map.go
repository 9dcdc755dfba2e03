package jobs

import (
	"cmp"
	"fmt"
	"maps"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"patchdesk/model"
	"patchdesk/model/rules"
)

// The CVRF mapping (issue 4), so that results are predictable: every Remediation of type
// Vendor Fix whose Description is a KB number is an update of bulletin "KB<number>", one per
// affected product; the bulletin's severity is the highest Microsoft severity among its CVEs
// for those products; released and revised are the earliest and latest tracking dates of the
// months it appears in; Supercedence gives supersedes, RestartRequired the restart behaviour,
// FixedBuild the installed rule (OS build ≥ FixedBuild, or the KB installed) and the applicable
// rule (that product at a lower build). MSRC links a catalog page, not a file, so such
// updates are marked for manual download.

const msrcVendor = "Microsoft"

var (
	kbDescRe   = regexp.MustCompile(`^(?i:KB)?(\d{4,8})$`)
	kbInTextRe = regexp.MustCompile(`\b\d{6,8}\b`)
)

type cvrfFix struct {
	pid        string
	product    cvrfProduct
	url        string
	subType    string
	fixedBuild string
	restart    string
	supersedes map[string]bool
	cves       map[string]bool
	rank       int
}

type cvrfKB struct {
	kb                string
	fixes             map[string]*cvrfFix
	released, revised time.Time
	cves              map[string]model.CatalogCVE
	subTypes          map[string]int
	months            map[string]bool
}

// cvrfBulletins maps one or more monthly documents to bulletins, sorted by id.
func cvrfBulletins(docs []*cvrfDoc) []model.CatalogBulletin {
	kbs := map[string]*cvrfKB{}
	for _, doc := range docs {
		for _, v := range doc.Vulns {
			sev := map[string]int{} // product → severity rank of this CVE
			for _, th := range v.Threats {
				if th.Type != "Severity" {
					continue
				}
				for _, pid := range th.ProductIDs {
					sev[strings.TrimSpace(pid)] = max(sev[strings.TrimSpace(pid)], model.SeverityRank(th.Description))
				}
			}
			for _, rem := range v.Remediations {
				m := kbDescRe.FindStringSubmatch(strings.TrimSpace(rem.Description))
				if rem.Type != "Vendor Fix" || m == nil {
					continue
				}
				id := "KB" + m[1]
				kb := kbs[id]
				if kb == nil {
					kb = &cvrfKB{kb: id, fixes: map[string]*cvrfFix{}, cves: map[string]model.CatalogCVE{}, subTypes: map[string]int{}, months: map[string]bool{}}
					kbs[id] = kb
				}
				kb.months[doc.ID] = true
				if kb.released.IsZero() || doc.Initial.Before(kb.released) {
					kb.released = doc.Initial
				}
				if doc.Current.After(kb.revised) {
					kb.revised = doc.Current
				}
				if st := strings.TrimSpace(rem.SubType); st != "" {
					kb.subTypes[st]++
				}
				for _, pid := range rem.ProductIDs {
					pid = strings.TrimSpace(pid)
					fix := kb.fixes[pid]
					if fix == nil {
						fix = &cvrfFix{pid: pid, product: doc.Products[pid], supersedes: map[string]bool{}, cves: map[string]bool{}}
						kb.fixes[pid] = fix
					}
					fix.url = cmp.Or(fix.url, strings.TrimSpace(rem.URL))
					fix.subType = cmp.Or(fix.subType, strings.TrimSpace(rem.SubType))
					if fb := strings.TrimSpace(rem.FixedBuild); fb != "" && rules.CompareVersions(fb, fix.fixedBuild) > 0 {
						fix.fixedBuild = fb
					}
					fix.restart = strongerRestart(fix.restart, rem.RestartRequired)
					for _, s := range kbInTextRe.FindAllString(rem.Supercedence, -1) {
						if "KB"+s != id {
							fix.supersedes["KB"+s] = true
						}
					}
					fix.cves[v.CVE] = true
					fix.rank = max(fix.rank, sev[pid])
					c := kb.cves[v.CVE]
					c.ID, c.Title = v.CVE, strings.TrimSpace(v.Title)
					if sev[pid] > model.SeverityRank(c.Severity) {
						c.Severity = model.NormalizeSeverity(severityName(sev[pid]))
					}
					kb.cves[v.CVE] = c
				}
			}
		}
	}
	out := make([]model.CatalogBulletin, 0, len(kbs))
	for _, id := range slices.Sorted(maps.Keys(kbs)) {
		out = append(out, kbs[id].bulletin())
	}
	return out
}

func severityName(rank int) string {
	return [...]string{"", "Low", "Moderate", "Important", "Critical"}[min(max(rank, 0), 4)]
}

// strongerRestart keeps the most demanding of two RestartRequired values.
func strongerRestart(have, next string) string {
	order := map[string]int{"": 0, model.RestartNever: 1, model.RestartMaybe: 2, model.RestartAlways: 3}
	var n string
	switch strings.ToLower(strings.TrimSpace(next)) {
	case "yes":
		n = model.RestartAlways
	case "maybe":
		n = model.RestartMaybe
	case "no":
		n = model.RestartNever
	}
	if order[n] > order[have] {
		return n
	}
	return have
}

func (kb *cvrfKB) bulletin() model.CatalogBulletin {
	b := model.CatalogBulletin{ID: kb.kb, Vendor: msrcVendor, Released: kb.released, Revised: kb.revised}
	families := map[string]int{}
	var products []string
	rank := 0
	supersedes := map[string]bool{}
	for _, pid := range slices.SortedFunc(maps.Keys(kb.fixes), compareProductIDs) {
		fix := kb.fixes[pid]
		families[softwareOfFamily(fix.product.Family)]++
		products = append(products, shortProduct(fix.product.Name))
		rank = max(rank, fix.rank)
		for s := range fix.supersedes {
			supersedes[s] = true
		}
		b.Updates = append(b.Updates, fix.update(kb.kb))
	}
	b.Software = mostCommon(families)
	b.Severity = model.NormalizeSeverity(severityName(rank))
	b.Supersedes = slices.Sorted(maps.Keys(supersedes))
	for _, id := range slices.Sorted(maps.Keys(kb.cves)) {
		b.CVEs = append(b.CVEs, kb.cves[id])
	}
	subType := "Update"
	if len(kb.subTypes) > 0 {
		subType = mostCommon(kb.subTypes)
	}
	slices.Sort(products)
	products = slices.Compact(products)
	list := strings.Join(products, ", ")
	if len(products) > 3 {
		list = fmt.Sprintf("%s and %d more", strings.Join(products[:3], ", "), len(products)-3)
	}
	b.Title = fmt.Sprintf("%s %s for %s (%s)", b.Released.Format("2006-01"), subType, list, kb.kb)
	var sb strings.Builder
	fmt.Fprintf(&sb, "Fixes %d vulnerabilities", len(b.CVEs))
	for i, c := range b.CVEs {
		if i == 25 {
			fmt.Fprintf(&sb, "; and %d more", len(b.CVEs)-25)
			break
		}
		sep := ": "
		if i > 0 {
			sep = "; "
		}
		fmt.Fprintf(&sb, "%s%s %s", sep, c.ID, c.Title)
	}
	sb.WriteString(". Source: Microsoft Security Update Guide")
	fmt.Fprintf(&sb, " (%s).", strings.Join(slices.Sorted(maps.Keys(kb.months)), ", "))
	b.Description = sb.String()
	return b
}

func (fix *cvrfFix) update(kb string) model.CatalogUpdate {
	name := fix.product.Name
	u := model.CatalogUpdate{
		ID:      kb + "/" + fix.pid,
		Name:    fmt.Sprintf("%s for %s (%s)", cmp.Or(fix.subType, "Update"), name, kb),
		KB:      kb,
		Product: name,
		URL:     fix.url,
		Restart: fix.restart,
	}
	for s := range fix.supersedes {
		u.Supersedes = append(u.Supersedes, s+"/"+fix.pid)
	}
	slices.Sort(u.Supersedes)
	u.ManualDownload, u.FileName = downloadKind(fix.url)
	if u.URL != "" && !strings.HasPrefix(u.URL, "http://") && !strings.HasPrefix(u.URL, "https://") {
		u.URL, u.ManualDownload = "", true
	}

	hasKB := rules.HasKB(kb)
	installed := hasKB
	var applicable rules.Rule
	component, on, isComponent := componentOn(name)
	target := name
	if isComponent {
		target = on
	}
	wp, isWindows := parseWindowsProduct(target)
	u.Architecture = wp.Arch
	switch {
	case isWindows && !isComponent && fix.fixedBuild != "" && fixedBase(fix.fixedBuild) != "":
		base, fixed := wp.fixedFor(fix.fixedBuild)
		installed = rules.AnyOf(rules.Rule{Op: rules.OS, Family: "windows", Min: fixed}, hasKB)
		os := rules.Rule{Op: rules.OS, Family: "windows", Name: wp.Name, ProductType: wp.ProductType, Min: base, Below: fixed}
		applicable = os
		if wp.Arch != "" {
			applicable = rules.AllOf(os, rules.ArchIn(wp.Arch))
		}
	case isWindows:
		// No FixedBuild (2016 documents, components such as .NET on Windows): the product's
		// Windows release decides applicability, the KB decides installation.
		applicable = wp.osRule()
	default:
		prefix := shortProduct(component)
		if !isComponent {
			prefix = shortProduct(name)
		}
		applicable = rules.AllOf(rules.Rule{Op: rules.OS, Family: "windows"}, rules.Rule{Op: rules.Product, Name: prefix + "*"})
		u.Architecture = productArch(name)
	}
	u.Applicable, u.Installed = &applicable, &installed
	return u
}

// downloadKind tells a direct file link from a catalog or support page.
func downloadKind(raw string) (manual bool, fileName string) {
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return true, ""
	}
	base := path.Base(u.Path)
	switch strings.ToLower(path.Ext(base)) {
	case ".msu", ".msi", ".msp", ".exe", ".cab":
		return false, base
	}
	return true, ""
}

func softwareOfFamily(f string) string {
	switch f {
	case "":
		return "Other"
	case "ESU":
		return "Windows (ESU)"
	}
	return f
}

func mostCommon(m map[string]int) string {
	best, n := "", -1
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] > n {
			best, n = k, m[k]
		}
	}
	return best
}

// compareProductIDs sorts "9312" before "11568" and "11650-10049" after "11650".
func compareProductIDs(a, b string) int {
	if c := rules.CompareVersions(strings.ReplaceAll(a, "-", "."), strings.ReplaceAll(b, "-", ".")); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}
