package model

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"patchdesk/model/rules"
)

// CatalogBulletin is a bulletin as a catalog source describes it, with its updates. It is the
// record of the PatchDesk catalog format (docs/catalog-format.md), and every reader turns its
// input into these before anything is written.
type CatalogBulletin struct {
	ID          string          `json:"id"`
	Vendor      string          `json:"vendor"`
	Software    string          `json:"software"`
	Title       string          `json:"title"`
	Description string          `json:"description,omitempty"`
	Severity    string          `json:"severity,omitempty"`
	Released    time.Time       `json:"released,omitzero"`
	Revised     time.Time       `json:"revised,omitzero"`
	CVEs        []CatalogCVE    `json:"cves,omitempty"`
	Supersedes  []string        `json:"supersedes,omitempty"`
	Updates     []CatalogUpdate `json:"updates"`
}

// CatalogCVE is a CVE a bulletin fixes.
type CatalogCVE struct {
	ID       string `json:"id"`
	Title    string `json:"title,omitempty"`
	Severity string `json:"severity,omitempty"`
}

// CatalogUpdate is one update of a CatalogBulletin.
type CatalogUpdate struct {
	ID             string      `json:"id"`
	Name           string      `json:"name"`
	KB             string      `json:"kb,omitempty"`
	Product        string      `json:"product,omitempty"`
	Language       string      `json:"language,omitempty"`
	Architecture   string      `json:"architecture,omitempty"`
	Applicable     *rules.Rule `json:"applicable,omitempty"`
	Installed      *rules.Rule `json:"installed,omitempty"`
	URL            string      `json:"url,omitempty"`
	ManualDownload bool        `json:"manual_download,omitempty"`
	FileName       string      `json:"file_name,omitempty"`
	Size           int64       `json:"size,omitempty"`
	SHA256         string      `json:"sha256,omitempty"`
	CommandLine    string      `json:"command_line,omitempty"`
	SuccessCodes   []int       `json:"success_codes,omitempty"`
	RebootCodes    []int       `json:"reboot_codes,omitempty"`
	Restart        string      `json:"restart,omitempty"`
	Supersedes     []string    `json:"supersedes,omitempty"`
}

// Limits that keep a hostile or broken catalog from filling the database.
const (
	MaxUpdateSize         = 64 << 30 // an installer larger than 64 GiB is a typo or an attack
	maxIDLength           = 200
	maxTextLength         = 1 << 20
	maxUpdatesPerBulletin = 5000
)

var (
	sha256Re = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
	// CVE ids, and MSRC advisories such as ADV160009 that MSRC lists in the same place.
	cveRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._-]{1,63}$`)
)

// Validate checks a bulletin before it is imported; the error names the element at fault.
func (b CatalogBulletin) Validate() error {
	where := fmt.Sprintf("bulletin %q", b.ID)
	if err := checkID(b.ID); err != nil {
		return fmt.Errorf("bulletin id: %w", err)
	}
	for name, v := range map[string]string{"vendor": b.Vendor, "software": b.Software, "title": b.Title} {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("%s: %s is missing", where, name)
		}
		if len(v) > 1000 {
			return fmt.Errorf("%s: %s is longer than 1000 characters", where, name)
		}
	}
	if len(b.Description) > maxTextLength {
		return fmt.Errorf("%s: description is longer than %d bytes", where, maxTextLength)
	}
	if s := b.Severity; s != "" && !slices.Contains(VendorSeverities, s) {
		return fmt.Errorf("%s: severity %q is not one of %s", where, s, strings.Join(VendorSeverities, ", "))
	}
	for _, c := range b.CVEs {
		if !cveRe.MatchString(c.ID) {
			return fmt.Errorf("%s: %q is not a CVE or advisory id", where, c.ID)
		}
	}
	for _, s := range b.Supersedes {
		if err := checkID(s); err != nil {
			return fmt.Errorf("%s: supersedes: %w", where, err)
		}
	}
	if len(b.Updates) == 0 {
		return fmt.Errorf("%s: has no updates", where)
	}
	if len(b.Updates) > maxUpdatesPerBulletin {
		return fmt.Errorf("%s: has %d updates, more than %d", where, len(b.Updates), maxUpdatesPerBulletin)
	}
	seen := map[string]bool{}
	for i, u := range b.Updates {
		if err := u.validate(); err != nil {
			return fmt.Errorf("%s: update %d: %w", where, i+1, err)
		}
		if seen[u.ID] {
			return fmt.Errorf("%s: update id %q appears twice", where, u.ID)
		}
		seen[u.ID] = true
	}
	return nil
}

func (u CatalogUpdate) validate() error {
	if err := checkID(u.ID); err != nil {
		return fmt.Errorf("id: %w", err)
	}
	if strings.TrimSpace(u.Name) == "" {
		return fmt.Errorf("update %q: name is missing", u.ID)
	}
	if u.SHA256 != "" && !sha256Re.MatchString(u.SHA256) {
		return fmt.Errorf("update %q: sha256 %q is not 64 hexadecimal digits", u.ID, u.SHA256)
	}
	if u.Size < 0 || u.Size > MaxUpdateSize {
		return fmt.Errorf("update %q: size %d is out of range 0 to %d bytes", u.ID, u.Size, int64(MaxUpdateSize))
	}
	if u.URL != "" && !strings.HasPrefix(u.URL, "https://") && !strings.HasPrefix(u.URL, "http://") {
		return fmt.Errorf("update %q: url %q is not an http(s) URL", u.ID, u.URL)
	}
	switch u.Restart {
	case "", RestartNever, RestartMaybe, RestartAlways:
	default:
		return fmt.Errorf("update %q: restart %q is not never, maybe or always", u.ID, u.Restart)
	}
	if len(u.CommandLine) > 8192 {
		return fmt.Errorf("update %q: command line is longer than 8192 characters", u.ID)
	}
	for name, r := range map[string]*rules.Rule{"applicable": u.Applicable, "installed": u.Installed} {
		if r == nil {
			continue
		}
		if err := r.Validate(); err != nil {
			return fmt.Errorf("update %q: %s rule: %w", u.ID, name, err)
		}
	}
	for _, s := range u.Supersedes {
		if err := checkID(s); err != nil {
			return fmt.Errorf("update %q: supersedes: %w", u.ID, err)
		}
	}
	return nil
}

func checkID(id string) error {
	switch {
	case strings.TrimSpace(id) == "":
		return errors.New("empty id")
	case len(id) > maxIDLength:
		return fmt.Errorf("id %.40q… is longer than %d characters", id, maxIDLength)
	case strings.ContainsAny(id, "\x00\r\n\t"):
		return fmt.Errorf("id %q holds control characters", id)
	}
	return nil
}

// Digest identifies the bulletin's content, so a re-import can tell added, changed and
// unchanged bulletins apart without comparing column by column.
func (b CatalogBulletin) Digest() string { return digestJSON(b) }

// Digest identifies the update's content.
func (u CatalogUpdate) Digest() string { return digestJSON(u) }

func digestJSON(v any) string {
	data, _ := json.Marshal(v)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}

// Offer lists the vendors, software and languages of some bulletins.
func Offer(bs []CatalogBulletin) CatalogOffer {
	o := CatalogOffer{}
	var vendors, langs []string
	var sw []OfferedSoftware
	for _, b := range bs {
		vendors = append(vendors, b.Vendor)
		sw = append(sw, OfferedSoftware{Vendor: b.Vendor, Name: b.Software})
		for _, u := range b.Updates {
			if u.Language != "" {
				langs = append(langs, u.Language)
			}
		}
	}
	o.Merge(CatalogOffer{Vendors: vendors, Software: sw, Languages: langs})
	return o
}
