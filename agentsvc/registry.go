package agentsvc

import (
	"crypto/sha256"
	"crypto/subtle"
	"strconv"
	"sync"
	"time"

	"patchdesk/agentsvc/wire"
	"patchdesk/model"
)

// agentState is the hot state of one enrolled computer. Everything a check-in needs is here, so a
// check-in reads nothing from the database.
type agentState struct {
	hash          [32]byte
	revoked       bool
	digest        string
	scanRequested time.Time // host clock; a scan is due while it is after scanDelivered
	scanDelivered time.Time

	// written behind by the flusher
	dirty        bool
	lastCheckin  time.Time
	agentVersion string
	address      string
	deliveredNew bool
}

// registry holds every enrolled agent's hot state.
type registry struct {
	mu     sync.Mutex
	agents map[uint]*agentState
	dirty  []uint
}

func newRegistry() *registry { return &registry{agents: map[uint]*agentState{}} }

func hashSecret(secret string) [32]byte { return sha256.Sum256([]byte(secret)) }

// authResult says why a credential was refused.
type authResult int

const (
	authOK authResult = iota
	authUnknown
	authRevoked
)

// parseCredential splits "computerID.secret".
func parseCredential(cred string) (uint, string, bool) {
	idText, secret, ok := wire.SplitSecret(cred)
	if !ok {
		return 0, "", false
	}
	id, err := strconv.ParseUint(idText, 10, 32)
	if err != nil || id == 0 {
		return 0, "", false
	}
	return uint(id), secret, true
}

// authenticate checks a credential. The hash is compared in constant time; the revoked flag is
// only reported for a correct secret, so it tells a guesser nothing.
func (r *registry) authenticate(cred string) (uint, authResult) {
	id, secret, ok := parseCredential(cred)
	if !ok {
		return 0, authUnknown
	}
	h := hashSecret(secret)
	r.mu.Lock()
	a := r.agents[id]
	var stored [32]byte
	revoked := false
	if a != nil {
		stored, revoked = a.hash, a.revoked
	}
	r.mu.Unlock()
	if a == nil || subtle.ConstantTimeCompare(stored[:], h[:]) != 1 {
		return 0, authUnknown
	}
	if revoked {
		return id, authRevoked
	}
	return id, authOK
}

// checkin records a heartbeat in memory and says what the host wants. ok is false when the
// agent vanished between authentication and now (deleted by an administrator).
func (r *registry) checkin(id uint, req wire.CheckinRequest, address string, now time.Time) (wantInventory, scanNow, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a := r.agents[id]
	if a == nil || a.revoked {
		return false, false, false
	}
	a.lastCheckin, a.agentVersion, a.address = now, req.AgentVersion, address
	if a.scanRequested.After(a.scanDelivered) {
		scanNow = true
		a.scanDelivered = now
		a.deliveredNew = true
	}
	r.markDirty(id, a)
	return a.digest == "" || a.digest != req.InventoryDigest, scanNow, true
}

func (r *registry) markDirty(id uint, a *agentState) {
	if !a.dirty {
		a.dirty = true
		r.dirty = append(r.dirty, id)
	}
}

// takeHeartbeats hands the flusher the check-ins since the last call.
func (r *registry) takeHeartbeats() []model.Heartbeat {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]model.Heartbeat, 0, len(r.dirty))
	for _, id := range r.dirty {
		a := r.agents[id]
		if a == nil || !a.dirty {
			continue
		}
		a.dirty = false
		h := model.Heartbeat{ComputerID: id, At: a.lastCheckin, AgentVersion: a.agentVersion, Address: a.address}
		if a.deliveredNew {
			d := a.scanDelivered
			h.ScanDeliveredAt = &d
			a.deliveredNew = false
		}
		out = append(out, h)
	}
	r.dirty = r.dirty[:0]
	return out
}

// requeue puts heartbeats back after a failed flush, unless newer ones arrived meanwhile.
func (r *registry) requeue(hs []model.Heartbeat) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, h := range hs {
		a := r.agents[h.ComputerID]
		if a == nil || a.dirty {
			continue
		}
		if h.ScanDeliveredAt != nil {
			a.deliveredNew = true
		}
		r.markDirty(h.ComputerID, a)
	}
}

// setDigest records a committed inventory.
func (r *registry) setDigest(id uint, digest string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a := r.agents[id]; a != nil {
		a.digest = digest
	}
}

// load replaces the state of the computers in auths (all computers when full), keeping
// check-ins that are not yet written.
func (r *registry) load(auths []model.AgentAuth, full bool, ids []uint) {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := make(map[uint]bool, len(auths))
	for _, au := range auths {
		seen[au.ID] = true
		a := r.agents[au.ID]
		if a == nil {
			a = &agentState{}
			r.agents[au.ID] = a
		}
		copy(a.hash[:], au.CredentialHash)
		a.revoked, a.digest = au.Revoked, au.InventoryDigest
		if au.ScanRequestedAt != nil {
			a.scanRequested = *au.ScanRequestedAt
		}
		if au.ScanDeliveredAt != nil && au.ScanDeliveredAt.After(a.scanDelivered) {
			a.scanDelivered = *au.ScanDeliveredAt
		}
	}
	// A computer asked for but not returned was deleted: its agent is refused from now on.
	if full {
		for id := range r.agents {
			if !seen[id] {
				delete(r.agents, id)
			}
		}
		return
	}
	for _, id := range ids {
		if !seen[id] {
			delete(r.agents, id)
		}
	}
}

// enrolled installs a new or re-keyed computer's state.
func (r *registry) enrolled(c model.Computer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a := r.agents[c.ID]
	if a == nil {
		a = &agentState{}
		r.agents[c.ID] = a
	}
	copy(a.hash[:], c.CredentialHash)
	a.revoked, a.digest = false, c.InventoryDigest
}

func (r *registry) size() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.agents)
}
