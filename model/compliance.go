package model

import (
	"fmt"
	"strings"
)

// Compliance is the loop's step 3: for each (computer, update) the host evaluates the update's
// applicable and installed rules against the computer's stored inventory and keeps the result,
// so that the Remediation Center, the Computers screen, targets and reports are queries.
//
// The evaluation lives in compliance_eval.go, the writes in compliance_write.go, the recompute
// passes (full, stale, some computers) in compliance_recompute.go, the listener's hook in
// compliance_queue.go and the queries in compliance_query.go.

// ComplianceState is an update's state on one computer. The numbers are stored and ranked so
// that the highest over a bulletin's updates is the bulletin's state on the computer.
type ComplianceState int8

// Compliance states. StateNotApplicable is never stored: no row means not applicable (for a computer
// that was evaluated).
const (
	StateNotApplicable ComplianceState = 0
	StateInstalled     ComplianceState = 1
	StateUnknown       ComplianceState = 2 // the rules could not decide from what the inventory reports
	StateNotInstalled  ComplianceState = 3
)

var complianceStateNames = map[ComplianceState]string{
	StateNotApplicable: "not_applicable",
	StateInstalled:     "installed",
	StateUnknown:       "unknown",
	StateNotInstalled:  "not_installed",
}

// String is the state's name in the CLI's JSON: not_applicable, installed, not_installed,
// unknown.
func (s ComplianceState) String() string {
	if n, ok := complianceStateNames[s]; ok {
		return n
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// MarshalText writes the state's name.
func (s ComplianceState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseComplianceState reads a state's name ("not-installed" and "missing" are accepted too).
func ParseComplianceState(name string) (ComplianceState, error) {
	n := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
	if n == "missing" {
		return StateNotInstalled, nil
	}
	for s, sn := range complianceStateNames {
		if sn == n {
			return s, nil
		}
	}
	return 0, fmt.Errorf("unknown compliance state %q (use not_applicable, installed, not_installed or unknown)", name)
}

// ComplianceCounts are one computer's figures for the Computers screen: updates that apply and
// are installed, that apply and are missing, and that the rules could not decide. Applicable is
// Installed + Missing; MissingSuperseded are the missing ones a newer update in the catalog
// replaces.
type ComplianceCounts struct {
	Applicable        int `json:"applicable"`
	Installed         int `json:"installed"`
	Missing           int `json:"missing"`
	Unknown           int `json:"unknown"`
	MissingSuperseded int `json:"missing_superseded"`
	// Evaluated is false for a computer whose compliance was never computed (no inventory yet).
	Evaluated bool `json:"evaluated"`
}

// BulletinCompliance is a bulletin's figures for the Remediation Center, counted in computers:
// a computer counts as not installed when one of the bulletin's updates that applies to it is
// missing, as unknown when none is missing but one is undecided, and as installed otherwise.
// Applicable is Installed + NotInstalled.
type BulletinCompliance struct {
	Applicable   int `json:"applicable"`
	Installed    int `json:"installed"`
	NotInstalled int `json:"not_installed"`
	Unknown      int `json:"unknown"`
}
