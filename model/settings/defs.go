// Package settings is PatchDesk's typed settings registry: every option of the guide's settings
// pages that PatchDesk offers, with its default, validation, the pane that shows it and whether
// it acts yet. Values live in the database's settings table in canonical text form.
package settings

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/text/language"
)

// Kind is a setting's value type.
type Kind string

const (
	Bool     Kind = "bool"
	Int      Kind = "int"
	Duration Kind = "duration"
	Choice   Kind = "choice"
	Text     Kind = "text"
	Path     Kind = "path"
	Schedule Kind = "schedule"
	List     Kind = "list"
	// Secret is text stored sealed (model/secrets) and never shown: displays say "(set)".
	Secret Kind = "secret"
)

// Option is one value of a Choice setting.
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// Env holds what some defaults depend on.
type Env struct {
	DataDir  string
	Hostname string
}

// Def describes one setting.
type Def struct {
	Key     string
	Pane    string // Pane.ID
	Section string // a tab or group on the guide's page
	Label   string
	Help    string
	Kind    Kind
	Default string
	// DefaultFn replaces Default where the default depends on the data dir or the machine.
	DefaultFn func(Env) string
	Options   []Option
	// Min and Max bound Int values, and Duration values in seconds.
	Min, Max int64
	// Optional lets Text, Path and List settings be empty.
	Optional bool
	// Item validates and canonicalises one Text value or List item.
	Item func(string) (string, error)
	// Pending names the feature that makes this setting act, while that feature is not built;
	// empty once the setting has its effect.
	Pending string
	// EnabledBy is a Bool setting that must be on for this one to matter.
	EnabledBy string
	// ReadOnly settings are shown by `settings show` but changed through their own commands.
	ReadOnly string
}

// DefaultValue returns the default in canonical form for env.
func (d Def) DefaultValue(env Env) string {
	if d.DefaultFn != nil {
		return d.DefaultFn(env)
	}
	return d.Default
}

// Note is the GUI's honest word on a setting that does nothing yet.
func (d Def) Note() string {
	if d.Pending == "" {
		return ""
	}
	return "Takes effect with " + d.Pending + " (not in this version yet)."
}

// Pane groups settings as one page of the Settings screen.
type Pane struct {
	ID          string
	Title       string
	Description string
}

// Panes in the order the Settings screen lists them.
var Panes = []Pane{
	{"core", "Core Services", "Where update packages are downloaded to, and your own severity levels."},
	{"remediation", "Windows Patch Remediation Settings", "How software updates are distributed: targets, package retention and how update programs run. Existing policies keep no copy of these settings: agents apply the saved values from their next check-in, so there is no separate \"update existing policies\" step."},
	{"plugin", "Default Software Update Plug-in Policy", "When agents install updates and restart computers, and what users are told."},
	{"scan", "System Assessment Scan", "How often agents inventory their computer and report it."},
	{"import", "Import Patch Data", "Where the software update catalog comes from and how it is imported."},
	{"listener", "Listener", "The HTTPS address agents connect to, the names on the host's certificate and how often agents check in."},
	{"host", "Host", "How this desktop host behaves: the tray, job history and database upkeep."},
}

// Keys. Each one is documented by its Def below and in docs/cli.md.
const (
	KeyToLocation         = "core.to_location"
	KeyStagingLocation    = "core.staging_location"
	KeyCustomSeverities   = "core.custom_severity_levels"
	KeyDownloadSchedule   = "core.download_schedule"
	KeyIntegritySchedule  = "core.integrity_schedule"
	KeyPurgeSchedule      = "remediation.purge_schedule"
	KeyFilterInterval     = "remediation.patch_filter_interval"
	KeyDefaultTarget      = "remediation.default_target"
	KeyDeletePackages     = "remediation.delete_packages_after"
	KeyClientDownloadDir  = "remediation.client_download_location"
	KeyTerminateAfter     = "remediation.terminate_after"
	KeyRunWithRights      = "remediation.run_with_rights"
	KeyRunAsUser          = "remediation.run_as_user"
	KeyRunAsPassword      = "remediation.run_as_password"
	KeyProgramCanRun      = "remediation.program_can_run"
	KeyAgentEvents        = "remediation.agent_events"
	KeyInstallSchedule    = "plugin.install_schedule"
	KeyReinstallAttempts  = "plugin.reinstall_attempts"
	KeyAllowUserRun       = "plugin.allow_user_run"
	KeyRestart            = "plugin.restart"
	KeyRestartSchedule    = "plugin.restart_schedule"
	KeyOverrideWindows    = "plugin.override_maintenance_windows"
	KeyNotifyUser         = "plugin.notify_user"
	KeyNotifyMinutes      = "plugin.notify_minutes"
	KeyNotifyMessage      = "plugin.notify_message"
	KeyShowProgress       = "plugin.show_progress"
	KeyPendingRestart     = "plugin.pending_restart_message"
	KeyPendingMinutes     = "plugin.pending_restart_minutes"
	KeyReminder           = "plugin.reminder_message"
	KeyReminderSchedule   = "plugin.reminder_schedule"
	KeyAllowDefer         = "plugin.allow_defer"
	KeyMaxDeferral        = "plugin.max_deferral"
	KeyScanSchedule       = "scan.schedule"
	KeyScanOnlyIfChanged  = "scan.send_only_if_changed"
	KeyScanTarget         = "scan.target"
	KeyImportSchedule     = "import.schedule"
	KeyImportIncremental  = "import.incremental"
	KeyImportDeleteExcl   = "import.delete_excluded"
	KeyImportUseDefault   = "import.use_default_location"
	KeyImportAltLocations = "import.alternative_locations"
	KeyImportRevise       = "import.revise_policies"
	KeyImportEnableNew    = "import.enable_new_updates"
	KeyImportDisableSuper = "import.disable_superseded"
	KeyImportLanguages    = "import.languages"
	KeyImportVendors      = "import.vendors"
	KeyImportSoftware     = "import.software"
	KeyListenerAddress    = "listener.address"
	KeyListenerNames      = "listener.cert_names"
	KeyCheckinInterval    = "listener.checkin_interval"
	KeyCloseToTray        = "host.close_to_tray"
	KeyMaintenanceSched   = "host.maintenance_schedule"
	KeyHistoryDays        = "host.job_history_days"
)

// DefaultTarget is the built-in target the guide calls "Windows Computers with Software Update
// Plug-in Installed Target".
const DefaultTarget = "Windows computers with the agent"

var (
	rightsOptions = []Option{
		{"system", "System account"},
		{"logged_on_user", "Logged-on user"},
		{"specified_user", "Specified user"},
	}
	canRunOptions = []Option{
		{"always", "Whether or not a user is logged on"},
		{"user_logged_on", "Only when a user is logged on"},
		{"no_user_logged_on", "Only when no user is logged on"},
	}
	restartOptions = []Option{
		{"never", "Never"},
		{"scheduled", "Scheduled"},
		{"end_of_cycle", "At end of software update cycle"},
	}
)

// Defs lists every setting in pane order.
var Defs = []Def{
	{Key: KeyToLocation, Pane: "core", Section: "Package location", Label: "To Location", Kind: Path,
		Help:      "Folder the software update packages are downloaded to. After changing it, run the package integrity job to move existing packages.",
		DefaultFn: func(e Env) string { return filepath.Join(e.DataDir, "packages") }},
	{Key: KeyStagingLocation, Pane: "core", Section: "Package location", Label: "Download from staging location", Kind: Path, Optional: true,
		Help: "Optional folder, laid out like the To Location, that is used instead of the vendor's site when it holds the expected file. This is also how you supply Microsoft packages the catalog only links to."},
	{Key: KeyCustomSeverities, Pane: "core", Section: "Custom severity", Label: "Custom severity levels", Kind: List, Optional: true,
		Help:     "Your own severity levels, in order, to assign to bulletins in the Remediation Center. Vendor severities cannot be changed.",
		ReadOnly: "edit custom severity levels with `patchdesk severity add|rename|remove|move` or on the Core Services pane"},

	{Key: KeyDownloadSchedule, Pane: "core", Section: "Server tasks", Label: "Download packages", Kind: Schedule,
		Default: "every 1h", Help: "How often the download-packages job works through queued and missing packages. Downloads you start from the Remediation Center begin at once."},
	{Key: KeyIntegritySchedule, Pane: "core", Section: "Server tasks", Label: "Check software update package integrity", Kind: Schedule,
		Default: "weekly sun 03:00", Help: "When every stored package is verified, bad or missing ones fetched again, and the store moved after a To Location change."},

	{Key: KeyFilterInterval, Pane: "remediation", Section: "Software Update Options", Label: "Patch filter update interval", Kind: Duration,
		Default: "30m", Min: 60, Max: 7 * 86400, Help: "How often the targets (saved computer queries) are recomputed."},
	{Key: KeyDefaultTarget, Pane: "remediation", Section: "Software Update Options", Label: "Default target for the Distribute Software Updates wizard", Kind: Text,
		Default: DefaultTarget, Item: nonEmptyName, Help: "The target the wizard preselects for a new policy."},
	{Key: KeyDeletePackages, Pane: "remediation", Section: "Policy and Package Settings", Label: "Delete packages after", Kind: Duration,
		Default: "1w", Min: 3600, Max: 365 * 86400, Help: "Packages that no policy has used for this long are deleted from the package store."},
	{Key: KeyPurgeSchedule, Pane: "remediation", Section: "Policy and Package Settings", Label: "Purge unused packages", Kind: Schedule,
		Default: "daily 05:00", Help: "When the purge-packages job deletes packages unused for the period above."},
	{Key: KeyClientDownloadDir, Pane: "remediation", Section: "Policy and Package Settings", Label: "Use alternate download location on clients", Kind: Text, Optional: true,
		Item: clientPath, Help: "Folder on each managed computer that packages are downloaded to instead of the agent's own cache, e.g. D:\\Patches\\."},
	{Key: KeyTerminateAfter, Pane: "remediation", Section: "Programs", Label: "Terminate after", Kind: Duration,
		Default: "4h", Min: 60, Max: 7 * 86400, Help: "An update program still running after this long is killed with its whole process tree."},
	{Key: KeyRunWithRights, Pane: "remediation", Section: "Programs", Label: "Run with rights", Kind: Choice,
		Default: "system", Options: rightsOptions, Help: "The account update programs run as."},
	{Key: KeyRunAsUser, Pane: "remediation", Section: "Programs", Label: "Specified user (DOMAIN\\user)", Kind: Text, Optional: true,
		Item: accountName, Help: "The account used when Run with rights is Specified user."},
	{Key: KeyRunAsPassword, Pane: "remediation", Section: "Programs", Label: "Specified user's password", Kind: Secret, Optional: true,
		Help: "Windows agents log the specified user on with it; it is stored encrypted and sent only to enrolled agents over the listener's TLS. Linux and macOS agents running as root switch accounts without it."},
	{Key: KeyProgramCanRun, Pane: "remediation", Section: "Programs", Label: "Program can run", Kind: Choice,
		Default: "always", Options: canRunOptions, Help: "Whether update programs may run while a user is logged on."},
	{Key: KeyAgentEvents, Pane: "remediation", Section: "Programs", Label: "Agent events", Kind: Bool,
		Default: "true", Help: "Agents send their events (status changes, exit codes, log tails) to the host."},

	{Key: KeyInstallSchedule, Pane: "plugin", Section: "Installation Schedules", Label: "Installation schedule", Kind: Schedule,
		Default: "daily 02:00", Help: "When agents install updates. Ignored while a maintenance window applies, unless maintenance windows are overridden."},
	{Key: KeyReinstallAttempts, Pane: "plugin", Section: "Installation Schedules", Label: "Reinstallation attempts after failure", Kind: Int,
		Default: "3", Min: 0, Max: 20, Help: "How often an agent retries an update whose installation failed."},
	{Key: KeyAllowUserRun, Pane: "plugin", Section: "Installation Schedules", Label: "Allow user to run", Kind: Bool,
		Default: "true", Help: "Users may start a software update cycle themselves (patchagent cycle)."},
	{Key: KeyRestart, Pane: "plugin", Section: "Installation Schedules", Label: "Allow restart after installation", Kind: Choice,
		Default: "end_of_cycle", Options: restartOptions, Help: "When a computer restarts after updates that need it."},
	{Key: KeyRestartSchedule, Pane: "plugin", Section: "Installation Schedules", Label: "Restart schedule", Kind: Schedule,
		Default: "daily 03:00", Help: "When computers restart if the restart option is Scheduled. Leave time after the installation schedule."},
	{Key: KeyOverrideWindows, Pane: "plugin", Section: "Installation Schedules", Label: "Override maintenance windows", Kind: Bool,
		Default: "false", Help: "Install and restart on this policy's schedules even outside maintenance windows."},
	{Key: KeyNotifyUser, Pane: "plugin", Section: "Notification", Label: "Notify user", Kind: Bool,
		Default: "true", Help: "Tell the logged-on user before updates install."},
	{Key: KeyNotifyMinutes, Pane: "plugin", Section: "Notification", Label: "Minutes before installation", Kind: Int, EnabledBy: KeyNotifyUser,
		Default: "10", Min: 1, Max: 240, Help: "How long the notice shows before the installation starts."},
	{Key: KeyNotifyMessage, Pane: "plugin", Section: "Notification", Label: "Message", Kind: Text, EnabledBy: KeyNotifyUser, Optional: true,
		Default: "Software updates will be installed on this computer shortly. Please save your work.", Item: message,
		Help: "Custom text of the notice. Empty uses the agent's own wording."},
	{Key: KeyShowProgress, Pane: "plugin", Section: "Notification", Label: "Show progress", Kind: Bool,
		Default: "false", Help: "Show users a progress dialog while updates install."},
	{Key: KeyPendingRestart, Pane: "plugin", Section: "Notification", Label: "Show pending restart message", Kind: Bool,
		Default: "true", Help: "Warn users before a restart; they may restart at once."},
	{Key: KeyPendingMinutes, Pane: "plugin", Section: "Notification", Label: "Minutes before restart", Kind: Int, EnabledBy: KeyPendingRestart,
		Default: "15", Min: 1, Max: 240, Help: "How soon before the restart users are warned."},
	{Key: KeyReminder, Pane: "plugin", Section: "Notification", Label: "Show reminder message", Kind: Bool,
		Default: "true", Help: "Remind users that a restart is required."},
	{Key: KeyReminderSchedule, Pane: "plugin", Section: "Notification", Label: "Reminder schedule", Kind: Schedule, EnabledBy: KeyReminder,
		Default: "every 2h", Help: "How often the reminder shows until the computer restarts."},
	{Key: KeyAllowDefer, Pane: "plugin", Section: "Notification", Label: "Allow user to defer", Kind: Bool,
		Default: "true", Help: "Users may postpone a pending restart."},
	{Key: KeyMaxDeferral, Pane: "plugin", Section: "Notification", Label: "Maximum deferral", Kind: Duration, EnabledBy: KeyAllowDefer,
		Default: "4h", Min: 60, Max: 14 * 86400, Help: "How long users may postpone the restart in total."},

	{Key: KeyScanSchedule, Pane: "scan", Section: "Schedule", Label: "Scan schedule", Kind: Schedule,
		Default: "every 4h", Help: "How often agents inventory their computer (OS, software, installed updates)."},
	{Key: KeyScanOnlyIfChanged, Pane: "scan", Section: "Schedule", Label: "Send inventory results only if changed", Kind: Bool,
		Default: "true", Help: "Agents send the inventory only when it differs from the last one sent."},
	{Key: KeyScanTarget, Pane: "scan", Section: "Target", Label: "Target", Kind: Text,
		Default: DefaultTarget, Item: nonEmptyName, Help: "Computers that scan on the schedule above; others scan only when asked. Change it only for a specific reason."},

	{Key: KeyImportSchedule, Pane: "import", Section: "Schedule", Label: "Import schedule", Kind: Schedule,
		Default: "daily 01:00", Help: "When the import-catalog job runs."},
	{Key: KeyImportIncremental, Pane: "import", Section: "Options", Label: "Incremental import", Kind: Bool,
		Default: "true", Help: "Fetch and import only the catalog files that changed since the last import."},
	{Key: KeyImportDeleteExcl, Pane: "import", Section: "Options", Label: "Delete previously imported data for vendors, software and languages that are now excluded", Kind: Bool,
		Default: "false", Help: "Off keeps excluded data, so a partial refresh saves time and bandwidth."},
	{Key: KeyImportUseDefault, Pane: "import", Section: "Locations", Label: "Use the default location (the catalog shipped with PatchDesk)", Kind: Bool,
		Default: "true", Help: "Import the catalog snapshot built into this version."},
	{Key: KeyImportAltLocations, Pane: "import", Section: "Locations", Label: "Alternative locations", Kind: List, Optional: true, Default: "[]",
		Item: location, Help: "Folders, files or https:// URLs: PatchDesk catalogs, MSRC CVRF documents or winget manifests. Separate several with commas."},
	{Key: KeyImportRevise, Pane: "import", Section: "Policies", Label: "Automatically revise software update policies after importing", Kind: Bool,
		Default: "true", Help: "Existing policies pick up corrected data for their bulletins."},
	{Key: KeyImportEnableNew, Pane: "import", Section: "Policies", Label: "Enable distribution of newly added software updates", Kind: Bool,
		Default: "true", Help: "Updates a vendor adds to a bulletin that a policy holds are enabled in that policy; off adds them disabled."},
	{Key: KeyImportDisableSuper, Pane: "import", Section: "Policies", Label: "Disable all superseded software updates", Kind: Bool,
		Default: "false", Help: "Superseded updates are no longer rolled out by any policy."},
	{Key: KeyImportLanguages, Pane: "import", Section: "Languages", Label: "Languages", Kind: List,
		Default: `["en"]`, Item: languageTag, Help: "Languages of the updates to import (BCP 47 codes such as en, de, fr-CA). Others are left out so no unneeded files are downloaded."},
	{Key: KeyImportVendors, Pane: "import", Section: "Vendors and Software", Label: "Vendors", Kind: List, Optional: true, Default: "[]",
		Item: nonEmptyName, Help: "Vendors whose bulletins are imported, all of their software included. Empty with no software chosen imports everything; \"Update list\" shows what the locations offer."},
	{Key: KeyImportSoftware, Pane: "import", Section: "Vendors and Software", Label: "Software", Kind: List, Optional: true, Default: "[]",
		Item: nonEmptyName, Help: "Further products whose bulletins are imported, by name (\"Google Chrome\", \"Windows\"), besides those of the chosen vendors."},

	{Key: KeyListenerAddress, Pane: "listener", Section: "Address", Label: "Address and port", Kind: Text,
		Default: ":8443", Item: listenAddress, Help: "Where the HTTPS listener accepts agents, as host:port; :8443 listens on every interface."},
	{Key: KeyListenerNames, Pane: "listener", Section: "Certificate", Label: "Host names and IP addresses for the server certificate", Kind: List,
		DefaultFn: func(e Env) string { return mustList(e.Hostname, "localhost", "127.0.0.1") }, Item: hostOrIP,
		Help: "Every name or address agents use to reach this host. The certificate is reissued when this changes."},
	{Key: KeyCheckinInterval, Pane: "listener", Section: "Agents", Label: "Agents check in every", Kind: Duration,
		Default: "10m", Min: 30, Max: 86400,
		Help: "How often agents ask for new work: policies, scan requests, revocation. Shorter reaches computers sooner for more requests (500 agents every 10 minutes make under one a second). Agents take a change at their next check-in."},

	{Key: KeyCloseToTray, Pane: "host", Section: "Window", Label: "Keep the host running in the system tray when the window is closed", Kind: Bool,
		Default: "true", Help: "Agents depend on the host: closing the window keeps serving them from the tray. Quit from the tray menu."},
	{Key: KeyMaintenanceSched, Pane: "host", Section: "Upkeep", Label: "Database maintenance schedule", Kind: Schedule,
		Default: "daily 04:00", Help: "When the database-maintenance job checks the database, checkpoints its journal and prunes old job history."},
	{Key: KeyHistoryDays, Pane: "host", Section: "Upkeep", Label: "Keep job history for (days)", Kind: Int,
		Default: "90", Min: 1, Max: 3650, Help: "Job runs older than this are removed by the database-maintenance job."},
}

var byKey = func() map[string]int {
	m := make(map[string]int, len(Defs))
	for i, d := range Defs {
		if _, dup := m[d.Key]; dup {
			panic("settings: duplicate key " + d.Key)
		}
		m[d.Key] = i
	}
	return m
}()

// ErrUnknownKey is returned for a key no setting has.
var ErrUnknownKey = errors.New("unknown setting")

// Lookup finds a setting's definition.
func Lookup(key string) (Def, error) {
	i, ok := byKey[key]
	if !ok {
		return Def{}, fmt.Errorf("%w %q; `patchdesk settings show` lists them", ErrUnknownKey, key)
	}
	return Defs[i], nil
}

// InPane lists the settings of one pane in order.
func InPane(pane string) []Def {
	var defs []Def
	for _, d := range Defs {
		if d.Pane == pane {
			defs = append(defs, d)
		}
	}
	return defs
}

func nonEmptyName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("must not be empty")
	}
	if len(s) > 200 {
		return "", errors.New("must be at most 200 characters")
	}
	return s, nil
}

func message(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > 500 {
		return "", errors.New("must be at most 500 characters")
	}
	return s, nil
}

var accountRe = regexp.MustCompile(`^([A-Za-z0-9._-]{1,64}\\)?[A-Za-z0-9._@ -]{1,104}$`)

func accountName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !accountRe.MatchString(s) {
		return "", fmt.Errorf("%q is not an account name; use DOMAIN\\user or user", s)
	}
	return s, nil
}

// clientPath accepts a Windows or POSIX absolute folder as agents will see it.
func clientPath(s string) (string, error) {
	s = strings.TrimSpace(s)
	windows := regexp.MustCompile(`^([A-Za-z]:\\|\\\\[^\\]+\\[^\\]+)`)
	if !windows.MatchString(s) && !strings.HasPrefix(s, "/") {
		return "", fmt.Errorf("%q is not an absolute folder on the client (e.g. D:\\Patches\\ or /var/cache/patches)", s)
	}
	return s, nil
}

func location(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return "", fmt.Errorf("%q is not a valid URL", s)
		}
		return u.String(), nil
	}
	if strings.Contains(s, "://") {
		return "", fmt.Errorf("%q: only folders, files and http(s) URLs are supported", s)
	}
	if !filepath.IsAbs(s) {
		return "", fmt.Errorf("%q: give an absolute path or an https:// URL", s)
	}
	return filepath.Clean(s), nil
}

func languageTag(s string) (string, error) {
	tag, err := language.Parse(strings.TrimSpace(s))
	if err != nil {
		return "", fmt.Errorf("%q is not a language code (use en, de, fr-CA…)", s)
	}
	return tag.String(), nil
}

func listenAddress(s string) (string, error) {
	s = strings.TrimSpace(s)
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("%q: want host:port or :port, e.g. :8443", s)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return "", fmt.Errorf("%q: port must be 1 to 65535", s)
	}
	if host != "" && net.ParseIP(host) == nil {
		if _, err := hostOrIP(host); err != nil {
			return "", err
		}
	}
	return net.JoinHostPort(host, port), nil
}

var hostRe = regexp.MustCompile(`^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$`)

func hostOrIP(s string) (string, error) {
	s = strings.TrimSpace(s)
	if ip := net.ParseIP(s); ip != nil {
		return ip.String(), nil
	}
	if len(s) > 253 || !hostRe.MatchString(s) {
		return "", fmt.Errorf("%q is neither a host name nor an IP address", s)
	}
	return strings.ToLower(s), nil
}
