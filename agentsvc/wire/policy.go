package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// The install cycle's part of the protocol: the check-in reply names the computer's policy
// revision, the agent fetches its assignments from PathPolicies when the revision changed, and
// reports each status change of an update as an event with a Delivery part
// (docs/agent-protocol.md, "Policies" and "Delivery events").

// PathPolicies answers a computer's assignments (POST, PoliciesRequest → PoliciesResponse).
const PathPolicies = Prefix + "policies"

// MaxPoliciesBody bounds the request; the reply is limited by the agent (MaxPoliciesReply).
const (
	MaxPoliciesBody  = 4 << 10
	MaxPoliciesReply = 32 << 20
	maxLogTail       = 8 << 10
)

// PoliciesRequest asks for the computer's assignments; Revision is the one the agent holds.
type PoliciesRequest struct {
	Revision string `json:"revision"`
}

// PoliciesResponse is everything the install cycle needs: the Default Software Update Plug-in
// Policy and, per enabled policy whose targets hold the computer, its enabled updates.
type PoliciesResponse struct {
	Revision    string         `json:"revision"`
	Plugin      PluginSettings `json:"plugin"`
	Assignments []Assignment   `json:"assignments"`
	// MaintenanceWindows are the computer's windows (those assigned to a target that holds it).
	// Empty: installs and restarts are not limited to windows.
	MaintenanceWindows []MaintenanceWindow `json:"maintenance_windows,omitempty"`
}

// MaintenanceWindow is a window as the agent evaluates it (model/windows text, e.g.
// "2nd tue +3 01:00-05:00"), in the computer's own time zone.
type MaintenanceWindow struct {
	Name string `json:"name"`
	Spec string `json:"spec"`
}

// PluginSettings are the host's plugin.* and remediation.* settings as the agent applies them
// (guide chapter 5, Default Software Update Plug-in Policy; Windows Patch Remediation Settings).
type PluginSettings struct {
	InstallSchedule            string `json:"install_schedule"` // schedule text ("daily 02:00")
	ReinstallAttempts          int    `json:"reinstall_attempts"`
	TerminateAfterS            int    `json:"terminate_after_s"`
	Restart                    string `json:"restart"` // never, scheduled, end_of_cycle
	RestartSchedule            string `json:"restart_schedule"`
	AllowUserRun               bool   `json:"allow_user_run"`
	OverrideMaintenanceWindows bool   `json:"override_maintenance_windows"`
	NotifyUser                 bool   `json:"notify_user"`
	NotifyMinutes              int    `json:"notify_minutes"`
	NotifyMessage              string `json:"notify_message"`
	ShowProgress               bool   `json:"show_progress"`
	ReminderMessage            bool   `json:"reminder_message"`
	ReminderSchedule           string `json:"reminder_schedule"` // schedule text ("every 2h")
	PendingRestartMessage      bool   `json:"pending_restart_message"`
	PendingRestartMinutes      int    `json:"pending_restart_minutes"`
	AllowDefer                 bool   `json:"allow_defer"`
	MaxDeferralS               int    `json:"max_deferral_s"`
	RunWithRights              string `json:"run_with_rights"` // system, logged_on_user, specified_user
	RunAsUser                  string `json:"run_as_user"`
	// RunAsPassword is the specified user's password, sent only with specified_user (Windows
	// agents log the account on with it). Agents keep it in memory only.
	RunAsPassword          string `json:"run_as_password,omitempty"`
	ProgramCanRun          string `json:"program_can_run"` // always, user_logged_on, no_user_logged_on
	ClientDownloadLocation string `json:"client_download_location"`
}

// Restart options of the plug-in policy.
const (
	RestartNever      = "never"
	RestartScheduled  = "scheduled"
	RestartEndOfCycle = "end_of_cycle"
)

// Run modes of a policy.
const (
	RunAgentDefault = "agent_default"
	RunASAP         = "asap"
	RunSchedule     = "schedule"
)

// Assignment is one policy as it applies to the computer.
type Assignment struct {
	PolicyID                   uint             `json:"policy_id"`
	PolicyName                 string           `json:"policy_name"`
	PolicyRevision             int              `json:"policy_revision"`
	Run                        string           `json:"run"`
	Schedule                   string           `json:"schedule,omitempty"`
	AllowImmediateRestart      bool             `json:"allow_immediate_restart"`
	OverrideMaintenanceWindows bool             `json:"override_maintenance_windows"`
	Updates                    []AssignedUpdate `json:"updates"`
}

// AssignedUpdate is one enabled update of an enabled bulletin. The rules travel as the
// catalog's JSON (model/rules), so wire stays free of the rule package. SHA256 is empty while
// the host has no verified package: the agent waits for it.
type AssignedUpdate struct {
	ID             string          `json:"id"`
	BulletinID     string          `json:"bulletin_id"`
	Name           string          `json:"name"`
	ApplicableRule json.RawMessage `json:"applicable_rule,omitempty"`
	InstalledRule  json.RawMessage `json:"installed_rule,omitempty"`
	SHA256         string          `json:"sha256,omitempty"`
	Size           int64           `json:"size,omitempty"`
	FileName       string          `json:"file_name,omitempty"`
	CommandLine    string          `json:"command_line"`
	SuccessCodes   []int           `json:"success_codes"`
	RebootCodes    []int           `json:"reboot_codes"`
	Restart        string          `json:"restart"` // never, maybe, always
	SupersededBy   string          `json:"superseded_by,omitempty"`
}

// Delivery statuses: the guide's Table 4-1 texts, as stable codes.
const (
	StatusPending           = "pending"
	StatusDownloadRequired  = "download_required"
	StatusRetry             = "retry"
	StatusScheduled         = "installation_scheduled"
	StatusInstalling        = "installing"
	StatusVerification      = "verification"
	StatusInstalled         = "installed"
	StatusInstalledByUser   = "installed_by_user"
	StatusFailedRescheduled = "failed_rescheduled"
	StatusFailed            = "failed"
	StatusNotApplicable     = "not_applicable"
	StatusSuperseded        = "superseded"
)

// StatusText is the guide's wording of each status, for screens and reports.
var StatusText = map[string]string{
	StatusPending:           "Pending",
	StatusDownloadRequired:  "Download required",
	StatusRetry:             "Retry",
	StatusScheduled:         "Installation Scheduled",
	StatusInstalling:        "Installation is in Progress",
	StatusVerification:      "Verification",
	StatusInstalled:         "Installed",
	StatusInstalledByUser:   "Installed by User",
	StatusFailedRescheduled: "Installation Failed – Rescheduled",
	StatusFailed:            "Failed to Install",
	StatusNotApplicable:     "Not Applicable",
	StatusSuperseded:        "Superseded",
}

// KindDelivery is the Kind of an event that carries a Delivery.
const KindDelivery = "delivery"

// Delivery is an update's status change on the agent. Attempt counts installations (1 for the
// first run of the command line, 0 before any); ExitCode is set once a run ended.
type Delivery struct {
	UpdateID string `json:"update_id"`
	PolicyID uint   `json:"policy_id,omitempty"`
	Status   string `json:"status"`
	Attempt  int    `json:"attempt"`
	ExitCode *int   `json:"exit_code,omitempty"`
	// LogTail is the end of the installer's output, newlines kept.
	LogTail string `json:"log_tail,omitempty"`
}

// Validate checks a delivery part of an event.
func (d Delivery) Validate() error {
	if err := checkName("update_id", d.UpdateID, true); err != nil {
		return err
	}
	if _, ok := StatusText[d.Status]; !ok {
		return fmt.Errorf("status %q is not a delivery status", d.Status)
	}
	if d.Attempt < 0 || d.Attempt > 1000 {
		return errors.New("attempt must be between 0 and 1000")
	}
	if len(d.LogTail) > maxLogTail {
		return fmt.Errorf("log_tail is longer than %d bytes", maxLogTail)
	}
	if !utf8.ValidString(d.LogTail) {
		return errors.New("log_tail is not valid UTF-8")
	}
	return nil
}

// PathPackages + a package's SHA-256 is where the host serves it (GET, Range supported). The
// host's jobs.PackagePath is the same path.
const PathPackages = Prefix + "packages/"
