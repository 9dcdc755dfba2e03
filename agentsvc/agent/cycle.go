package agent

import (
	"context"
	"fmt"
)

// The agent's hooks into the install cycle: the installer shares the agent's client (and so its
// credential), state dir, scanner and clock, runs in a goroutine of its own so that a long
// installation never holds up check-ins, and hears each check-in's policy revision.

func (a *Agent) newInstaller() *Installer {
	if a.cfg.Install == nil {
		return nil
	}
	ic := *a.cfg.Install
	if ic.Client == nil {
		ic.Client = a.client
	}
	if ic.StateDir == "" {
		ic.StateDir = a.cfg.StateDir
	}
	if ic.Scan == nil {
		ic.Scan = a.cfg.Scan
	}
	if ic.Clock == nil {
		ic.Clock = a.clock
	}
	if ic.Log == nil {
		ic.Log = a.log
	}
	return NewInstaller(ic)
}

func (a *Agent) startInstaller(ctx context.Context) {
	if a.installer != nil {
		go a.installer.Run(ctx)
	}
}

// serveUsers opens the endpoint where users ask for a cycle now. Without it the agent still
// works, so a failure to open it is only logged.
func (a *Agent) serveUsers(ctx context.Context) {
	if a.installer == nil || a.cfg.UserEndpoint == "" {
		return
	}
	l, err := listenUser(a.cfg.UserEndpoint)
	if err != nil {
		a.log.Warn("users cannot start a software update cycle", "err", err)
		return
	}
	go serveUserRequests(ctx, l, func(ctx context.Context) error { return a.installer.RunCycle(ctx, true) }, a.log)
}

func (a *Agent) notifyInstaller(revision string) {
	if a.installer != nil {
		a.installer.Notify(revision)
	}
}

// RunUserCycle is `patchagent cycle` when no agent service answers: one cycle now, in this
// process, for an enrolled agent, which needs read access to the state dir (root, an
// administrator). It takes the same lock as the service's cycles, so the two never install at
// once, and it needs the host's "Allow user to run".
func RunUserCycle(ctx context.Context, cfg Config) error {
	st, cred, ok, err := loadState(cfg.StateDir)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("agent is not enrolled (no credential in %s): run patchagent run --token first", cfg.StateDir)
	}
	urls := st.URLs
	if len(cfg.Servers) > 0 {
		urls = cfg.Servers
	}
	client := NewClient(urls, st.CAFingerprint, nil)
	client.SetCredential(cred)
	ic := InstallConfig{}
	if cfg.Install != nil {
		ic = *cfg.Install
	}
	ic.Client, ic.StateDir, ic.Scan, ic.Clock, ic.Log = client, cfg.StateDir, cfg.Scan, cfg.Clock, cfg.Log
	return NewInstaller(ic).RunCycle(ctx, true)
}
