package agent

import (
	"fmt"
	"time"

	"patchdesk/agentsvc/wire"
	"patchdesk/model/schedule"
)

// installTime is when an update of the assignment may be installed, counted on the agent's own
// clock in its local time zone: the policy's run mode, and for agent_default the plug-in
// policy's installation schedule. ok is false for a manual schedule: only a user-run cycle
// installs then.
func installTime(a wire.Assignment, p wire.PluginSettings, now time.Time) (time.Time, bool, error) {
	var text string
	switch a.Run {
	case wire.RunASAP:
		return now, true, nil
	case wire.RunSchedule:
		text = a.Schedule
	default:
		text = p.InstallSchedule
	}
	return nextTime(text, now)
}

// nextTime is the first time the schedule fires after now, in local time.
func nextTime(text string, now time.Time) (time.Time, bool, error) {
	sp, err := schedule.Parse(text)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("schedule %q: %w", text, err)
	}
	t, ok := sp.Next(now.Local(), time.Time{})
	return t, ok, nil
}
