package model

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"patchdesk/model/schedule"
)

// Software update policies: which bulletins' updates go to which targets, and when. The
// Distribute Software Updates wizard and `patchdesk distribute` create them; agents fetch the
// enabled ones at check-in.

// Policy is a software update policy (guide Tables 7-4 and 7-5).
type Policy struct {
	ID          uint   `gorm:"primaryKey"`
	Name        string `gorm:"not null"`
	Description string `gorm:"not null;default:''"`
	Enabled     bool   `gorm:"not null;default:false"`
	// Run is when agents install: PolicyRunAgentDefault (the plug-in policy's installation
	// schedule), PolicyRunASAP (as soon as the policy arrives) or PolicyRunSchedule (Schedule).
	Run      string `gorm:"not null;default:'agent_default'"`
	Schedule string `gorm:"not null;default:''"`
	// AllowImmediateRestart restarts at once after an update that needs it.
	AllowImmediateRestart bool `gorm:"not null;default:false"`
	// WakeOnLAN powers computers on (magic packet from the host) before installing.
	WakeOnLAN bool `gorm:"column:wake_on_lan;not null;default:false"`
	// OverrideMaintenanceWindows installs and restarts outside maintenance windows.
	OverrideMaintenanceWindows bool `gorm:"not null;default:false"`
	// Revision grows with every change, so an agent can tell its copy is stale.
	Revision  int `gorm:"not null;default:1"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (Policy) TableName() string { return "policies" }

// PolicyBulletin is a bulletin a policy distributes.
type PolicyBulletin struct {
	PolicyID   uint   `gorm:"primaryKey"`
	BulletinID string `gorm:"primaryKey"`
}

func (PolicyBulletin) TableName() string { return "policy_bulletins" }

// PolicyUpdate is one update of a policy's bulletins, on or off in that policy.
type PolicyUpdate struct {
	PolicyID   uint   `gorm:"primaryKey"`
	UpdateID   string `gorm:"primaryKey"`
	BulletinID string `gorm:"not null"`
	Enabled    bool   `gorm:"not null"` // no default tag: GORM would replace an explicit false by it
}

func (PolicyUpdate) TableName() string { return "policy_updates" }

// PolicyTarget names a target (a saved computer query) a policy applies to.
type PolicyTarget struct {
	PolicyID uint   `gorm:"primaryKey"`
	Target   string `gorm:"primaryKey"`
}

func (PolicyTarget) TableName() string { return "policy_targets" }

// Policy run choices (the wizard's Run options).
const (
	PolicyRunAgentDefault = "agent_default"
	PolicyRunASAP         = "asap"
	PolicyRunSchedule     = "schedule"
)

// ErrPolicyExists means another policy has the name.
var ErrPolicyExists = errors.New("a policy with this name exists")

// PolicyInput is everything the wizard (and `patchdesk distribute`) sets on a policy.
type PolicyInput struct {
	Name                       string   `json:"name"`
	Description                string   `json:"description"`
	Bulletins                  []string `json:"bulletins"`
	Targets                    []string `json:"targets"`
	Run                        string   `json:"run"`
	Schedule                   string   `json:"schedule"`
	AllowImmediateRestart      bool     `json:"allow_immediate_restart"`
	WakeOnLAN                  bool     `json:"wake_on_lan"`
	OverrideMaintenanceWindows bool     `json:"override_maintenance_windows"`
	Enabled                    bool     `json:"enabled"`
	// DisabledUpdates are updates of the bulletins that the policy does not install; the others
	// are on. Nil when changing a policy keeps each update's on/off state.
	DisabledUpdates []string `json:"disabled_updates"`
}

// normalize checks the input and returns it in canonical form; the error says what is wrong.
func (in PolicyInput) normalize() (PolicyInput, error) {
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
	in.Bulletins = uniqueIDs(in.Bulletins)
	in.Targets = uniqueIDs(in.Targets)
	switch {
	case in.Name == "":
		return in, errors.New("a policy needs a name")
	case len(in.Name) > 200:
		return in, errors.New("a policy name has at most 200 characters")
	case len(in.Description) > 4000:
		return in, errors.New("a policy description has at most 4000 characters")
	case len(in.Bulletins) == 0:
		return in, errors.New("a policy needs at least one bulletin")
	case len(in.Targets) == 0:
		return in, errors.New("a policy needs at least one target")
	}
	if in.Run == "" {
		in.Run = PolicyRunAgentDefault
	}
	switch in.Run {
	case PolicyRunAgentDefault, PolicyRunASAP:
		in.Schedule = ""
	case PolicyRunSchedule:
		sp, err := schedule.Parse(in.Schedule)
		if err != nil {
			return in, fmt.Errorf("run schedule: %w", err)
		}
		if sp.Kind == schedule.Manual {
			return in, errors.New("run schedule: a policy that runs on a schedule needs one other than manual")
		}
		in.Schedule = sp.String()
	default:
		return in, fmt.Errorf("run %q: use %s, %s or %s", in.Run, PolicyRunAgentDefault, PolicyRunASAP, PolicyRunSchedule)
	}
	return in, nil
}

// RunText says when a policy installs, for lists.
func RunText(run, sched string) string {
	switch run {
	case PolicyRunASAP:
		return "as soon as possible"
	case PolicyRunSchedule:
		return sched
	}
	return "agent default"
}

// Check validates the input as creating a policy would, for forms that report problems
// before saving.
func (in PolicyInput) Check() error {
	_, err := in.normalize()
	return err
}
