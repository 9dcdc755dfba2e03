// Package wire is the agent protocol's vocabulary: the enrolment token, the JSON bodies of
// /api/agent/v1/ and their validation. Host and agent both import it, so it depends on nothing
// but the standard library and the inventory type (docs/agent-protocol.md describes it).
package wire

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"patchdesk/model/inventory"
)

// Paths of the version 1 API. A breaking change gets a new prefix, so old agents keep working.
const (
	Prefix        = "/api/agent/v1/"
	PathEnrol     = Prefix + "enrol"
	PathCheckin   = Prefix + "checkin"
	PathInventory = Prefix + "inventory"
	PathEvents    = Prefix + "events"
)

// Body size limits. The host answers 413 above them; the agent refuses to send more.
const (
	MaxEnrolBody     = 16 << 10
	MaxCheckinBody   = 16 << 10
	MaxEventsBody    = 1 << 20
	MaxInventoryBody = 8 << 20  // as sent (gzip)
	MaxInventoryJSON = 32 << 20 // after decompression, against gzip bombs
	MaxEventsPerPost = 200
)

// EnrolRequest asks for a credential with an enrolment token.
type EnrolRequest struct {
	// Token is the token's "id.secret" part (Token.Secret), not the whole string: the host
	// already knows its own URLs and fingerprint.
	Token        string `json:"token"`
	Hostname     string `json:"hostname"`
	OSFamily     string `json:"os_family"`
	AgentVersion string `json:"agent_version"`
}

// EnrolResponse carries the agent's credential; the host keeps only its hash.
type EnrolResponse struct {
	ComputerID uint   `json:"computer_id"`
	Credential string `json:"credential"`
}

// CheckinRequest is the heartbeat: who the agent is comes from its credential.
type CheckinRequest struct {
	// InventoryDigest is inventory.Digest() of the agent's newest scan, empty before the first.
	InventoryDigest string    `json:"inventory_digest"`
	AgentVersion    string    `json:"agent_version"`
	ScannedAt       time.Time `json:"scanned_at,omitzero"`
}

// CheckinResponse says what the host wants from the agent.
type CheckinResponse struct {
	// NextCheckinS is the interval to the next check-in in seconds; agents add jitter.
	NextCheckinS int `json:"next_checkin_s"`
	// WantInventory: the host's copy differs from the digest sent (or it has none): upload it.
	WantInventory bool `json:"want_inventory"`
	// ScanNow: an administrator asked for a scan outside the schedule.
	ScanNow bool `json:"scan_now"`
	// ScanSchedule is the System Assessment Scan schedule ("every 4h", "daily 01:00", ...).
	ScanSchedule string `json:"scan_schedule"`
	// SendOnlyIfChanged: upload a scan only when its digest changed since the last upload.
	SendOnlyIfChanged bool `json:"send_only_if_changed"`
	// AgentEvents: the host wants the agent's events.
	AgentEvents bool `json:"agent_events"`
	// PolicyRevision (install cycle hook) changes whenever the computer's assignments do: the
	// agent then fetches them from PathPolicies. Empty when the host serves no policies.
	PolicyRevision string `json:"policy_revision,omitempty"`
}

// InventoryResponse acknowledges an upload once it is committed to the host's database.
type InventoryResponse struct {
	InventoryDigest string `json:"inventory_digest"`
}

// Event is something that happened on the agent (a scan, an error, later an install).
type Event struct {
	At       time.Time `json:"at"`
	Severity string    `json:"severity"` // info, warning, error
	Kind     string    `json:"kind"`     // scan, checkin, install, ...
	Message  string    `json:"message"`
	// Delivery (install cycle hook) is set on Kind "delivery" events: an update's status change.
	Delivery *Delivery `json:"delivery,omitempty"`
}

// EventsRequest posts a batch of events.
type EventsRequest struct {
	Events []Event `json:"events"`
}

// EventsResponse counts what was stored (0 when the host has agent events switched off).
type EventsResponse struct {
	Stored int `json:"stored"`
}

// Error is every non-2xx body.
type Error struct {
	Error string `json:"error"`
}

// Validate checks an enrolment request's fields.
func (r EnrolRequest) Validate() error {
	if r.Token == "" {
		return errors.New("token is required")
	}
	if len(r.Token) > 256 {
		return errors.New("token is too long")
	}
	if err := checkName("hostname", r.Hostname, true); err != nil {
		return err
	}
	if err := checkFamily(r.OSFamily); err != nil {
		return err
	}
	return checkText("agent_version", r.AgentVersion, 64)
}

// Validate checks a check-in's fields.
func (r CheckinRequest) Validate() error {
	if r.InventoryDigest != "" && !isHexDigest(r.InventoryDigest) {
		return errors.New("inventory_digest must be 64 lower-case hex digits or empty")
	}
	return checkText("agent_version", r.AgentVersion, 64)
}

// Validate checks a batch of events.
func (r EventsRequest) Validate() error {
	if len(r.Events) == 0 {
		return errors.New("events must not be empty")
	}
	if len(r.Events) > MaxEventsPerPost {
		return fmt.Errorf("at most %d events per request", MaxEventsPerPost)
	}
	for i, e := range r.Events {
		if e.At.IsZero() {
			return fmt.Errorf("events[%d].at is required", i)
		}
		switch e.Severity {
		case "info", "warning", "error":
		default:
			return fmt.Errorf("events[%d].severity must be info, warning or error", i)
		}
		if err := checkName(fmt.Sprintf("events[%d].kind", i), e.Kind, true); err != nil {
			return err
		}
		if err := checkText(fmt.Sprintf("events[%d].message", i), e.Message, 4096); err != nil {
			return err
		}
		// install cycle hook: a delivery part is checked with its own rules.
		if e.Delivery != nil {
			if err := e.Delivery.Validate(); err != nil {
				return fmt.Errorf("events[%d].delivery.%w", i, err)
			}
		}
	}
	return nil
}

// Inventory limits keep one agent from filling the host's database.
const (
	maxSoftware = 20000
	maxKBs      = 20000
	maxListed   = 1000 // IPs, MACs, languages, files, registry values
)

// ValidateInventory checks an uploaded inventory before the host stores it.
func ValidateInventory(inv *inventory.Inventory) error {
	if err := checkName("hostname", inv.Hostname, true); err != nil {
		return err
	}
	if err := checkFamily(inv.OS.Family); err != nil {
		return fmt.Errorf("os.%w", err)
	}
	texts := []struct {
		field, value string
	}{
		{"domain", inv.Domain}, {"os.name", inv.OS.Name}, {"os.version", inv.OS.Version},
		{"os.display_version", inv.OS.DisplayVersion}, {"os.edition", inv.OS.Edition},
		{"os.arch", inv.OS.Arch}, {"os.product_type", inv.OS.ProductType}, {"agent_version", inv.AgentVersion},
	}
	for _, t := range texts {
		if err := checkText(t.field, t.value, 256); err != nil {
			return err
		}
	}
	if inv.OS.Build < 0 || inv.OS.UBR < 0 {
		return errors.New("os.build and os.ubr must not be negative")
	}
	switch {
	case len(inv.Software) > maxSoftware:
		return fmt.Errorf("at most %d software entries", maxSoftware)
	case len(inv.KBs) > maxKBs:
		return fmt.Errorf("at most %d kbs", maxKBs)
	case len(inv.IPs) > maxListed, len(inv.MACs) > maxListed, len(inv.Languages) > maxListed,
		len(inv.Files) > maxListed, len(inv.Registry) > maxListed:
		return fmt.Errorf("at most %d ips, macs, languages, files and registry values each", maxListed)
	}
	for i, s := range inv.Software {
		if err := checkName(fmt.Sprintf("software[%d].name", i), s.Name, false); err != nil {
			return err
		}
		for _, f := range []struct{ n, v string }{{"publisher", s.Publisher}, {"version", s.Version},
			{"product_code", s.ProductCode}, {"install_date", s.InstallDate}, {"arch", s.Arch}, {"scope", s.Scope}} {
			if err := checkText(fmt.Sprintf("software[%d].%s", i, f.n), f.v, 512); err != nil {
				return err
			}
		}
	}
	for i, kb := range inv.KBs {
		n := inventory.NormalizeKB(kb)
		if len(n) < 3 || len(n) > 12 || strings.Trim(n[2:], "0123456789") != "" {
			return fmt.Errorf("kbs[%d] %q is not a KB number", i, kb)
		}
	}
	for _, l := range [][]string{inv.IPs, inv.MACs, inv.Languages} {
		for _, s := range l {
			if err := checkText("ips, macs and languages", s, 64); err != nil {
				return err
			}
		}
	}
	for i, f := range inv.Files {
		if err := checkText(fmt.Sprintf("files[%d]", i), f.Path+f.Version, 2048); err != nil {
			return err
		}
	}
	for i, r := range inv.Registry {
		if err := checkText(fmt.Sprintf("registry[%d]", i), r.Key+r.Name+r.Value, 4096); err != nil {
			return err
		}
	}
	return nil
}

func checkFamily(f string) error {
	switch f {
	case "windows", "linux", "macos":
		return nil
	}
	return fmt.Errorf("family must be windows, linux or macos, not %q", f)
}

// checkName requires a non-empty, printable single-line value of at most 255 bytes.
func checkName(field, v string, required bool) error {
	if v == "" {
		if required {
			return fmt.Errorf("%s is required", field)
		}
		return fmt.Errorf("%s must not be empty", field)
	}
	return checkText(field, v, 255)
}

// checkText rejects invalid UTF-8, control characters and overlong values, which would
// otherwise end up in the GUI, the CSV reports and the logs.
func checkText(field, v string, max int) error {
	if len(v) > max {
		return fmt.Errorf("%s is longer than %d bytes", field, max)
	}
	if !utf8.ValidString(v) {
		return fmt.Errorf("%s is not valid UTF-8", field)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%s contains a control character", field)
		}
	}
	return nil
}

func isHexDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
