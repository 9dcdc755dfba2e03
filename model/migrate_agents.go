package model

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

func init() {
	register(migration{3, "computers, enrolment tokens, agent events", m003Agents})
}

// m003Agents creates what the agent listener stores. computer_changes is a log of administrator
// actions on computers (revoke, delete, scan request) that the listener polls, so that a
// command run beside a running host takes effect without a restart.
func m003Agents(tx *gorm.DB) error {
	type computer struct {
		ID               uint   `gorm:"primaryKey"`
		Name             string `gorm:"not null;index:idx_computers_name"`
		Domain           string `gorm:"not null;default:''"`
		OSFamily         string `gorm:"not null;default:''"`
		OSName           string `gorm:"not null;default:''"`
		OSVersion        string `gorm:"not null;default:''"`
		OSDisplayVersion string `gorm:"not null;default:''"`
		OSBuild          int    `gorm:"not null;default:0"`
		OSUBR            int    `gorm:"column:os_ubr;not null;default:0"`
		OSArch           string `gorm:"not null;default:''"`
		IPs              string `gorm:"not null;default:'[]'"`
		LastAddress      string `gorm:"not null;default:''"`
		AgentVersion     string `gorm:"not null;default:''"`
		EnrolledAt       time.Time
		EnrolToken       string `gorm:"not null;default:''"`
		LastCheckinAt    *time.Time
		LastInventoryAt  *time.Time
		InventoryDigest  string `gorm:"not null;default:''"`
		Inventory        []byte
		CredentialHash   []byte `gorm:"not null"`
		Revoked          bool   `gorm:"not null;default:false"`
		RevokedAt        *time.Time
		ScanRequestedAt  *time.Time
		ScanDeliveredAt  *time.Time
	}
	type enrolToken struct {
		ID         string    `gorm:"primaryKey"`
		SecretHash []byte    `gorm:"not null"`
		CreatedAt  time.Time `gorm:"not null"`
		CreatedBy  string    `gorm:"not null;default:''"`
		ExpiresAt  time.Time `gorm:"not null"`
		Uses       int       `gorm:"not null"`
		UsesLeft   int       `gorm:"not null"`
	}
	type agentEvent struct {
		ID         uint      `gorm:"primaryKey"`
		ComputerID uint      `gorm:"not null;index:idx_agent_events_computer_at,priority:1"`
		Computer   *computer `gorm:"constraint:OnDelete:CASCADE"`
		At         time.Time `gorm:"not null;index:idx_agent_events_computer_at,priority:2"`
		ReceivedAt time.Time `gorm:"not null"`
		Severity   string    `gorm:"not null"`
		Kind       string    `gorm:"not null"`
		Message    string    `gorm:"not null;default:''"`
	}
	type computerChange struct {
		ID         uint      `gorm:"primaryKey"`
		ComputerID uint      `gorm:"not null"`
		Kind       string    `gorm:"not null"`
		At         time.Time `gorm:"not null"`
	}
	for _, t := range []struct {
		name  string
		model any
	}{{"computers", &computer{}}, {"enrol_tokens", &enrolToken{}}, {"agent_events", &agentEvent{}}, {"computer_changes", &computerChange{}}} {
		if err := tx.Table(t.name).Migrator().CreateTable(t.model); err != nil {
			return fmt.Errorf("create %s: %w", t.name, err)
		}
	}
	return nil
}
