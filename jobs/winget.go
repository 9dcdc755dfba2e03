package jobs

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"patchdesk/model"
	"patchdesk/model/rules"
)

// winget manifests (microsoft/winget-pkgs, schema 1.x), singleton or multi-file. The mapping
// (issue 4): vendor = Publisher, software = PackageName, one bulletin per package version
// named "<PackageIdentifier> <PackageVersion>", one update per installer entry (architecture ×
// scope × locale × installer type), InstallerUrl and InstallerSha256 exactly as given, the
// silent command line from the installer type's conventions plus InstallerSwitches, and
// ProductCode / AppsAndFeaturesEntries / DisplayName for the rules; a newer version
// supersedes the older ones.

const maxManifestSize = 1 << 20 // the largest real manifests are tens of kilobytes

// wingetManifest holds the fields PatchDesk reads from any manifest type. Versions and codes
// are strings: YAML would otherwise read 19.00 as the number 19.
type wingetManifest struct {
	PackageIdentifier string `yaml:"PackageIdentifier"`
	PackageVersion    string `yaml:"PackageVersion"`
	ManifestType      string `yaml:"ManifestType"`
	ManifestVersion   string `yaml:"ManifestVersion"`
	DefaultLocale     string `yaml:"DefaultLocale"`
	PackageLocale     string `yaml:"PackageLocale"`
	Publisher         string `yaml:"Publisher"`
	PackageName       string `yaml:"PackageName"`
	ShortDescription  string `yaml:"ShortDescription"`
	Description       string `yaml:"Description"`
	ReleaseNotes      string `yaml:"ReleaseNotes"`
	ReleaseNotesURL   string `yaml:"ReleaseNotesUrl"`
	wingetInstaller   `yaml:",inline"`
	Installers        []wingetInstaller `yaml:"Installers"`
}

type wingetInstaller struct {
	Architecture           string             `yaml:"Architecture"`
	InstallerType          string             `yaml:"InstallerType"`
	NestedInstallerType    string             `yaml:"NestedInstallerType"`
	Scope                  string             `yaml:"Scope"`
	InstallerLocale        string             `yaml:"InstallerLocale"`
	InstallerURL           string             `yaml:"InstallerUrl"`
	InstallerSha256        string             `yaml:"InstallerSha256"`
	ProductCode            string             `yaml:"ProductCode"`
	ReleaseDate            string             `yaml:"ReleaseDate"`
	AppsAndFeaturesEntries []wingetARPEntry   `yaml:"AppsAndFeaturesEntries"`
	InstallerSwitches      *wingetSwitches    `yaml:"InstallerSwitches"`
	ExpectedReturnCodes    []wingetReturnCode `yaml:"ExpectedReturnCodes"`
	InstallerSuccessCodes  []int64            `yaml:"InstallerSuccessCodes"`
}

type wingetARPEntry struct {
	DisplayName    string `yaml:"DisplayName"`
	DisplayVersion string `yaml:"DisplayVersion"`
	ProductCode    string `yaml:"ProductCode"`
	Publisher      string `yaml:"Publisher"`
}

type wingetSwitches struct {
	Silent             string `yaml:"Silent"`
	SilentWithProgress string `yaml:"SilentWithProgress"`
	Custom             string `yaml:"Custom"`
}

type wingetReturnCode struct {
	Code     int64  `yaml:"InstallerReturnCode"`
	Response string `yaml:"ReturnResponse"`
}

// parseWingetManifest decodes one manifest file; errors name the file and the field.
func parseWingetManifest(name string, data []byte) (wingetManifest, error) {
	var m wingetManifest
	if len(data) > maxManifestSize {
		return m, fmt.Errorf("%s: %d bytes, more than the %d a manifest may have", name, len(data), maxManifestSize)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("%s: not a winget manifest: %w", name, err)
	}
	m.PackageIdentifier, m.PackageVersion = strings.TrimSpace(m.PackageIdentifier), strings.TrimSpace(m.PackageVersion)
	switch {
	case m.PackageIdentifier == "":
		return m, fmt.Errorf("%s: PackageIdentifier is missing", name)
	case m.PackageVersion == "":
		return m, fmt.Errorf("%s: PackageVersion is missing", name)
	case !strings.HasPrefix(m.ManifestVersion, "1."):
		return m, fmt.Errorf("%s: ManifestVersion %q is not a 1.x schema", name, m.ManifestVersion)
	}
	switch m.ManifestType {
	case "singleton", "version", "installer", "defaultLocale", "locale":
	default:
		return m, fmt.Errorf("%s: ManifestType %q is not singleton, version, installer, defaultLocale or locale", name, m.ManifestType)
	}
	return m, nil
}

// wingetPackage gathers the manifests of one package version.
type wingetPackage struct {
	id, version string
	files       []string
	installer   *wingetManifest
	locale      *wingetManifest
	installerAt string
}

func (p *wingetPackage) add(file string, m wingetManifest) error {
	p.files = append(p.files, file)
	switch m.ManifestType {
	case "singleton":
		if p.installer != nil || p.locale != nil {
			return fmt.Errorf("%s: a singleton manifest for %s %s, which other manifests also describe", file, p.id, p.version)
		}
		p.installer, p.locale, p.installerAt = &m, &m, file
	case "installer":
		if p.installer != nil {
			return fmt.Errorf("%s: a second installer manifest for %s %s", file, p.id, p.version)
		}
		p.installer, p.installerAt = &m, file
	case "defaultLocale":
		p.locale = &m
	}
	return nil
}

// wingetBulletins builds the bulletins of one package identifier from its versions; newer
// versions supersede older ones.
func wingetBulletins(pkgs []*wingetPackage) ([]model.CatalogBulletin, error) {
	slices.SortFunc(pkgs, func(a, b *wingetPackage) int { return rules.CompareVersions(a.version, b.version) })
	var out []model.CatalogBulletin
	for i, p := range pkgs {
		b, err := p.bulletin()
		if err != nil {
			return nil, err
		}
		for _, older := range pkgs[:i] {
			b.Supersedes = append(b.Supersedes, wingetBulletinID(older.id, older.version))
		}
		out = append(out, b)
	}
	// Update-level supersedence: the same installer slot of every older version.
	slots := map[string][]string{}
	for bi := range out {
		for ui := range out[bi].Updates {
			u := &out[bi].Updates[ui]
			slot := u.ID[strings.LastIndex(u.ID, "/")+1:]
			u.Supersedes = slices.Clone(slots[slot])
			slots[slot] = append(slots[slot], u.ID)
		}
	}
	return out, nil
}

func wingetBulletinID(id, version string) string { return id + " " + version }

func (p *wingetPackage) bulletin() (model.CatalogBulletin, error) {
	where := fmt.Sprintf("winget %s %s (%s)", p.id, p.version, strings.Join(p.files, ", "))
	switch {
	case p.installer == nil:
		return model.CatalogBulletin{}, fmt.Errorf("%s: no installer manifest", where)
	case p.locale == nil:
		return model.CatalogBulletin{}, fmt.Errorf("%s: no defaultLocale manifest (Publisher, PackageName)", where)
	case strings.TrimSpace(p.locale.Publisher) == "":
		return model.CatalogBulletin{}, fmt.Errorf("%s: Publisher is missing", where)
	case strings.TrimSpace(p.locale.PackageName) == "":
		return model.CatalogBulletin{}, fmt.Errorf("%s: PackageName is missing", where)
	case len(p.installer.Installers) == 0:
		return model.CatalogBulletin{}, fmt.Errorf("%s: Installers is empty", p.installerAt)
	}
	loc := p.locale
	b := model.CatalogBulletin{
		ID:          wingetBulletinID(p.id, p.version),
		Vendor:      strings.TrimSpace(loc.Publisher),
		Software:    strings.TrimSpace(loc.PackageName),
		Title:       strings.TrimSpace(loc.PackageName) + " " + p.version,
		Description: strings.TrimSpace(cmp.Or(loc.ShortDescription, loc.Description)),
	}
	if notes := strings.TrimSpace(loc.ReleaseNotes); notes != "" {
		if len(notes) > 4000 {
			notes = notes[:4000] + "…"
		}
		b.Description += "\n\nRelease notes:\n" + notes
	}
	top := p.installer.wingetInstaller
	if d := strings.TrimSpace(top.ReleaseDate); d != "" {
		t, err := time.Parse("2006-01-02", d)
		if err != nil {
			return b, fmt.Errorf("%s: ReleaseDate %q is not YYYY-MM-DD", p.installerAt, d)
		}
		b.Released, b.Revised = t, t
	}
	taken := map[string]int{}
	for i, in := range p.installer.Installers {
		in = in.withDefaults(top)
		u, err := p.update(b, in)
		if err != nil {
			return b, fmt.Errorf("%s: Installers[%d]: %w", p.installerAt, i, err)
		}
		if d := strings.TrimSpace(in.ReleaseDate); d != "" && b.Released.IsZero() {
			if t, err := time.Parse("2006-01-02", d); err == nil {
				b.Released, b.Revised = t, t
			}
		}
		if n := taken[u.ID]; n > 0 {
			u.ID = fmt.Sprintf("%s-%d", u.ID, n+1)
		}
		taken[u.ID]++
		b.Updates = append(b.Updates, u)
	}
	return b, nil
}

// withDefaults fills an installer entry's empty fields from the manifest's top level; the
// entry's own values win (Notepad++ and GIMP rely on this).
func (in wingetInstaller) withDefaults(top wingetInstaller) wingetInstaller {
	in.Architecture = cmp.Or(in.Architecture, top.Architecture)
	in.InstallerType = cmp.Or(in.InstallerType, top.InstallerType)
	in.NestedInstallerType = cmp.Or(in.NestedInstallerType, top.NestedInstallerType)
	in.Scope = cmp.Or(in.Scope, top.Scope)
	in.InstallerLocale = cmp.Or(in.InstallerLocale, top.InstallerLocale)
	in.InstallerURL = cmp.Or(in.InstallerURL, top.InstallerURL)
	in.InstallerSha256 = cmp.Or(in.InstallerSha256, top.InstallerSha256)
	in.ProductCode = cmp.Or(in.ProductCode, top.ProductCode)
	in.ReleaseDate = cmp.Or(in.ReleaseDate, top.ReleaseDate)
	if in.AppsAndFeaturesEntries == nil {
		in.AppsAndFeaturesEntries = top.AppsAndFeaturesEntries
	}
	if in.InstallerSwitches == nil {
		in.InstallerSwitches = top.InstallerSwitches
	} else if top.InstallerSwitches != nil {
		s := *in.InstallerSwitches
		s.Silent = cmp.Or(s.Silent, top.InstallerSwitches.Silent)
		s.SilentWithProgress = cmp.Or(s.SilentWithProgress, top.InstallerSwitches.SilentWithProgress)
		s.Custom = cmp.Or(s.Custom, top.InstallerSwitches.Custom)
		in.InstallerSwitches = &s
	}
	if in.ExpectedReturnCodes == nil {
		in.ExpectedReturnCodes = top.ExpectedReturnCodes
	}
	if in.InstallerSuccessCodes == nil {
		in.InstallerSuccessCodes = top.InstallerSuccessCodes
	}
	return in
}

func (p *wingetPackage) update(b model.CatalogBulletin, in wingetInstaller) (model.CatalogUpdate, error) {
	switch {
	case in.InstallerURL == "":
		return model.CatalogUpdate{}, errors.New("InstallerUrl is missing")
	case !strings.HasPrefix(in.InstallerURL, "https://") && !strings.HasPrefix(in.InstallerURL, "http://"):
		return model.CatalogUpdate{}, fmt.Errorf("InstallerUrl %q is not an http(s) URL", in.InstallerURL)
	case len(in.InstallerSha256) != 64 || !isHex(in.InstallerSha256):
		return model.CatalogUpdate{}, fmt.Errorf("InstallerSha256 %q is not 64 hexadecimal digits", in.InstallerSha256)
	case in.Architecture == "":
		return model.CatalogUpdate{}, errors.New("Architecture is missing")
	case in.InstallerType == "":
		return model.CatalogUpdate{}, errors.New("InstallerType is missing")
	}
	arch := rules.NormalizeArch(in.Architecture)
	typ := strings.ToLower(in.InstallerType)
	slot := strings.Join([]string{arch, cmp.Or(strings.ToLower(in.Scope), "any"), cmp.Or(in.InstallerLocale, "neutral"), typ}, "-")
	file := installerFileName(in.InstallerURL, p.id, p.version, arch, typ)
	success, reboot, restart := exitCodes(typ, in)
	u := model.CatalogUpdate{
		ID:           b.ID + "/" + slot,
		Name:         fmt.Sprintf("%s %s (%s, %s%s)", b.Software, p.version, arch, typ, scopeNote(in.Scope)),
		Product:      b.Software,
		Language:     in.InstallerLocale,
		Architecture: arch,
		URL:          in.InstallerURL,
		FileName:     file,
		SHA256:       strings.ToUpper(in.InstallerSha256),
		CommandLine:  silentCommand(typ, file, in.InstallerSwitches),
		SuccessCodes: success,
		RebootCodes:  reboot,
		Restart:      restart,
	}
	applicable, installed := wingetRules(b.Software, p.version, arch, in)
	u.Applicable, u.Installed = &applicable, &installed
	return u, nil
}

func scopeNote(scope string) string {
	if scope == "" {
		return ""
	}
	return ", " + scope
}

// installerFileName is the URL's last path segment, or a name made from the package when the
// URL has none with an extension (Oracle's AutoDL?BundleId=…, vanity URLs).
func installerFileName(raw, id, version, arch, typ string) string {
	if u, err := url.Parse(raw); err == nil {
		if base, err := url.PathUnescape(path.Base(u.Path)); err == nil && path.Ext(base) != "" && !strings.ContainsAny(base, `/\:*?"<>|`) {
			return base
		}
	}
	ext := ".exe"
	switch typ {
	case "msi", "wix":
		ext = ".msi"
	case "msix", "appx":
		ext = "." + typ
	case "zip":
		ext = ".zip"
	}
	return fmt.Sprintf("%s-%s-%s%s", id, version, arch, ext)
}

// silentCommand follows winget's own defaults per installer type; a Silent switch replaces
// the default switches and Custom is appended, as winget does. Types PatchDesk cannot run
// unattended (msix, zip, portable, exe without switches) get no command line, so the
// Remediation Center shows them as needing attention instead of hanging an agent.
func silentCommand(typ, file string, sw *wingetSwitches) string {
	var s wingetSwitches
	if sw != nil {
		s = *sw
	}
	quoted := `"` + file + `"`
	var defaults string
	switch typ {
	case "msi", "wix":
		defaults = "/quiet /norestart"
	case "nullsoft":
		defaults = "/S"
	case "inno":
		defaults = "/SP- /VERYSILENT /SUPPRESSMSGBOXES /NORESTART"
	case "burn":
		defaults = "/quiet /norestart"
	case "exe":
		if s.Silent == "" {
			return ""
		}
	default:
		return ""
	}
	args := cmp.Or(strings.TrimSpace(s.Silent), defaults)
	if c := strings.TrimSpace(s.Custom); c != "" {
		args += " " + c
	}
	if typ == "msi" || typ == "wix" {
		return "msiexec.exe /i " + quoted + " " + args
	}
	return quoted + " " + args
}

// exitCodes: 0 always succeeds; MSI-based installers also use 3010 and 1641 for "restart
// needed"; ExpectedReturnCodes may add more.
func exitCodes(typ string, in wingetInstaller) (success, reboot []int, restart string) {
	success, reboot, restart = []int{0}, []int{}, model.RestartNever
	if typ == "msi" || typ == "wix" || typ == "burn" {
		success, reboot, restart = slices.Clone(model.DefaultSuccessCodes), slices.Clone(model.DefaultRebootCodes), model.RestartMaybe
	}
	for _, c := range in.InstallerSuccessCodes {
		if c >= -1<<31 && c < 1<<32 && !slices.Contains(success, int(c)) {
			success = append(success, int(c))
		}
	}
	for _, rc := range in.ExpectedReturnCodes {
		switch rc.Response {
		case "rebootRequiredToFinish", "rebootRequiredForInstall", "rebootInitiated":
			if c := int(rc.Code); !slices.Contains(success, c) {
				success, reboot = append(success, c), append(reboot, c)
			}
			restart = model.RestartMaybe
		}
	}
	return success, reboot, restart
}

// wingetRules: applicable when the product is installed at a lower version, installed when at
// this version or higher. The product is recognised by its Apps and Features display name,
// its product code, or a name starting with the package name (older versions have other
// display names and MSI product codes).
func wingetRules(packageName, version, arch string, in wingetInstaller) (applicable, installed rules.Rule) {
	v := version
	var leaves []rules.Rule
	add := func(r rules.Rule) {
		for _, have := range leaves {
			if have.Name == r.Name && have.ProductCode == r.ProductCode {
				return
			}
		}
		leaves = append(leaves, r)
	}
	for _, e := range in.AppsAndFeaturesEntries {
		if e.DisplayVersion != "" {
			v = e.DisplayVersion // what Programs and Features reports (Python 3.12.0 is 3.12.150.0)
		}
	}
	add(rules.Rule{Op: rules.Product, Name: packageName + "*"})
	codes := []string{in.ProductCode}
	for _, e := range in.AppsAndFeaturesEntries {
		if e.DisplayName != "" {
			add(rules.Rule{Op: rules.Product, Name: e.DisplayName})
		}
		codes = append(codes, e.ProductCode)
	}
	for _, c := range codes {
		if c = strings.TrimSpace(c); c != "" {
			add(rules.Rule{Op: rules.Product, ProductCode: c})
		}
	}
	below, atLeast := make([]rules.Rule, len(leaves)), make([]rules.Rule, len(leaves))
	for i, l := range leaves {
		below[i], atLeast[i] = l, l
		below[i].Below, atLeast[i].Min = v, v
	}
	parts := []rules.Rule{{Op: rules.OS, Family: "windows"}}
	// An x86 installer runs on x64 too; x64 and ARM64 installers need their own processor.
	if arch == "x64" || arch == "arm64" {
		parts = append(parts, rules.ArchIn(arch))
	}
	parts = append(parts, rules.AnyOf(below...))
	return rules.AllOf(parts...), rules.AnyOf(atLeast...)
}
