package model

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"gorm.io/gorm"

	"patchdesk/model/inventory"
)

// Computer is a managed computer: one enrolled agent, with what its newest inventory says.
type Computer struct {
	ID               uint       `gorm:"primaryKey" json:"id"`
	Name             string     `gorm:"not null;index" json:"name"`
	Domain           string     `gorm:"not null;default:''" json:"domain"`
	OSFamily         string     `gorm:"not null;default:''" json:"os_family"`
	OSName           string     `gorm:"not null;default:''" json:"os_name"`
	OSVersion        string     `gorm:"not null;default:''" json:"os_version"`
	OSDisplayVersion string     `gorm:"not null;default:''" json:"os_display_version"`
	OSBuild          int        `gorm:"not null;default:0" json:"os_build"`
	OSUBR            int        `gorm:"column:os_ubr;not null;default:0" json:"os_ubr"`
	OSArch           string     `gorm:"not null;default:''" json:"os_arch"`
	IPs              []string   `gorm:"serializer:json;not null;default:'[]'" json:"ips"`
	LastAddress      string     `gorm:"not null;default:''" json:"last_address"` // where the last check-in came from
	AgentVersion     string     `gorm:"not null;default:''" json:"agent_version"`
	EnrolledAt       time.Time  `json:"enrolled_at"`
	EnrolToken       string     `gorm:"not null;default:''" json:"enrol_token"`
	LastCheckinAt    *time.Time `json:"last_checkin_at"`
	LastInventoryAt  *time.Time `json:"last_inventory_at"`
	InventoryDigest  string     `gorm:"not null;default:''" json:"inventory_digest"`
	// Inventory is the newest inventory as gzip-compressed JSON; see DecodeInventory.
	Inventory       []byte     `json:"-"`
	CredentialHash  []byte     `gorm:"not null" json:"-"`
	Revoked         bool       `gorm:"not null;default:false" json:"revoked"`
	RevokedAt       *time.Time `json:"revoked_at,omitempty"`
	ScanRequestedAt *time.Time `json:"scan_requested_at,omitempty"`
	ScanDeliveredAt *time.Time `json:"scan_delivered_at,omitempty"`
}

// EnrolToken lets agents enrol a limited number of times until it expires. Only the secret's
// hash is kept; the token string is shown once, when it is created.
type EnrolToken struct {
	ID         string    `gorm:"primaryKey" json:"id"`
	SecretHash []byte    `gorm:"not null" json:"-"`
	CreatedAt  time.Time `gorm:"not null" json:"created_at"`
	CreatedBy  string    `gorm:"not null;default:''" json:"created_by"`
	ExpiresAt  time.Time `gorm:"not null" json:"expires_at"`
	Uses       int       `gorm:"not null" json:"uses"`
	UsesLeft   int       `gorm:"not null" json:"uses_left"`
}

// AgentEvent is something an agent reported (a scan, an error, later an installation).
type AgentEvent struct {
	ID         uint      `gorm:"primaryKey" json:"id"`
	ComputerID uint      `gorm:"not null;index:idx_agent_events_computer_at,priority:1" json:"computer_id"`
	At         time.Time `gorm:"not null;index:idx_agent_events_computer_at,priority:2" json:"at"`
	ReceivedAt time.Time `gorm:"not null" json:"received_at"`
	Severity   string    `gorm:"not null" json:"severity"`
	Kind       string    `gorm:"not null" json:"kind"`
	Message    string    `gorm:"not null;default:''" json:"message"`
}

// ComputerChange records an administrator's action on a computer that a running listener must
// notice: revoke, delete, scan.
type ComputerChange struct {
	ID         uint      `gorm:"primaryKey"`
	ComputerID uint      `gorm:"not null"`
	Kind       string    `gorm:"not null"`
	At         time.Time `gorm:"not null"`
}

// Kinds of ComputerChange.
const (
	ChangeRevoke = "revoke"
	ChangeDelete = "delete"
	ChangeScan   = "scan"
)

// Enrolment errors. The listener answers all three with 401; the messages tell them apart for
// the administrator reading the agent's log.
var (
	ErrTokenInvalid = errors.New("enrolment token is unknown or its secret is wrong")
	ErrTokenExpired = errors.New("enrolment token has expired")
	ErrTokenUsedUp  = errors.New("enrolment token has no uses left")
)

// CreateEnrolToken stores a new token.
func (s *Store) CreateEnrolToken(ctx context.Context, t EnrolToken) error {
	if t.UsesLeft != t.Uses || t.Uses < 1 {
		return fmt.Errorf("create enrolment token: uses must be at least 1")
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&t).Error; err != nil {
			return fmt.Errorf("create enrolment token: %w", err)
		}
		detail := fmt.Sprintf("uses %d, expires %s", t.Uses, t.ExpiresAt.Format(time.RFC3339))
		return AuditTx(tx, t.CreatedBy, "create", "token:"+t.ID, detail)
	})
}

// EnrolTokens lists the tokens, newest first.
func (s *Store) EnrolTokens(ctx context.Context) ([]EnrolToken, error) {
	var ts []EnrolToken
	if err := s.DB.WithContext(ctx).Order("created_at DESC").Find(&ts).Error; err != nil {
		return nil, fmt.Errorf("list enrolment tokens: %w", err)
	}
	return ts, nil
}

// DeleteEnrolToken withdraws a token; computers it enrolled stay.
func (s *Store) DeleteEnrolToken(ctx context.Context, actor, id string) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Delete(&EnrolToken{}, "id = ?", id)
		if res.Error != nil {
			return fmt.Errorf("delete enrolment token %s: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("enrolment token %s: %w", id, ErrNotFound)
		}
		return AuditTx(tx, actor, "delete", "token:"+id, "")
	})
}

// Enrolment is an agent's request to enrol, as the listener hands it on.
type Enrolment struct {
	TokenID        string
	SecretHash     []byte
	Hostname       string
	OSFamily       string
	AgentVersion   string
	Address        string
	CredentialHash []byte
	Now            time.Time
}

// Enrol spends one use of a token and registers the agent with its credential's hash. An agent
// that enrols again under the name of a computer that is not revoked (its state was lost, or it
// was reinstalled) takes that computer over, keeping its history; its old credential stops
// working.
func (s *Store) Enrol(ctx context.Context, e Enrolment) (Computer, error) {
	var c Computer
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var t EnrolToken
		if err := tx.Where("id = ?", e.TokenID).Take(&t).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrTokenInvalid
			}
			return fmt.Errorf("read enrolment token: %w", err)
		}
		if subtle.ConstantTimeCompare(t.SecretHash, e.SecretHash) != 1 {
			return ErrTokenInvalid
		}
		if !e.Now.Before(t.ExpiresAt) {
			return ErrTokenExpired
		}
		if t.UsesLeft < 1 {
			return ErrTokenUsedUp
		}
		if err := tx.Model(&t).Update("uses_left", gorm.Expr("uses_left - 1")).Error; err != nil {
			return fmt.Errorf("spend enrolment token: %w", err)
		}
		err := tx.Omit("inventory").Where("name = ? AND NOT revoked", e.Hostname).Order("id").Take(&c).Error
		switch {
		case err == nil:
			c.CredentialHash, c.AgentVersion, c.EnrolToken, c.LastAddress = e.CredentialHash, e.AgentVersion, t.ID, e.Address
			err = tx.Model(&c).Select("credential_hash", "agent_version", "enrol_token", "last_address").Updates(&c).Error
		case errors.Is(err, gorm.ErrRecordNotFound):
			c = Computer{Name: e.Hostname, OSFamily: e.OSFamily, AgentVersion: e.AgentVersion, EnrolledAt: e.Now,
				EnrolToken: t.ID, CredentialHash: e.CredentialHash, LastAddress: e.Address, IPs: []string{}}
			err = tx.Create(&c).Error
		}
		if err != nil {
			return fmt.Errorf("register computer %s: %w", e.Hostname, err)
		}
		return AuditTx(tx, "agent@"+e.Address, "enrol", computerObject(c), "token "+t.ID)
	})
	return c, err
}

func computerObject(c Computer) string {
	return "computer:" + strconv.FormatUint(uint64(c.ID), 10) + ":" + c.Name
}

// AgentAuth is what the listener keeps in memory per computer to answer check-ins.
type AgentAuth struct {
	ID              uint
	CredentialHash  []byte
	Revoked         bool
	InventoryDigest string
	ScanRequestedAt *time.Time
	ScanDeliveredAt *time.Time
}

// AgentAuths reads the listener's per-computer state: of every computer, or of those in ids.
func (s *Store) AgentAuths(ctx context.Context, ids ...uint) ([]AgentAuth, error) {
	q := s.DB.WithContext(ctx).Model(&Computer{}).
		Select("id", "credential_hash", "revoked", "inventory_digest", "scan_requested_at", "scan_delivered_at")
	if len(ids) > 0 {
		q = q.Where("id IN ?", ids)
	}
	var out []AgentAuth
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("read agent credentials: %w", err)
	}
	return out, nil
}

// ComputerChanges lists changes after the one numbered after, oldest first.
func (s *Store) ComputerChanges(ctx context.Context, after uint) ([]ComputerChange, error) {
	var cs []ComputerChange
	if err := s.DB.WithContext(ctx).Where("id > ?", after).Order("id").Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("read computer changes: %w", err)
	}
	return cs, nil
}

// LastComputerChange is the number of the newest change (0 when there is none).
func (s *Store) LastComputerChange(ctx context.Context) (uint, error) {
	var id uint
	if err := s.DB.WithContext(ctx).Model(&ComputerChange{}).Select("COALESCE(MAX(id), 0)").Scan(&id).Error; err != nil {
		return 0, fmt.Errorf("read computer changes: %w", err)
	}
	return id, nil
}

// Heartbeat is a check-in, written behind in batches: losing the last second of them in a crash
// costs nothing but a slightly older "last check-in".
type Heartbeat struct {
	ComputerID      uint
	At              time.Time
	AgentVersion    string
	Address         string
	ScanDeliveredAt *time.Time
}

// SaveHeartbeats records check-ins in one transaction. It runs one prepared statement per row
// rather than GORM's per-call reflection: at thousands of check-ins a second that is the
// difference between a flush of milliseconds and one that holds the write lock for a tenth of a
// second.
func (s *Store) SaveHeartbeats(ctx context.Context, hs []Heartbeat) error {
	if len(hs) == 0 {
		return nil
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		stmt, err := tx.Statement.ConnPool.PrepareContext(ctx,
			`UPDATE computers SET last_checkin_at = ?, agent_version = ?, last_address = ?,
			 scan_delivered_at = COALESCE(?, scan_delivered_at) WHERE id = ?`)
		if err != nil {
			return fmt.Errorf("record check-ins: %w", err)
		}
		defer stmt.Close()
		for _, h := range hs {
			if _, err := stmt.ExecContext(ctx, h.At, h.AgentVersion, h.Address, h.ScanDeliveredAt, h.ComputerID); err != nil {
				return fmt.Errorf("record check-in of computer %d: %w", h.ComputerID, err)
			}
		}
		return nil
	})
}

// InventoryRecord is an uploaded inventory ready to store: Blob is EncodeInventory's output.
type InventoryRecord struct {
	ComputerID uint
	Inventory  *inventory.Inventory
	Digest     string
	Blob       []byte
	At         time.Time
}

// SaveInventories stores inventories in one transaction, so that a burst of uploads costs one
// commit. The result has one entry per record: nil, or ErrNotFound when the computer was deleted
// meanwhile. The error is for the transaction as a whole.
func (s *Store) SaveInventories(ctx context.Context, recs []InventoryRecord) ([]error, error) {
	results := make([]error, len(recs))
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		stmt, err := tx.Statement.ConnPool.PrepareContext(ctx, `UPDATE computers SET name = ?, domain = ?,
			os_family = ?, os_name = ?, os_version = ?, os_display_version = ?, os_build = ?, os_ubr = ?, os_arch = ?,
			ips = ?, agent_version = ?, last_inventory_at = ?, inventory_digest = ?, inventory = ? WHERE id = ?`)
		if err != nil {
			return fmt.Errorf("store inventories: %w", err)
		}
		defer stmt.Close()
		for i, r := range recs {
			inv := r.Inventory
			ips := inv.IPs
			if ips == nil {
				ips = []string{}
			}
			ipsJSON, _ := json.Marshal(ips)
			res, err := stmt.ExecContext(ctx, inv.Hostname, inv.Domain, inv.OS.Family, inv.OS.Name, inv.OS.Version,
				inv.OS.DisplayVersion, inv.OS.Build, inv.OS.UBR, inv.OS.Arch, string(ipsJSON), inv.AgentVersion,
				r.At, r.Digest, r.Blob, r.ComputerID)
			if err != nil {
				return fmt.Errorf("store inventory of computer %d: %w", r.ComputerID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				results[i] = fmt.Errorf("computer %d: %w", r.ComputerID, ErrNotFound)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// gzipWriters are reused: a new gzip writer allocates about a megabyte, which at hundreds of
// inventories a second was the host's largest CPU cost (garbage collection).
var gzipWriters = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed); return w }}

// EncodeInventory is the stored form of an inventory: gzip-compressed JSON, a tenth of its size.
func EncodeInventory(inv *inventory.Inventory) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	if err := json.NewEncoder(zw).Encode(inv); err != nil {
		return nil, fmt.Errorf("encode inventory: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("encode inventory: %w", err)
	}
	return buf.Bytes(), nil
}

// DecodeInventory reads the stored inventory; ok is false when none was received yet.
func (c Computer) DecodeInventory() (inv inventory.Inventory, ok bool, err error) {
	if len(c.Inventory) == 0 {
		return inv, false, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(c.Inventory))
	if err != nil {
		return inv, false, fmt.Errorf("read inventory of %s: %w", c.Name, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return inv, false, fmt.Errorf("read inventory of %s: %w", c.Name, err)
	}
	if err := json.Unmarshal(b, &inv); err != nil {
		return inv, false, fmt.Errorf("read inventory of %s: %w", c.Name, err)
	}
	return inv, true, nil
}

// AddAgentEvents stores a computer's events.
func (s *Store) AddAgentEvents(ctx context.Context, events []AgentEvent) error {
	if len(events) == 0 {
		return nil
	}
	if err := s.DB.WithContext(ctx).CreateInBatches(events, 200).Error; err != nil {
		return fmt.Errorf("store agent events: %w", err)
	}
	return nil
}

// AgentEvents lists a computer's newest events.
func (s *Store) AgentEvents(ctx context.Context, computerID uint, limit int) ([]AgentEvent, error) {
	var es []AgentEvent
	err := s.DB.WithContext(ctx).Where("computer_id = ?", computerID).Order("at DESC, id DESC").Limit(limit).Find(&es).Error
	if err != nil {
		return nil, fmt.Errorf("list events of computer %d: %w", computerID, err)
	}
	return es, nil
}

// ComputerQuery chooses what Computers returns.
type ComputerQuery struct {
	// Name, when set, keeps computers whose name contains it (case-insensitive).
	Name string
	// WithInventory also reads each stored inventory (larger and slower).
	WithInventory bool
}

// ComputerView is a computer as the CLI and GUI list it.
type ComputerView struct {
	Computer
	Inventory *inventory.Inventory `json:"inventory,omitempty"`
}

// Computers lists computers by name.
func (s *Store) Computers(ctx context.Context, q ComputerQuery) ([]ComputerView, error) {
	db := s.DB.WithContext(ctx).Order("name, id")
	if !q.WithInventory {
		db = db.Omit("inventory")
	}
	if q.Name != "" {
		db = db.Where("name LIKE ?", "%"+q.Name+"%")
	}
	var cs []Computer
	if err := db.Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("list computers: %w", err)
	}
	out := make([]ComputerView, len(cs))
	for i, c := range cs {
		out[i].Computer = c
		if q.WithInventory {
			inv, ok, err := c.DecodeInventory()
			if err != nil {
				return nil, err
			}
			if ok {
				out[i].Inventory = &inv
			}
			out[i].Computer.Inventory = nil
		}
	}
	return out, nil
}

// FindComputer finds a computer by number or exact name.
func (s *Store) FindComputer(ctx context.Context, idOrName string) (Computer, error) {
	var c Computer
	q := s.DB.WithContext(ctx)
	if id, err := strconv.ParseUint(idOrName, 10, 64); err == nil {
		q = q.Where("id = ?", id)
	} else {
		q = q.Where("name = ?", idOrName)
	}
	var cs []Computer
	if err := q.Order("id").Limit(2).Find(&cs).Error; err != nil {
		return c, fmt.Errorf("find computer %s: %w", idOrName, err)
	}
	switch len(cs) {
	case 0:
		return c, fmt.Errorf("computer %s: %w", idOrName, ErrNotFound)
	case 2:
		return c, fmt.Errorf("computer name %s is ambiguous (ids %d and %d): give the id", idOrName, cs[0].ID, cs[1].ID)
	}
	return cs[0], nil
}

// RevokeComputer refuses the computer's agent from now on; its data stays for reports.
func (s *Store) RevokeComputer(ctx context.Context, actor string, id uint) error {
	return s.changeComputer(ctx, actor, id, ChangeRevoke, func(tx *gorm.DB, c *Computer, now time.Time) error {
		return tx.Model(c).Updates(map[string]any{"revoked": true, "revoked_at": now}).Error
	})
}

// DeleteComputer removes the computer with its inventory and events; its agent is refused.
func (s *Store) DeleteComputer(ctx context.Context, actor string, id uint) error {
	return s.changeComputer(ctx, actor, id, ChangeDelete, func(tx *gorm.DB, c *Computer, _ time.Time) error {
		return tx.Delete(c).Error // events go with it (ON DELETE CASCADE)
	})
}

// RequestScan asks the computer's agent to run the inventory scan at its next check-in.
func (s *Store) RequestScan(ctx context.Context, actor string, id uint) error {
	return s.changeComputer(ctx, actor, id, ChangeScan, func(tx *gorm.DB, c *Computer, now time.Time) error {
		return tx.Model(c).Update("scan_requested_at", now).Error
	})
}

func (s *Store) changeComputer(ctx context.Context, actor string, id uint, kind string, apply func(*gorm.DB, *Computer, time.Time) error) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var c Computer
		if err := tx.Omit("inventory").Where("id = ?", id).Take(&c).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("computer %d: %w", id, ErrNotFound)
			}
			return fmt.Errorf("%s computer %d: %w", kind, id, err)
		}
		now := time.Now().UTC()
		if err := apply(tx, &c, now); err != nil {
			return fmt.Errorf("%s computer %s: %w", kind, c.Name, err)
		}
		if err := tx.Create(&ComputerChange{ComputerID: id, Kind: kind, At: now}).Error; err != nil {
			return fmt.Errorf("%s computer %s: %w", kind, c.Name, err)
		}
		return AuditTx(tx, actor, kind, computerObject(c), "")
	})
}
